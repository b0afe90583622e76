"""From PDF to register: build --pdf, a signature made with a test certificate, intake."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import ROOT, SOFFICE, TWO_HOSPITALS
from docxedit import DOCUMENT, replace_once, rewrite_docx
from pdfsigning import frozen_clock, make_signer, sign_field  # noqa: F401 - autouse clock

from aifi_legal import load_project
from aifi_legal.cli import cli
from aifi_legal.register.ledger import read_events

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed "
    "(Debian package libreoffice-writer-nogui); .ci/run installs it",
)


@pytest.fixture(scope="module")
def sent(tmp_path_factory):
    """The den-bosch-noord intention statement as a PDF ready for signing."""
    root = tmp_path_factory.mktemp("intake")
    project = load_project(
        TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", root / "signatures.jsonl"
    )
    stages = []
    result = project.build(
        root / "out",
        hospitals=["den-bosch-noord"],
        only=["intentieverklaring"],
        pdf=True,
        progress=lambda *event: stages.append(event),
    )
    [document] = result.documents
    # Progress covers every stage, the conversion too, and names each finished file.
    assert [(stage, done, total) for stage, done, total, _ in stages] == [
        ("rendering", 1, 1),
        ("converting", 1, 1),
        ("preparing", 1, 1),
    ]
    assert stages[1][3].endswith("den-bosch-noord/intentieverklaring.pdf")
    assert document.pdf["fields"] == ["sig_ziekenhuis_1", "sig_ziekenhuis_2", "sig_aifi_1"]
    return root, document.path.with_suffix(".pdf")


@pytest.fixture
def project(sent, tmp_path):
    _root, _ = sent
    return load_project(
        TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", tmp_path / "signatures.jsonl"
    )


@pytest.fixture(scope="module")
def signed_once(sent):
    _, pdf = sent
    return sign_field(pdf.read_bytes(), "sig_ziekenhuis_1", make_signer("Bart van 't Veld"))


def test_a_signed_pdf_is_recorded_for_its_signatory(project, sent, signed_once, tmp_path):
    root, _ = sent
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(signed_once)
    report = project.intake([returned], out=root / "out")
    assert report.ok, report.to_text()
    [event] = read_events(project.workspace.ledger)
    assert (event.signatory, event.field, event.method) == (
        "drs. Bart van 't Veld",
        "sig_ziekenhuis_1",
        "simple",
    )  # untrusted test certificate
    assert event.document_id == "AIFI-IVK-DEN-BOSCH-NOORD-V1.0"
    # Fed in twice: nothing new.
    assert project.intake([returned], out=root / "out").results[0].recorded == []
    status = project.status(root / "out", hospitals=["den-bosch-noord"], today=date(2027, 5, 1))
    assert status.documents[0].status == "partly signed"
    assert status.documents[0].missing == ("Ingrid Sønnesyn", "drs. Marloes Verhagen-Ait Taleb")


def test_a_second_signature_is_added_and_both_stay_valid(project, sent, signed_once, tmp_path):
    root, _ = sent
    twice = sign_field(signed_once, "sig_ziekenhuis_2", make_signer("Ingrid Sønnesyn"))
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(twice)
    report = project.intake([returned], out=root / "out")
    assert report.ok, report.to_text()
    assert [e.signatory for e in read_events(project.workspace.ledger)] == [
        "drs. Bart van 't Veld",
        "Ingrid Sønnesyn",
    ]


def test_one_changed_byte_is_refused_and_nothing_recorded(project, sent, signed_once, tmp_path):
    root, original = sent
    data = bytearray(signed_once)
    # A byte inside the signed part that we appended to (after our original bytes).
    position = len(original.read_bytes()) + 40
    data[position] = (data[position] + 1) % 256
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(bytes(data))
    report = project.intake([returned], out=root / "out")
    assert not report.ok
    assert "REFUSED" in report.to_text()
    assert read_events(project.workspace.ledger) == []
    # A changed byte in our own part is refused too.
    data = bytearray(signed_once)
    data[200] = (data[200] + 1) % 256
    returned.write_bytes(bytes(data))
    assert not project.intake([returned], out=root / "out").ok
    assert read_events(project.workspace.ledger) == []


def test_a_pdf_with_edited_text_is_refused_naming_the_page(project, sent, tmp_path):
    from aifi_legal.pdf import convert_to_pdf, prepare_pdf, read_document_info

    root, original = sent
    # Someone edits the DOCX and makes a PDF of it with our properties.
    edited = tmp_path / "intentieverklaring.docx"
    shutil.copyfile(root / "out" / "den-bosch-noord" / "intentieverklaring.docx", edited)
    rewrite_docx(
        edited,
        changes={DOCUMENT: replace_once("Rechtbank Midden-Nederland", "Rechtbank Amsterdam")},
    )
    converted = convert_to_pdf([edited], tmp_path / "pdf")[edited]
    info = read_document_info(original.read_bytes())
    forged = prepare_pdf(
        converted.read_bytes(),
        title=info["/Title"],
        subject=info["/Subject"],
        document_id=info["/AIFIDocumentId"],
        source_sha256=info["/AIFISourceSha256"],
        slots=[],
    )
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(forged)
    report = project.intake([returned], out=root / "out")
    [result] = report.results
    assert not result.accepted
    changed = [p for p in result.problems if p.startswith("page ")]
    # The edit may reflow a paragraph onto the next page: the page with the edit is named.
    assert any("+ Amsterdam" in p and "- Midden-Nederland" in p for p in changed), changed
    assert read_events(project.workspace.ledger) == []


def test_unknown_or_unsigned_files_and_the_command_line(project, sent, tmp_path):
    root, original = sent
    stranger = tmp_path / "ander.pdf"
    stranger.write_bytes(b"%PDF-1.4 niet van ons")
    runner = CliRunner()
    common = [
        "--data",
        str(TWO_HOSPITALS),
        "--ledger",
        str(project.workspace.ledger),
        "--out",
        str(root / "out"),
    ]
    result = runner.invoke(cli, ["intake", *common, str(stranger), str(original)])
    assert result.exit_code == 1, result.output
    assert "ander.pdf: REFUSED" in result.output
    assert "carries no signature" in result.output
    assert "Traceback" not in result.output
    assert read_events(project.workspace.ledger) == []


def test_a_trusted_certificate_is_recorded_as_advanced(project, sent, tmp_path):
    root, original = sent
    signer = make_signer("Marloes Verhagen-Ait Taleb")
    certificate = tmp_path / "aifi.cer"
    certificate.write_bytes(signer.certificate_der)
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(sign_field(original.read_bytes(), "sig_aifi_1", signer))
    result = CliRunner().invoke(
        cli,
        [
            "intake",
            "--data",
            str(TWO_HOSPITALS),
            "--ledger",
            str(project.workspace.ledger),
            "--out",
            str(root / "out"),
            "--trust-root",
            str(certificate),
            str(returned),
        ],
    )
    assert result.exit_code == 0, result.output
    [event] = read_events(project.workspace.ledger)
    assert (event.signatory, event.method) == ("drs. Marloes Verhagen-Ait Taleb", "advanced")
