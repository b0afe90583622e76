"""LibreOffice Writer opens the generated documents (CI installs it; see .ci/run)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import SOFFICE

needs_writer = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (Debian package libreoffice-writer-nogui); .ci/run "
    "installs it",
)


@pytest.fixture(scope="module")
def writer_pdfs(fixture_build, tmp_path_factory):
    """Every fixture document converted by Writer itself: OUT/<hospital>/<file>.pdf."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    root = tmp_path_factory.mktemp("writer")
    # Each hospital's files share names, so convert one hospital per call.
    for hospital in {d.hospital_id for d in fixture_build.documents}:
        files = [str(d.path) for d in fixture_build.documents if d.hospital_id == hospital]
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{root}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(root / hospital),
                *files,
            ],
            check=True,
            capture_output=True,
            timeout=240,
        )
    return root


@needs_writer
def test_writer_converts_every_document_and_keeps_the_text(fixture_build, writer_pdfs):
    from pypdf import PdfReader

    tmp_path = writer_pdfs
    assert len(list(tmp_path.glob("*/*.pdf"))) == len(fixture_build.documents)
    pdf = tmp_path / "den-bosch-noord" / "deelnameovereenkomst.pdf"
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 5
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Stichting Ziekenhuis 's-Hertogenbosch Noord" in " ".join(text.split())
    first = " ".join(reader.pages[1].extract_text().split())
    assert "pagina 2 van" in first
    # No page but the title page is (nearly) empty: a signature table that ends a page is not
    # followed by a blank page before the first annex, which starts on a page of its own.
    for path in sorted(tmp_path.glob("*/*.pdf")):
        pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages]
        assert [n for n, page in enumerate(pages[1:], 2) if len(page.split()) < 25] == [], path


@needs_writer
def test_check_trusts_documents_saved_again_by_writer(fixture_project, fixture_build, tmp_path):
    """A round trip through a word processor keeps the clause markers: documents saved again
    by LibreOffice Writer still check clean, with every checklist item covered."""
    out = tmp_path / "out"
    for hospital in {d.hospital_id for d in fixture_build.documents}:
        files = [str(d.path) for d in fixture_build.documents if d.hospital_id == hospital]
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{tmp_path}/profile",
                "--headless",
                "--convert-to",
                "docx:MS Word 2007 XML",
                "--outdir",
                str(out / hospital),
                *files,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    report = fixture_project.check(out=out)
    assert len(report.documents) == 8
    assert [f for f in report.findings if f.level != "info"] == [], report.to_text()
    assert all(
        v["status"] == "covered" for matrix in report.coverage.values() for v in matrix.values()
    )


def _pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


@needs_writer
def test_the_contents_give_the_page_each_article_starts_on(fixture_build, writer_pdfs):
    from aifi_legal.word.reader import read_docx

    checked = 0
    for document in fixture_build.documents:
        listed = read_docx(document.path).contents[1:]  # below "Inhoud"
        if not listed:
            continue
        pages = _pages(writer_pdfs / document.hospital_id / document.path.with_suffix(".pdf").name)
        # Page 2, below the running header: the contents, then the first article's line.
        assert re.search(r"^[^.]* Inhoud (Artikel )?1 ", pages[1]), pages[1][:200]
        contents = " ".join(pages[1:4])
        for heading in listed:
            found = re.search(re.escape(heading) + r" ?\.{3,} ?(\d+)", contents)
            assert found, (document.path, heading)
            page = int(found.group(1))
            # The heading opens a line on that page (not only the contents' line for it).
            assert page > 2 and heading in pages[page - 1], (document.path, heading, page)
            checked += 1
    assert checked > 40


@needs_writer
def test_one_font_family_embedded_and_titles_that_keep_their_words(fixture_build, writer_pdfs):
    from pypdf import PdfReader

    from aifi_legal.documents import KINDS

    for path in sorted(writer_pdfs.glob("*/*.pdf")):
        reader = PdfReader(str(path))
        fonts = {}
        for page in reader.pages:
            for font in page["/Resources"].get("/Font", {}).values():
                font = font.get_object()
                descriptor = font.get("/FontDescriptor")
                fonts[str(font["/BaseFont"]).split("+")[-1]] = descriptor is not None and any(
                    key in descriptor.get_object()
                    for key in ("/FontFile", "/FontFile2", "/FontFile3")
                )
        # Liberation Sans is LibreOffice's Arial: the house font, in regular and bold.
        assert set(fonts) <= {
            "LiberationSans",
            "LiberationSans-Bold",
            "Arial",
            "Arial-BoldMT",
            "ArialMT",
        }, (path, fonts)
        assert all(fonts.values()), (path, fonts)
        title = next(k.title for k in KINDS.values() if path.stem.startswith(k.name))
        lines = reader.pages[0].extract_text().splitlines()
        for word in title.split():
            assert any(word in line.split() for line in lines), (path, word, lines[:3])
