"""The compiled path writes the same bytes as the straightforward one, for every document.

word.render.render_docx opens and compiles each template once and zips once, with the parts
that never change deflated once; render_docx_plain opens the template with docxtpl for every
document. Both must give byte-identical files.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import ROOT, TWO_HOSPITALS

from aifi_legal import load_project
from aifi_legal.documents import KINDS
from aifi_legal.word import render as render_module
from aifi_legal.word.render import compiled_template, render_docx, render_docx_plain
from aifi_legal.word.reproducible import deflate, docx_zip, normalise_docx


@pytest.mark.parametrize("data", [ROOT / "hospitals.yaml", TWO_HOSPITALS])
def test_the_compiled_path_writes_the_bytes_of_the_straightforward_path(data):
    project = load_project(data, ROOT / "clauses", ROOT / "templates")
    refs = [r for h in [None, *project.portfolio.hospitals] for r in project.documents_of(h)]
    assert {r.kind for r in refs} == set(KINDS)
    for ref in refs:
        document = project.source.assemble(ref)
        template = project.workspace.templates / KINDS[ref.kind].template
        plain = render_docx_plain(template, document)
        assert render_docx(template, document) == plain, ref.id
    # A letter without contents, and twice the same document: nothing carries over.
    document = project.source.assemble(refs[-1])
    template = project.workspace.templates / KINDS[refs[-1].kind].template
    once = render_docx(template, document, contents=False)
    assert once == render_docx(template, document, contents=False)
    assert once == render_docx_plain(template, document, contents=False)


def test_a_changed_template_is_compiled_again(tmp_path):
    template = tmp_path / "dpia.docx"
    template.write_bytes((ROOT / "templates" / "dpia.docx").read_bytes())
    first = compiled_template(template)
    assert compiled_template(template) is first
    with zipfile.ZipFile(ROOT / "templates" / "dpia.docx") as source:
        parts = [(i.filename, source.read(i.filename)) for i in source.infolist()]
    parts = [(n, d.replace(b"{{r group}}", b"groep {{r group}}")) for n, d in parts]
    assert any(b"groep {{r group}}" in d for _, d in parts)
    template.write_bytes(docx_zip(parts))
    assert compiled_template(template) is not first


def test_the_zip_is_the_one_zipfile_writes():
    with zipfile.ZipFile(ROOT / "templates" / "verwerkersovereenkomst.docx") as source:
        parts = [(i.filename, source.read(i.filename)) for i in source.infolist()]
    parts.append(("word/média é.xml", "<a>é</a>".encode()))  # a name zip stores as UTF-8
    parts.append(("leeg.xml", b""))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts:
            archive.writestr(name, data)
    expected = normalise_docx(buffer.getvalue())
    assert docx_zip(parts) == expected
    assert docx_zip([(name, deflate(data)) for name, data in parts]) == expected


@pytest.mark.parametrize(
    "broken",
    [
        "<w:p><w:r><w:t>open</w:t></w:r>",  # not closed
        "<w:p><x:r/></w:p>",  # a prefix the document does not declare
        '<w:p w:a="1" w:a="2"/>',  # an attribute twice
        "<w:p><w:t>a & b</w:t></w:p>",  # text not escaped
        "<w:p>\x01</w:p>",  # a character XML does not allow
    ],
)
def test_a_body_that_is_not_strict_xml_is_never_handed_out(monkeypatch, broken):
    project = load_project(ROOT / "hospitals.yaml", ROOT / "clauses", ROOT / "templates")
    ref = project.documents_of(project.portfolio.hospitals[0])[0]
    document = project.source.assemble(ref)
    template = project.workspace.templates / KINDS[ref.kind].template
    monkeypatch.setattr(render_module, "body_parts", lambda *args: ["<w:p/>", broken])
    for _ in range(2):  # a piece that failed is not taken as checked the next time
        with pytest.raises(AssertionError, match=r"not well-formed: word/document\.xml"):
            render_docx(template, document)


def test_a_body_with_tabs_goes_through_docxtpl_s_listing_pass_as_before(monkeypatch):
    project = load_project(ROOT / "hospitals.yaml", ROOT / "clauses", ROOT / "templates")
    ref = project.documents_of(project.portfolio.hospitals[0])[0]
    document = project.source.assemble(ref)
    template = project.workspace.templates / KINDS[ref.kind].template
    body = '<w:p><w:r><w:t xml:space="preserve">a\tb</w:t></w:r></w:p>'
    monkeypatch.setattr(render_module, "body_xml", lambda *args: body)
    monkeypatch.setattr(render_module, "body_parts", lambda *args: [body])
    assert render_docx(template, document) == render_docx_plain(template, document)
