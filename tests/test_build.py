"""Generated DOCX files: valid XML, intact names, repeatable bytes, atomic writes, manifest."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import docx
import pytest
from conftest import ROOT, TWO_HOSPITALS
from docxedit import replace_once, rewrite_docx
from lxml import etree

from aifi_legal import UsageError, load_project
from aifi_legal.documents import KINDS, DocumentRef
from aifi_legal.errors import OutputError, TemplateError
from aifi_legal.word.conventions import STYLES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def all_text(path) -> str:
    """Every w:t of every part (body, headers, footers), in order."""
    parts = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.startswith("word/") and name.endswith(".xml"):
                root = etree.fromstring(archive.read(name))
                parts.append("".join(t.text or "" for t in root.iter(f"{W}t")))
    return "\n".join(parts)


def test_every_document_of_every_fixture_hospital_is_written(fixture_build):
    paths = sorted(str(d.path.relative_to(fixture_build.out)) for d in fixture_build.documents)
    assert paths == sorted(
        f"{h}/{DocumentRef(kind, h, '1.0', 'nordlicht').file_name}"
        for h in ("linde-en-eik", "den-bosch-noord")
        for kind in KINDS
    )
    for hospital in ("linde-en-eik", "den-bosch-noord"):
        assert (fixture_build.out / hospital / "manifest.json").is_file()


def test_signatories_per_kind(fixture_build):
    """Hospital first, then AIFI or the processor; the DPIA is adopted by the hospital alone."""
    expected = {
        "intentieverklaring": [
            "Stichting Ziekenhuis 's-Hertogenbosch Noord",
            "Stichting Samenwerkingsverband AIFI",
        ],
        "deelnameovereenkomst": [
            "Stichting Ziekenhuis 's-Hertogenbosch Noord",
            "Stichting Samenwerkingsverband AIFI",
        ],
        "verwerkersovereenkomst": [
            "Stichting Ziekenhuis 's-Hertogenbosch Noord",
            "Nordlicht Zorginfrastructuur B.V.",
        ],
        "dpia": ["Stichting Ziekenhuis 's-Hertogenbosch Noord"],
    }
    for document in fixture_build.documents:
        if document.hospital_id != "den-bosch-noord":
            continue
        opened = docx.Document(str(document.path))
        signature_table = next(t for t in opened.tables if "Naam: " in t.rows[0].cells[0].text)
        parties = [cell.paragraphs[0].text for cell in signature_table.rows[0].cells]
        assert parties == expected[document.kind], document.kind


def test_every_xml_part_parses_strictly(fixture_build):
    parser = etree.XMLParser(recover=False, resolve_entities=False)
    for document in fixture_build.documents:
        with zipfile.ZipFile(document.path) as archive:
            for name in archive.namelist():
                if name.endswith((".xml", ".rels")):
                    etree.fromstring(archive.read(name), parser)


def test_names_with_special_characters_come_out_intact(fixture_build):
    linde = next(
        d
        for d in fixture_build.documents
        if d.hospital_id == "linde-en-eik" and d.kind == "deelnameovereenkomst"
    )
    text = all_text(linde.path)
    name = 'Stichting Zorggroep Linde & Eik <Zuid> "De Boog"'
    assert text.count(name) >= 4  # title page, header, parties, signature page
    assert "Chloë d'Ancona-Brûlé" in text
    noord = next(
        d
        for d in fixture_build.documents
        if d.hospital_id == "den-bosch-noord" and d.kind == "intentieverklaring"
    )
    text = all_text(noord.path)
    assert "Stichting Ziekenhuis 's-Hertogenbosch Noord" in text
    assert "Ingrid Sønnesyn" in text and "drs. Bart van 't Veld" in text


def test_documents_open_with_python_docx_and_use_styles(fixture_build):
    for document in fixture_build.documents:
        opened = docx.Document(str(document.path))
        used = {p.style.name for p in opened.paragraphs}
        required = {"Heading 1", STYLES["text"]}
        if document.kind != "dpia":  # a report has chapters, not articles with members
            required.add(STYLES["member"])
        assert required <= used, document.kind
        assert opened.core_properties.identifier == document.document_id
        # No direct formatting of paragraphs: every body paragraph names a style.
        body = opened.element.body
        for paragraph in body.iter(f"{W}p"):
            ppr = paragraph.find(f"{W}pPr")
            if ppr is not None and ppr.find(f"{W}pStyle") is not None:
                assert ppr.find(f"{W}ind") is None and ppr.find(f"{W}jc") is None


def test_header_and_footer_name_document_hospital_version_and_id(fixture_build):
    document = next(
        d
        for d in fixture_build.documents
        if d.hospital_id == "den-bosch-noord" and d.kind == "deelnameovereenkomst"
    )
    with zipfile.ZipFile(document.path) as archive:
        headers = [
            archive.read(n).decode()
            for n in archive.namelist()
            if re.fullmatch(r"word/header\d+\.xml", n)
        ]
        footers = [
            archive.read(n).decode()
            for n in archive.namelist()
            if re.fullmatch(r"word/footer\d+\.xml", n)
        ]
    assert any("Deelnameovereenkomst" in h and "Noord" in h for h in headers)
    footer = next(f for f in footers if "NUMPAGES" in f)
    assert "AIFI-DNO-DEN-BOSCH-NOORD-V1.0" in footer and " PAGE " in footer
    assert "{{" not in "".join(headers + footers)


def test_each_clause_is_bookmarked_by_id(fixture_build):
    document = next(d for d in fixture_build.documents if d.kind == "deelnameovereenkomst")
    with zipfile.ZipFile(document.path) as archive:
        xml = archive.read("word/document.xml").decode()
    every = re.findall(r'w:bookmarkStart w:id="\d+" w:name="([^"]+)"', xml)
    names = [n for n in every if n.startswith("aifi_")]
    terms = [n for n in every if n.startswith("aifiterm_")]
    headings = [n for n in every if re.fullmatch(r"_Ref\d{10}", n)]  # numbered headings
    assert names == [f"aifi_{cid.replace('-', '_')}" for cid, _ in document.clauses]
    assert terms and len(names) + len(terms) + len(headings) == len(every)
    unnumbered = ("partijen", "overwegingen", "ondertekening")
    assert len(headings) == len([n for n in names if not n.endswith(unnumbered)])
    assert len(set(every)) == len(every)
    assert xml.count("<w:bookmarkEnd ") == len(every)


def test_signature_page_lists_every_signatory(fixture_build):
    document = next(
        d
        for d in fixture_build.documents
        if d.hospital_id == "den-bosch-noord" and d.kind == "intentieverklaring"
    )
    opened = docx.Document(str(document.path))
    cells = [c.text for t in opened.tables for row in t.rows for c in row.cells]
    signature = next(c for c in cells if "Naam: drs. Bart van 't Veld" in c)
    assert "Naam: Ingrid Sønnesyn" in signature and "Plaats: Rosmalen" in signature
    assert signature.count("Bevoegdheid: gezamenlijk bevoegd") == 2
    aifi = next(c for c in cells if c.startswith("Stichting Samenwerkingsverband AIFI"))
    assert "Naam: drs. Marloes Verhagen-Ait Taleb" in aifi


def test_same_inputs_give_identical_bytes(fixture_project, fixture_build, tmp_path):
    again = fixture_project.build(tmp_path)
    assert len(again.documents) == len(fixture_build.documents) > 0
    for first, second in zip(fixture_build.documents, again.documents, strict=True):
        assert first.path != second.path
        assert first.path.read_bytes() == second.path.read_bytes()
    for hospital in ("linde-en-eik", "den-bosch-noord"):
        assert (fixture_build.out / hospital / "manifest.json").read_bytes() == (
            tmp_path / hospital / "manifest.json"
        ).read_bytes()
    with zipfile.ZipFile(again.documents[0].path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_manifest_records_inputs_and_outputs(fixture_project, fixture_build):
    folder = fixture_build.out / "linde-en-eik"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["hospital"] == "linde-en-eik"
    assert manifest["data"]["sha256"] == hashlib.sha256(TWO_HOSPITALS.read_bytes()).hexdigest()
    kinds = {d["kind"]: d for d in manifest["documents"]}
    assert set(kinds) == set(KINDS)
    assert kinds["verwerkersovereenkomst"]["file"] == "verwerkersovereenkomst-nordlicht.docx"
    assert kinds["verwerkersovereenkomst"]["processor"] == "nordlicht"
    for kind, entry in kinds.items():
        data = (folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert (
            entry["template"]["sha256"]
            == hashlib.sha256((ROOT / "templates" / KINDS[kind].template).read_bytes()).hexdigest()
        )
        assert all(re.fullmatch(r"\d+\.\d+\.\d+", c["version"]) for c in entry["clauses"])
    # The manifest lists exactly the clauses the document holds, not the library's.
    assembled = fixture_project.assemble("deelnameovereenkomst", "linde-en-eik")
    assert [c["id"] for c in kinds["deelnameovereenkomst"]["clauses"]] == [
        r.clause.id for r in assembled.clauses
    ]


def test_building_one_kind_keeps_the_others_in_the_manifest(fixture_project, tmp_path):
    fixture_project.build(tmp_path, hospitals=["linde-en-eik"])
    fixture_project.build(tmp_path, hospitals=["linde-en-eik"], only=["intentieverklaring"])
    manifest = json.loads((tmp_path / "linde-en-eik" / "manifest.json").read_text())
    assert [d["kind"] for d in manifest["documents"]] == sorted(KINDS)


def test_selection_by_hospital_group_and_kind(fixture_project, tmp_path):
    result = fixture_project.build(tmp_path, group=2, only=["deelnameovereenkomst"])
    assert [d.path.name for d in result.documents] == ["deelnameovereenkomst.docx"]
    assert [(d.hospital_id, d.kind) for d in result.documents] == [
        ("den-bosch-noord", "deelnameovereenkomst")
    ]
    with pytest.raises(UsageError, match="unknown hospital 'linde-en-ek'") as caught:
        fixture_project.build(tmp_path, hospitals=["linde-en-ek"])
    assert "did you mean 'linde-en-eik'" in caught.value.hint
    with pytest.raises(UsageError, match="unknown implementation group 9"):
        fixture_project.build(tmp_path, group=9)
    with pytest.raises(UsageError, match="unknown document kind"):
        fixture_project.build(tmp_path, only=["dpia-x"])


def test_model_documents_highlight_hospital_fields(fixture_project, tmp_path):
    result = fixture_project.build(tmp_path, model=True)
    assert sorted(str(d.path.relative_to(tmp_path)) for d in result.documents) == sorted(
        f"model/{DocumentRef(kind, None, '1.0', 'nordlicht').file_name}" for kind in KINDS
    )
    with zipfile.ZipFile(tmp_path / "model" / "deelnameovereenkomst.docx") as archive:
        xml = archive.read("word/document.xml").decode()
    assert re.search(
        r'<w:highlight w:val="yellow"/></w:rPr><w:t xml:space="preserve">'
        r"\[ziekenhuis\.legal_name\]</w:t>",
        xml,
    )
    assert "Linde" not in all_text(tmp_path / "model" / "deelnameovereenkomst.docx")
    assert not (tmp_path / "model" / "manifest.json").exists()


def test_failed_build_writes_nothing_and_keeps_earlier_files(tmp_path):
    project = load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates")
    out = tmp_path / "out"
    project.build(out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "intentieverklaring.docx").write_bytes(
        (ROOT / "templates" / "intentieverklaring.docx").read_bytes()
    )
    (broken / "deelnameovereenkomst.docx").write_bytes(b"not a zip")
    project = load_project(TWO_HOSPITALS, ROOT / "clauses", broken)
    with pytest.raises(TemplateError, match="cannot open the template"):
        project.build(out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # no file changed, no temporary file left


def test_unwritable_output_is_a_clear_error(fixture_project, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(OutputError, match="cannot write"):
        fixture_project.build(blocker)


def test_template_without_a_style_is_refused(fixture_project, tmp_path):
    source = ROOT / "templates" / "intentieverklaring.docx"
    templates = tmp_path / "templates"
    templates.mkdir()
    rewrite_docx(
        source,
        templates / "intentieverklaring.docx",
        changes={"word/styles.xml": replace_once('w:val="AIFI Lid"', 'w:val="Mijn Lid"')},
    )
    (templates / "deelnameovereenkomst.docx").write_bytes(
        (ROOT / "templates" / "deelnameovereenkomst.docx").read_bytes()
    )
    project = load_project(TWO_HOSPITALS, ROOT / "clauses", templates)
    with pytest.raises(TemplateError) as caught:
        project.build(tmp_path / "out")
    assert "style 'AIFI Lid' is missing from the template" in str(caught.value.problems[0])


def test_document_properties_are_the_projects_own(fixture_build):
    document = fixture_build.documents[0]
    with zipfile.ZipFile(document.path) as archive:
        core = archive.read("docProps/core.xml").decode()
        app = archive.read("docProps/app.xml").decode()
    assert "python-docx" not in core and "python-docx" not in app
    assert f"document-id {document.document_id}: gemaakt met aifi-legal" in core
    assert "<Application>aifi-legal</Application>" in app
    # No statistics copied from the template (it claims one page and no words).
    assert "<Pages>" not in app and "<Words>" not in app and "Microsoft" not in app


def test_worker_processes_write_the_files_one_process_writes(tmp_path, monkeypatch):
    project = load_project(ROOT / "hospitals.yaml", ROOT / "clauses", ROOT / "templates")
    one = project.build(tmp_path / "een", jobs=1)
    two = project.build(tmp_path / "twee", jobs=2)
    assert [d.document_id for d in one.documents] == [d.document_id for d in two.documents]
    for doc in one.documents:
        twin = tmp_path / "twee" / doc.path.relative_to(tmp_path / "een")
        assert twin.read_bytes() == doc.path.read_bytes(), doc.path
    for manifest in one.manifests:
        twin = tmp_path / "twee" / manifest.relative_to(tmp_path / "een")
        assert twin.read_bytes() == manifest.read_bytes()
    # A document a worker cannot render is rendered by the build itself.
    import os

    import aifi_legal.output.render as render

    parent, real = os.getpid(), render.render_document

    def only_here(source, ref):
        if os.getpid() != parent:
            raise RuntimeError("a worker fails")
        return real(source, ref)

    monkeypatch.setattr(render, "render_document", only_here)
    again = project.build(tmp_path / "drie", jobs=2)
    assert [d.sha256 for d in again.documents] == [d.sha256 for d in one.documents]
    with pytest.raises(UsageError, match="jobs must be a whole number"):
        project.build(tmp_path / "vier", jobs=0)


def test_a_process_with_other_threads_renders_by_itself_by_default(tmp_path, monkeypatch):
    import threading

    import aifi_legal.parallel as parallel

    def no_pool(*args, **kwargs):
        raise AssertionError("forked workers in a process that runs other threads")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # as a notebook's kernel runs threads
    other.start()
    try:
        project = load_project(ROOT / "hospitals.yaml", ROOT / "clauses", ROOT / "templates")
        result = project.build(tmp_path / "out")
    finally:
        stop.set()
        other.join()
    assert len(result.documents) == 24
