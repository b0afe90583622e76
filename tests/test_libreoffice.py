"""LibreOffice Writer opens the generated documents (CI installs it; see .ci/run)."""

from __future__ import annotations

import subprocess

import pytest
from conftest import SOFFICE


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (Debian package "
                    "libreoffice-writer-nogui); .ci/run installs it")
def test_writer_converts_every_document_and_keeps_the_text(fixture_build, tmp_path):
    from pypdf import PdfReader

    # Each hospital's files share names, so convert one hospital per call.
    for hospital in {d.hospital_id for d in fixture_build.documents}:
        target = tmp_path / hospital
        files = [str(d.path) for d in fixture_build.documents if d.hospital_id == hospital]
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--headless", "--convert-to", "pdf", "--outdir", str(target), *files],
                       check=True, capture_output=True, timeout=240)
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


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_check_trusts_documents_saved_again_by_writer(fixture_project, fixture_build, tmp_path):
    """A round trip through a word processor keeps the clause markers: documents saved again
    by LibreOffice Writer still check clean, with every checklist item covered."""
    out = tmp_path / "out"
    for hospital in {d.hospital_id for d in fixture_build.documents}:
        files = [str(d.path) for d in fixture_build.documents if d.hospital_id == hospital]
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir",
                        str(out / hospital), *files], check=True, capture_output=True,
                       timeout=300)
    report = fixture_project.check(out=out)
    assert len(report.documents) == 8
    assert [f for f in report.findings if f.level != "info"] == [], report.to_text()
    assert all(v["status"] == "covered" for matrix in report.coverage.values()
               for v in matrix.values())
