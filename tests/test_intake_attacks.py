"""Intake under attack: wrong certificates, false signing times, drafts, stale PDFs, tails.

Each test is the attack itself: a PDF built by aifi-legal, signed as an attacker or a careless
signer would, fed to intake. A refusal records nothing and names every problem at once.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import test_intake
from click.testing import CliRunner
from conftest import ROOT, TWO_HOSPITALS
from pdfsigning import (  # noqa: F401 - frozen_clock is autouse
    add_annotation,
    draw_white_box,
    frozen_clock,
    make_signer,
    sign_field,
)

from aifi_legal import load_project
from aifi_legal.cli import cli
from aifi_legal.errors import UsageError
from aifi_legal.register.ledger import read_events

pytestmark = test_intake.pytestmark
sent = test_intake.sent  # the PDF we sent, built once per module

BART = "Bart van 't Veld"  # signs sig_ziekenhuis_1 for den-bosch-noord
MARLOES = "Marloes Verhagen-Ait Taleb"  # signs sig_aifi_1 for AIFI


@pytest.fixture
def project(tmp_path):
    return load_project(
        TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", tmp_path / "signatures.jsonl"
    )


def feed(project, sent, tmp_path, data: bytes, **keywords):
    """Intake one returned file; the verdict on it."""
    root, _ = sent
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(data)
    [result] = project.intake([returned], out=root / "out", **keywords).results
    return result


def test_the_right_person_in_the_right_field_is_accepted(project, sent, tmp_path):
    _, original = sent
    result = feed(
        project,
        sent,
        tmp_path,
        sign_field(original.read_bytes(), "sig_ziekenhuis_1", make_signer(BART)),
    )
    assert result.accepted, result.problems
    [event] = read_events(project.workspace.ledger)
    assert (event.signatory, event.field) == ("drs. Bart van 't Veld", "sig_ziekenhuis_1")
    assert event.note == f"signed by certificate {BART!r}"


def test_a_strangers_certificate_is_refused_naming_both(project, sent, tmp_path):
    _, original = sent
    result = feed(
        project,
        sent,
        tmp_path,
        sign_field(original.read_bytes(), "sig_ziekenhuis_1", make_signer("Jan Jansen")),
    )
    assert not result.accepted
    [problem] = result.problems
    assert "'Jan Jansen'" in problem and "drs. Bart van 't Veld" in problem
    assert read_events(project.workspace.ledger) == []


def test_the_hospital_signatory_in_aifis_field_is_refused(project, sent, tmp_path):
    _, original = sent
    signer = make_signer(BART)
    certificate = tmp_path / "bart.cer"
    certificate.write_bytes(signer.certificate_der)
    forged = sign_field(original.read_bytes(), "sig_aifi_1", signer)
    # Even a trusted certificate does not make Bart AIFI's signatory.
    result = feed(project, sent, tmp_path, forged, trust_roots=[certificate])
    assert not result.accepted
    assert any(
        "sig_aifi_1" in p and BART in p and "drs. Marloes Verhagen-Ait Taleb" in p
        for p in result.problems
    ), result.problems
    assert read_events(project.workspace.ledger) == []


def test_accept_signers_records_the_exception_with_the_certificate_name(project, sent, tmp_path):
    root, original = sent
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(
        sign_field(
            original.read_bytes(), "sig_aifi_1", make_signer("M. Verhagen-Ait Taleb-de Vries")
        )
    )
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
            "--accept-signer",
            "M. Verhagen-Ait Taleb-de Vries",
            str(returned),
        ],
    )
    assert result.exit_code == 0, result.output
    [event] = read_events(project.workspace.ledger)
    assert event.signatory == "drs. Marloes Verhagen-Ait Taleb"
    assert "'M. Verhagen-Ait Taleb-de Vries'" in event.note
    assert "exception" in event.note


def test_a_signing_time_in_2045_is_refused(project, sent, tmp_path):
    _, original = sent
    late = sign_field(
        original.read_bytes(),
        "sig_ziekenhuis_1",
        make_signer(BART),
        at=datetime(2045, 1, 1, 9, 0, tzinfo=UTC),
    )
    result = feed(project, sent, tmp_path, late)
    assert not result.accepted
    assert any("future" in p and "2045-01-01" in p for p in result.problems), result.problems
    assert read_events(project.workspace.ledger) == []


def test_a_signing_time_before_the_document_date_is_refused(project, sent, tmp_path):
    _, original = sent
    early = sign_field(
        original.read_bytes(),
        "sig_ziekenhuis_1",
        make_signer(BART),
        at=datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
    )  # dated 2026-12-07
    result = feed(project, sent, tmp_path, early)
    assert not result.accepted
    assert any(
        "2026-12-06" in p and "before the document's date 2026-12-07" in p for p in result.problems
    ), result.problems
    assert read_events(project.workspace.ledger) == []


def test_sign_with_a_date_in_the_future_or_before_the_document_is_refused(project, sent):
    root, _ = sent
    result = CliRunner().invoke(
        cli,
        [
            "sign",
            "den-bosch-noord",
            "intentieverklaring",
            "--data",
            str(TWO_HOSPITALS),
            "--ledger",
            str(project.workspace.ledger),
            "--out",
            str(root / "out"),
            "--signatory",
            "drs. Bart van 't Veld",
            "--method",
            "paper",
            "--date",
            "2027-05-02",
        ],
    )  # today: 2027-05-01
    assert result.exit_code == 2, result.output
    assert "the date 2027-05-02 is in the future (--date)" in result.output
    with pytest.raises(UsageError, match="before the document's date 2026-12-07") as caught:
        project.record(
            "den-bosch-noord",
            "intentieverklaring",
            signatory="drs. Bart van 't Veld",
            date="2026-12-06",
            method="paper",
            out=root / "out",
        )
    assert caught.value.argument == "date"
    assert read_events(project.workspace.ledger) == []
    # The document's date itself and today are days one can sign on.
    for when in ("2026-12-07", "2027-05-01"):
        project.record(
            "den-bosch-noord",
            "intentieverklaring",
            signatory="drs. Bart van 't Veld",
            date=when,
            method="paper",
            out=root / "out",
        )
    assert len(read_events(project.workspace.ledger)) == 2


def test_a_signed_draft_is_refused(project, sent, tmp_path):
    out = tmp_path / "out"
    [document] = project.build(
        out, hospitals=["den-bosch-noord"], only=["intentieverklaring"], pdf=True, draft=True
    ).documents
    draft = document.path.with_suffix(".pdf")
    signed = tmp_path / "retour.pdf"
    signed.write_bytes(sign_field(draft.read_bytes(), "sig_ziekenhuis_1", make_signer(BART)))
    [result] = project.intake([signed], out=out).results
    assert not result.accepted
    assert any("draft" in p for p in result.problems), result.problems
    assert read_events(project.workspace.ledger) == []


def test_a_stale_pdf_is_refused(sent, tmp_path):
    root, original = sent
    # The data changes and the DOCX is built again without a PDF: the PDF we sent is stale.
    data = tmp_path / "hospitals.yaml"
    data.write_text(TWO_HOSPITALS.read_text("utf-8").replace("Noordwal 5", "Noordwal 7"), "utf-8")
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)
    changed = load_project(
        data, ROOT / "clauses", ROOT / "templates", tmp_path / "signatures.jsonl"
    )
    changed.build(out, hospitals=["den-bosch-noord"], only=["intentieverklaring"])
    signed = tmp_path / "retour.pdf"
    signed.write_bytes(sign_field(original.read_bytes(), "sig_ziekenhuis_1", make_signer(BART)))
    [result] = changed.intake([signed], out=out).results
    assert not result.accepted
    assert any(
        "made from an earlier version of the document; build again with pdf" in p
        for p in result.problems
    ), result.problems
    assert read_events(changed.workspace.ledger) == []


def test_bytes_appended_after_the_signature_are_refused(project, sent, tmp_path):
    _, original = sent
    signed = sign_field(original.read_bytes(), "sig_ziekenhuis_1", make_signer(BART))
    result = feed(project, sent, tmp_path, signed + b"%" + b"x" * 98 + b"\n")
    assert not result.accepted
    assert any("unsigned bytes after the last signature" in p for p in result.problems), (
        result.problems
    )
    assert read_events(project.workspace.ledger) == []


def test_every_problem_is_listed_at_once(project, sent, tmp_path):
    _, original = sent
    forged = (
        sign_field(
            original.read_bytes(),
            "sig_ziekenhuis_1",
            make_signer("Jan Jansen"),
            at=datetime(2045, 1, 1, 9, 0, tzinfo=UTC),
        )
        + b"\n" * 100
    )
    result = feed(project, sent, tmp_path, forged)
    assert not result.accepted
    text = "\n".join(result.problems)
    for expected in ("'Jan Jansen'", "future", "unsigned bytes"):
        assert expected in text, result.problems
    assert read_events(project.workspace.ledger) == []


def test_a_white_box_drawn_over_page_1_and_then_signed_is_refused(project, sent, tmp_path):
    _, original = sent
    covered = draw_white_box(original.read_bytes(), page=0, text="Geen aansprakelijkheid.")
    # The signature is valid: it covers the box as part of what was signed.
    forged = sign_field(covered, "sig_ziekenhuis_1", make_signer(BART))
    result = feed(project, sent, tmp_path, forged)
    assert not result.accepted
    assert any(
        "revision 1 added to our PDF" in p and "page 1" in p and "drawn" in p
        for p in result.problems
    ), result.problems
    assert read_events(project.workspace.ledger) == []


@pytest.mark.parametrize("subtype", ["/FreeText", "/Square"])
def test_an_annotation_added_before_signing_is_refused(project, sent, tmp_path, subtype):
    _, original = sent
    forged = sign_field(
        add_annotation(original.read_bytes(), subtype), "sig_ziekenhuis_1", make_signer(BART)
    )
    result = feed(project, sent, tmp_path, forged)
    assert not result.accepted
    text = "\n".join(result.problems)
    assert "page 1 (its annotations)" in text, result.problems
    assert f"an annotation ({subtype.lstrip('/')}" in text, result.problems
    assert read_events(project.workspace.ledger) == []


def test_a_box_drawn_between_two_signatures_is_refused(project, sent, tmp_path):
    _, original = sent
    first = sign_field(original.read_bytes(), "sig_ziekenhuis_1", make_signer(BART))
    forged = sign_field(draw_white_box(first, page=0), "sig_aifi_1", make_signer(MARLOES))
    result = feed(project, sent, tmp_path, forged)
    assert not result.accepted
    assert any("revision 2 added to our PDF" in p and "page 1" in p for p in result.problems), (
        result.problems
    )
    assert read_events(project.workspace.ledger) == []


def test_two_honest_signatures_in_turn_are_accepted(project, sent, tmp_path):
    _, original = sent
    both = sign_field(
        sign_field(original.read_bytes(), "sig_ziekenhuis_1", make_signer(BART)),
        "sig_aifi_1",
        make_signer(MARLOES),
    )
    result = feed(project, sent, tmp_path, both)
    assert result.accepted, result.problems
    assert {e.field for e in read_events(project.workspace.ledger)} == {
        "sig_ziekenhuis_1",
        "sig_aifi_1",
    }


def test_intake_waits_for_a_build_running_in_the_folder(project, sent, tmp_path):
    """A build holds the folder's lock; intake reads the PDF and the manifest only after it."""
    import threading

    from aifi_legal.output.lock import folder_lock

    root, original = sent
    returned = tmp_path / "retour.pdf"
    returned.write_bytes(sign_field(original.read_bytes(), "sig_ziekenhuis_1", make_signer(BART)))
    results = []
    with folder_lock(root / "out"):
        worker = threading.Thread(
            target=lambda: results.append(project.intake([returned], out=root / "out"))
        )
        worker.start()
        worker.join(1.0)
        assert worker.is_alive() and not results  # waiting for the build to finish
    worker.join(60)
    assert results and results[0].ok
