"""Word's own numbering and cross-reference fields: written, read back, renumbered by Writer."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import SOFFICE
from docxedit import DOCUMENT, in_xml, rewrite_docx
from lxml import etree
from pypdf import PdfReader

from aifi_legal.assembly.blocks import item_label
from aifi_legal.word.numbering import format_number
from aifi_legal.word.reader import normalise, read_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ARTICLE = re.compile(r"^Artikel (\d+) (.+)$")


def _document(build, hospital: str, kind: str) -> Path:
    return next(d.path for d in build.documents if d.hospital_id == hospital and d.kind == kind)


def _articles(path: Path) -> list[tuple[int, str]]:
    """The article headings of a document as Word shows them: (number, title)."""
    found = []
    for paragraph in read_docx(path).body():
        match = ARTICLE.match(normalise(paragraph.text))
        if match and paragraph.style and paragraph.style.lower() == "heading 1":
            found.append((int(match.group(1)), match.group(2)))
    return found


def _insert_article_before(number: int, title: str):
    """An edit as a lawyer makes it in Word: a new paragraph in the article heading style and
    one in the member style before article `number`; no number typed, no list chosen."""

    def edit(root: etree._Element) -> None:
        headings = [
            p
            for p in root.iter(f"{W}p")
            if p.find(f"{W}pPr/{W}numPr/{W}numId") is not None
            and p.find(f"{W}pPr/{W}numPr/{W}numId").get(f"{W}val") != "0"
            and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Heading1"
        ]
        before = headings[number - 1]
        for style, text in (("Heading1", title), ("AIFILid", "Een nieuw lid.")):
            paragraph = etree.Element(f"{W}p")
            etree.SubElement(etree.SubElement(paragraph, f"{W}pPr"), f"{W}pStyle").set(
                f"{W}val", style
            )
            etree.SubElement(etree.SubElement(paragraph, f"{W}r"), f"{W}t").text = text
            before.addprevious(paragraph)

    return edit


def test_numbers_are_words_not_text_and_read_back_as_the_assembly_wrote_them(
    fixture_project, fixture_build
):
    path = _document(fixture_build, "linde-en-eik", "deelnameovereenkomst")
    body = etree.fromstring(zipfile.ZipFile(path).read(DOCUMENT))
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p")]
    # No number is typed: Word numbers the headings, members, recitals and items.
    assert not any(re.match(r"^(Artikel \d+|\d+\.\d+|[a-z]{1,2}\.|[A-Z]\.)$", t) for t in texts)
    assert len(body.findall(f".//{W}numPr")) > 200
    shown = [normalise(p.text) for p in read_docx(path).body() if p.text.strip()]
    expected = fixture_project.assemble("deelnameovereenkomst", "linde-en-eik")
    for rendered in expected.clauses:
        lines = [rendered.heading] if rendered.heading else []
        lines += [b.text for b in rendered.blocks if hasattr(b, "label")]
        for line in lines:
            if line.strip():
                assert normalise(line) in shown, line
    assert _articles(path)[:2] == [(1, "Definities"), (2, "Doel en reikwijdte")]


def test_cross_references_are_ref_fields_to_the_heading_showing_its_number(fixture_build):
    for document in fixture_build.documents:
        content = read_docx(document.path)
        assert content.references, document.path
        for reference, _ in content.references:
            assert reference.switches == ("\\r", "\\h")
            label, text = content.bookmark_paragraphs[reference.target]
            assert reference.shown == label, (document.path.name, reference, text)
            assert re.fullmatch(r"Artikel \d+|Bijlage \d+|\d+", reference.shown)


def test_letters_after_z_repeat_as_in_word():
    assert [item_label(i) for i in (0, 25, 26, 27, 52)] == ["a.", "z.", "aa.", "bb.", "aaa."]
    assert [format_number(n, "lowerLetter") for n in (1, 26, 27, 28)] == ["a", "z", "aa", "bb"]
    assert format_number(4, "upperRoman") == "IV" and format_number(12, "upperLetter") == "L"


def test_check_flags_a_reference_that_still_shows_the_old_number(
    fixture_project, fixture_build, tmp_path
):
    source = _document(fixture_build, "linde-en-eik", "deelnameovereenkomst")
    edited = rewrite_docx(
        source,
        tmp_path / source.name,
        changes={DOCUMENT: in_xml(_insert_article_before(3, "Nieuwe afspraken"))},
    )
    report = fixture_project.check([edited])
    stale = [f for f in report.findings if f.rule == "structure.stale-reference"]
    assert stale, report.to_text()
    assert all(f.level == "warning" for f in stale)
    # Article 3 onwards moved up one; a reference to article 1 or 2 is still right.
    assert any("shows 'Artikel 3'" in f.message and "now Artikel 4" in f.message for f in stale)
    assert not any("shows 'Artikel 2'" in f.message for f in stale)
    assert not [f for f in report.findings if f.rule == "structure.duplicate-number"]


def test_check_flags_a_reference_to_a_deleted_heading(fixture_project, fixture_build, tmp_path):
    source = _document(fixture_build, "linde-en-eik", "verwerkersovereenkomst")
    content = read_docx(source)
    target = content.references[0][0].target

    def drop_bookmark(root: etree._Element) -> None:
        for node in root.iter(f"{W}bookmarkStart"):
            if node.get(f"{W}name") == target:
                node.getparent().remove(node)
                return

    edited = rewrite_docx(
        source, tmp_path / source.name, changes={DOCUMENT: in_xml(drop_bookmark)}
    )
    broken = [
        f
        for f in fixture_project.check([edited]).findings
        if f.rule == "structure.broken-reference" and target in f.message
    ]
    assert broken and broken[0].level == "error"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_writer_renumbers_after_an_article_is_inserted(fixture_project, fixture_build, tmp_path):
    source = _document(fixture_build, "linde-en-eik", "deelnameovereenkomst")
    before = _articles(source)
    (tmp_path / "edited").mkdir()
    edited = rewrite_docx(
        source,
        tmp_path / "edited" / source.name,
        changes={DOCUMENT: in_xml(_insert_article_before(5, "Nieuwe afspraken"))},
    )
    for target, fmt in (("resaved", "docx:MS Word 2007 XML"), ("pdf", "pdf")):
        subprocess.run(
            [
                SOFFICE,
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/profile",
                "--convert-to",
                fmt,
                "--outdir",
                str(tmp_path / target),
                str(edited),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    resaved = tmp_path / "resaved" / source.name
    after = _articles(resaved)
    # The new article is number 5 (its style is numbered, as in Word); every later one
    # moved up by one, with its members.
    assert after[4] == (5, "Nieuwe afspraken")
    assert after[:4] == before[:4]
    assert after[5:] == [(number + 1, title) for number, title in before[4:]]
    shown = [normalise(p.text) for p in read_docx(resaved).body()]
    moved = before[5][0] + 1
    assert any(line.startswith(f"{moved}.1 ") for line in shown)
    assert "5.1 Een nieuw lid." in shown  # the member style is numbered too
    assert any(line == "Artikel 5 Nieuwe afspraken" for line in shown)
    # Writer updates the cross-references with the headings: in its layout (the PDF) and in
    # the fields' results it saves; check then finds every reference right.
    pdf = " ".join(
        page.extract_text() for page in PdfReader(tmp_path / "pdf" / f"{source.stem}.pdf").pages
    )
    assert f"Artikel {before[-1][0] + 1}" in pdf
    content = read_docx(resaved)
    shifted = [r for r, _ in content.references if r.shown.startswith("Artikel ")]
    assert shifted and all(
        r.shown == content.bookmark_paragraphs[r.target][0] for r, _ in content.references
    )
    assert any(int(r.shown.split()[1]) > before[4][0] for r in shifted)
    report = fixture_project.check([resaved])
    assert not [f for f in report.findings if f.rule.endswith("-reference")], report.to_text()
