"""remind: an .eml per signatory whose turn it is, the PDF attached; sent events on request."""

from __future__ import annotations

import email
import hashlib
import json
import shutil
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SOFFICE, TWO_HOSPITALS
from pdfsigning import NOW, frozen_clock  # noqa: F401 - autouse: the tests live on its clock

from aifi_legal import load_project
from aifi_legal.assembly.formatting import datum
from aifi_legal.cli import cli
from aifi_legal.errors import OutputError, UsageError
from aifi_legal.register.ledger import Register, read_events
from aifi_legal.register.mail import Reminder, amsterdam_nine, eml_bytes
from aifi_legal.register.status import legal_due

TODAY = NOW.date()  # 2027-05-01, after group 1's due date (2027-04-10), before group 2's
needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (Debian package libreoffice-writer-nogui)",
)
CHLOE = "Chloë d'Ancona-Brûlé"
BART, INGRID = "drs. Bart van 't Veld", "Ingrid Sønnesyn"
MARLOES = "drs. Marloes Verhagen-Ait Taleb"


def data_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the two-hospital data with each (old, new) text replaced once."""
    text = TWO_HOSPITALS.read_text("utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "data" / "hospitals.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def project_for(tmp_path: Path, data: Path = TWO_HOSPITALS):
    return load_project(data, ROOT / "clauses", ROOT / "templates", tmp_path / "signatures.jsonl")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """PDFs ready to sign, and documents that are not.

    Linde & Eik: the intention and participation PDFs, and the DPIA draft for the FG's advice;
    Noord (two joint signatories): the intention PDF, the participation agreement without a
    PDF, and the processor agreement as a CONCEPT draft.
    """
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (Debian package libreoffice-writer-nogui)")
    root = tmp_path_factory.mktemp("remind")
    project = project_for(root)
    out = root / "out"
    project.build(
        out,
        hospitals=["linde-en-eik"],
        only=["intentieverklaring", "deelnameovereenkomst"],
        pdf=True,
    )
    project.build(out, hospitals=["linde-en-eik"], only="dpia")  # the draft for the FG's advice
    project.build(out, hospitals=["den-bosch-noord"], only="intentieverklaring", pdf=True)
    project.build(out, hospitals=["den-bosch-noord"], only="deelnameovereenkomst")
    project.build(
        out, hospitals=["den-bosch-noord"], only="verwerkersovereenkomst", pdf=True, draft=True
    )
    return out


@pytest.fixture
def out(built, tmp_path):
    """A copy of the build of its own, so that each test writes its reminders apart."""
    copy = tmp_path / "out"
    shutil.copytree(built, copy)
    return copy


def parsed(path: Path) -> email.message.EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def body_of(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def attachments(message: email.message.EmailMessage) -> list[tuple[str, str | None, bytes]]:
    return [
        (a.get_content_type(), a.get_filename(), a.get_content())
        for a in message.iter_attachments()
    ]


@needs_soffice
def test_one_email_per_signatory_whose_turn_it_is(out, tmp_path):
    project = project_for(tmp_path)
    report = project.remind(out)
    assert report.today == TODAY
    assert sorted((r.hospital, r.document, r.signatory) for r in report.reminders) == [
        ("den-bosch-noord", "intentieverklaring.pdf", INGRID),  # joint: in parallel
        ("den-bosch-noord", "intentieverklaring.pdf", BART),
        ("linde-en-eik", "deelnameovereenkomst.pdf", CHLOE),
        ("linde-en-eik", "intentieverklaring.pdf", CHLOE),
    ]
    portfolio = project.portfolio
    linde = portfolio.hospital("linde-en-eik")
    due = legal_due(portfolio.consortium.programme, portfolio.group(linde.group).start_date)
    [reminder] = [r for r in report.reminders if r.document_id == "AIFI-IVK-LINDE-EN-EIK-V1.0"]
    path = (
        out
        / "linde-en-eik"
        / "herinneringen"
        / "2027-05-01-intentieverklaring-chloe-dancona-brule.eml"
    )
    assert reminder.eml == path and path.is_file()
    assert (reminder.due, reminder.overdue, reminder.address_from) == (due, True, "contacts.legal")
    message = parsed(path)
    # No e-mail for Chloë in the data: the hospital's legal contact gets it, and is told why.
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == (
        linde.contacts.legal.name,
        linde.contacts.legal.email,
    )
    [sender] = message["From"].addresses
    assert sender.addr_spec == portfolio.consortium.contact.email
    assert (
        message["Subject"]
        == "Ter ondertekening: Intentieverklaring AIFI – Linde & Eik (versie 1.0)"
    )
    assert message["Date"] == "Sat, 01 May 2027 09:00:00 +0200"
    body = body_of(message)
    assert body.startswith(f"Geachte {linde.contacts.legal.name},")
    assert "geen e-mailadres van Chloë d'Ancona-Brûlé" in body
    assert "AIFI-IVK-LINDE-EN-EIK-V1.0" in body and "versie 1.0" in body
    assert f"1. {CHLOE}, voorzitter Raad van Bestuur (Linde & Eik): nu aan de beurt" in body
    assert f"2. {MARLOES}, directeur-bestuurder (AIFI): daarna" in body
    assert f"uiterlijk op {datum(due)}" in body and "10 april 2027" in body
    assert "verstreken" in body  # group 1 is overdue on 1 May
    assert "gekwalificeerde of geavanceerde elektronische handtekening" in body
    assert "sig_ziekenhuis_1" in body and "ongewijzigd terug" in body
    [(kind, name, data)] = attachments(message)
    assert (kind, name) == ("application/pdf", "intentieverklaring.pdf")
    assert data == (out / "linde-en-eik" / "intentieverklaring.pdf").read_bytes()
    noord = parsed(next(r.eml for r in report.reminders if r.signatory == INGRID))
    assert "4 juli 2027" in body_of(noord) and "verstreken" not in body_of(noord)
    # Nothing was recorded without record=True.
    assert project.register.read() == []


@needs_soffice
def test_documents_without_a_reminder_are_skipped_with_the_reason(out, tmp_path):
    project = project_for(tmp_path)
    (out / "linde-en-eik" / "deelnameovereenkomst.pdf").write_bytes(b"%PDF-1.7 vervangen")
    report = project.remind(out)
    reasons = {(s.hospital, s.document): s.reason for s in report.skipped}
    assert "changed after the build" in reasons[("linde-en-eik", "deelnameovereenkomst")]
    assert (
        "not built: build with --pdf"
        in reasons[("linde-en-eik", "verwerkersovereenkomst-nordlicht")]
    )
    assert "FG's advice" in reasons[("linde-en-eik", "dpia")]
    assert "no PDF" in reasons[("den-bosch-noord", "deelnameovereenkomst")]
    assert "CONCEPT draft" in reasons[("den-bosch-noord", "verwerkersovereenkomst-nordlicht")]
    assert "not built" in reasons[("den-bosch-noord", "dpia")]
    assert {r.document_id for r in report.reminders} == {
        "AIFI-IVK-LINDE-EN-EIK-V1.0",
        "AIFI-IVK-DEN-BOSCH-NOORD-V1.0",
    }
    names = sorted(p.name for p in out.glob("*/herinneringen/*.eml"))
    assert names == [
        "2027-05-01-intentieverklaring-bart-van-t-veld.eml",
        "2027-05-01-intentieverklaring-chloe-dancona-brule.eml",
        "2027-05-01-intentieverklaring-ingrid-sonnesyn.eml",
    ]


@needs_soffice
def test_after_a_signature_the_next_signatory_is_reminded(out, tmp_path):
    # Chloë has an address of her own in this data; AIFI's signatory has none.
    signatory = f"  - name: {CHLOE}\n    function: voorzitter Raad van Bestuur\n"
    data = data_with(
        tmp_path, (signatory, signatory + "    email: c.dancona@linde-eik.example.nl\n")
    )
    project = project_for(tmp_path, data)
    first = project.remind(out, hospitals="linde-en-eik", to_dir=tmp_path / "eerst")
    [ivk] = [r for r in first.reminders if r.kind == "intentieverklaring"]
    assert (ivk.recipient_email, ivk.address_from) == (
        "c.dancona@linde-eik.example.nl",
        "signatory",
    )
    message = parsed(ivk.eml)
    assert [a.addr_spec for a in message["To"].addresses] == ["c.dancona@linde-eik.example.nl"]
    assert "U bent nu aan de beurt" in body_of(message)
    assert ivk.eml.parent == tmp_path / "eerst" / "linde-en-eik"

    project.record(
        "linde-en-eik",
        "intentieverklaring",
        signatory=CHLOE,
        date="2027-03-01",
        method="paper",
        out=out,
    )
    project.record(
        "den-bosch-noord",
        "intentieverklaring",
        signatory=BART,
        date="2027-04-20",
        method="paper",
        out=out,
    )
    second = project.remind(out, to_dir=tmp_path / "daarna")
    turns = sorted((r.document_id, r.signatory) for r in second.reminders)
    assert turns == [
        ("AIFI-DNO-LINDE-EN-EIK-V1.0", CHLOE),
        ("AIFI-IVK-DEN-BOSCH-NOORD-V1.0", INGRID),  # Bart signed; AIFI waits for Ingrid
        ("AIFI-IVK-LINDE-EN-EIK-V1.0", MARLOES),
    ]
    [aifi] = [r for r in second.reminders if r.signatory == MARLOES]
    contact = project.portfolio.consortium.contact
    assert (aifi.recipient_email, aifi.address_from) == (contact.email, "contact")
    assert [(s.name, s.state, s.signed_on) for s in aifi.signing_order] == [
        (CHLOE, "signed", date(2027, 3, 1)),
        (MARLOES, "pending", None),
    ]
    body = body_of(parsed(aifi.eml))
    assert (
        f"1. {CHLOE}, voorzitter Raad van Bestuur (Linde & Eik): ondertekend op 1 maart 2027"
        in body
    )
    assert f"2. {MARLOES}, directeur-bestuurder (AIFI): nu aan de beurt" in body
    assert "sig_aifi_1" in body
    assert aifi.eml.name == "2027-05-01-intentieverklaring-marloes-verhagen-ait-taleb.eml"


@needs_soffice
def test_record_appends_sent_events_after_the_files_and_status_shows_them(
    out, tmp_path, monkeypatch
):
    project = project_for(tmp_path)
    calls = []
    real_append = Register.append

    def append(register, events):
        events = list(events)
        calls.append(events)
        assert all(e.date == TODAY for e in events)
        # Every e-mail is on disk before anything is recorded.
        assert len(list(out.glob("*/herinneringen/*.eml"))) == len(events)
        real_append(register, events)

    monkeypatch.setattr(Register, "append", append)
    report = project.remind(out, record=True)
    assert len(calls) == 1 and len(calls[0]) == len(report.reminders) == 4
    events = read_events(project.workspace.ledger)
    assert events == report.recorded
    pdf = out / "linde-en-eik" / "intentieverklaring.pdf"
    [event] = [e for e in events if e.document_id == "AIFI-IVK-LINDE-EN-EIK-V1.0"]
    assert (event.event, event.hospital, event.kind, event.document, event.version) == (
        "sent",
        "linde-en-eik",
        "intentieverklaring",
        "intentieverklaring.pdf",
        "1.0",
    )
    assert event.document_sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert (event.signatory, event.date) == (CHLOE, TODAY)
    assert {e.signatory for e in events if e.hospital == "den-bosch-noord"} == {BART, INGRID}

    status = project.status(out, today=TODAY)
    reminded = {(d.hospital, d.document): d.last_reminded for d in status.documents}
    assert reminded[("linde-en-eik", "intentieverklaring")] == TODAY
    assert reminded[("den-bosch-noord", "intentieverklaring")] == TODAY
    assert reminded[("linde-en-eik", "dpia")] is None
    assert (
        "ready to sign (missing, in signing order: Chloë d'Ancona-Brûlé, drs. Marloes "
        in status.to_text()
    )
    assert "(last reminded 2027-05-01)" in status.to_text()
    rows = {(d["hospital"], d["document"]): d for d in json.loads(status.to_json())["documents"]}
    assert rows[("linde-en-eik", "intentieverklaring")]["last_reminded"] == "2027-05-01"
    assert rows[("linde-en-eik", "dpia")]["last_reminded"] is None
    assert "last_reminded" in status.to_csv().splitlines()[0]

    # The same run again on the same day records nothing twice.
    again = project.remind(out, record=True)
    assert (again.recorded, again.already_recorded) == ([], 4)
    assert len(read_events(project.workspace.ledger)) == 4
    assert [r.last_reminded for r in again.reminders] == [TODAY] * 4


@needs_soffice
def test_a_sent_event_is_not_recorded_for_a_day_to_come(out, tmp_path):
    project = project_for(tmp_path)
    with pytest.raises(UsageError) as caught:
        project.remind(out, record=True, today=TODAY + timedelta(days=3))
    assert caught.value.argument == "today"
    assert not list(out.glob("*/herinneringen/*"))
    # Without recording, reminders may be prepared for Monday.
    monday = project.remind(out, today=date(2027, 5, 3))
    assert {r.eml.name[:10] for r in monday.reminders} == {"2027-05-03"}
    assert project.register.read() == []


@needs_soffice
def test_the_same_inputs_give_byte_identical_emails(out, tmp_path):
    project = project_for(tmp_path)
    one = project.remind(out, to_dir=tmp_path / "een")
    two = project_for(tmp_path).remind(out, to_dir=tmp_path / "twee")
    assert len(one.reminders) == 4
    for a, b in zip(one.reminders, two.reminders, strict=True):
        assert a.eml != b.eml and a.eml.read_bytes() == b.eml.read_bytes()
    later = project.remind(out, to_dir=tmp_path / "later", today=date(2027, 4, 30))
    ids = {parsed(r.eml)["Message-ID"] for r in one.reminders}
    assert len(ids) == 4  # one per document and signatory
    assert ids.isdisjoint(parsed(r.eml)["Message-ID"] for r in later.reminders)


@needs_soffice
def test_a_hostile_name_in_the_data_makes_no_header_and_no_recipient(out, tmp_path):
    data = data_with(
        tmp_path,
        (
            "      name: mr. Els Gaasbeek\n",
            '      name: "Gaasbeek, Els\\r\\nBcc: x@evil.example"\n',
        ),
        ("  short_name: Linde & Eik\n", '  short_name: "Linde & Eik\\nBcc: y@evil.example"\n'),
    )
    project = project_for(tmp_path, data)
    assert "\r\nBcc" in project.portfolio.hospital("linde-en-eik").contacts.legal.name
    report = project.remind(out, hospitals="linde-en-eik")
    assert len(report.reminders) == 2
    for reminder in report.reminders:
        # The header block: the data's line breaks stay in the body, as text.
        headers = reminder.eml.read_bytes().split(b"\r\n\r\n")[0].lower()
        assert b"\nbcc:" not in headers and b"\ncc:" not in headers
        message = parsed(reminder.eml)
        assert "Bcc" not in message
        [to] = message["To"].addresses  # the comma does not split the name into two
        assert to.addr_spec == "e.gaasbeek@linde-eik.example.nl"
        assert to.display_name == "Gaasbeek, Els Bcc: x@evil.example"  # literal text
        assert "\n" not in message["Subject"] and "Bcc: y@evil.example" in message["Subject"]


def test_headers_hold_values_as_literal_text_without_a_build(tmp_path):
    pdf = b"%PDF-1.7\n%%EOF\n"
    reminder = Reminder(
        "h",
        "dpia",
        "dpia.pdf",
        "AIFI-DPIA-H-V1.0",
        "1.0",
        "A\r\nCc: c@evil.example",
        "sig_ziekenhuis_1",
        "Jansen, Piet\nBcc: x@evil.example",
        "p.jansen@example.nl",
        "contacts.legal",
        "",
        (),
        date(2027, 1, 31),
        False,
        None,
        "Ter ondertekening: DPIA\r\nBcc: y@evil.example",
        tmp_path / "dpia.pdf",
        tmp_path / "x.eml",
    )
    contact = load_project(
        TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates"
    ).portfolio.consortium.contact
    raw = eml_bytes(reminder, "Geachte heer Jansen,\n", pdf, contact, date(2027, 1, 31))
    message = email.message_from_bytes(raw, policy=policy.default)
    assert sorted(k.lower() for k in message) == [
        "content-type",
        "date",
        "from",
        "message-id",
        "mime-version",
        "subject",
        "to",
        "x-unsent",
    ]
    assert [a.addr_spec for a in message["To"].addresses] == ["p.jansen@example.nl"]
    assert message["Date"] == "Sun, 31 Jan 2027 09:00:00 +0100"  # winter time
    [(kind, name, data)] = attachments(message)
    assert (kind, name, data) == ("application/pdf", "dpia.pdf", pdf)
    assert raw == eml_bytes(reminder, "Geachte heer Jansen,\n", pdf, contact, date(2027, 1, 31))


def test_nine_in_amsterdam_follows_summer_time():
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database on this machine")
    day = date(2026, 1, 1)
    while day < date(2030, 1, 1):
        expected = datetime(day.year, day.month, day.day, 9, tzinfo=amsterdam)
        assert amsterdam_nine(day).utcoffset() == expected.utcoffset(), day
        day += timedelta(days=1)


@needs_soffice
def test_remind_from_the_command_line(out, tmp_path):
    runner = CliRunner()
    common = [
        "--data",
        str(TWO_HOSPITALS),
        "--ledger",
        str(tmp_path / "signatures.jsonl"),
        "--out",
        str(out),
    ]
    result = runner.invoke(cli, ["remind", *common, "--group", "1", "--record"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Reminders on 2027-05-01: 2 written, 2 skipped.\n")
    assert (
        "  linde-en-eik/intentieverklaring.pdf (AIFI-IVK-LINDE-EN-EIK-V1.0, due 2027-04-10, "
        "OVERDUE)\n" in result.stdout
    )
    assert (
        "the hospital's legal contact: the data has no e-mail address for Chloë" in result.stdout
    )
    assert "Recorded 2 sent event(s) in the register." in result.stdout
    assert "Reminders" not in result.stderr
    result = runner.invoke(
        cli, ["remind", *common, "--hospital", "den-bosch-noord", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["signatory"] for r in report["reminders"]] == [BART, INGRID]
    assert report["reminders"][0]["recipient_email"] == "a.bouwman@shn.example.nl"
    assert report["reminders"][0]["signing_order"][0]["state"] == "pending"
    assert report["recorded"] == []
    # Nothing due is no error: exit 0, and the output says so.
    empty = tmp_path / "leeg"
    empty.mkdir()
    result = runner.invoke(cli, ["remind", *common[:4], "--out", str(empty)])
    assert result.exit_code == 0, result.output
    assert "Nothing is due" in result.stdout
    result = runner.invoke(cli, ["remind", *common, "--record", "--today", "2027-06-01"])
    assert result.exit_code == 2
    assert "is in the future" in result.stderr and "(--today)" in result.stderr
    assert "record=True" not in result.stderr and "--record" in result.stderr


@needs_soffice
def test_a_failed_write_leaves_no_half_file_and_records_nothing(out, tmp_path, monkeypatch):
    import aifi_legal.output.files as files

    project = project_for(tmp_path)
    real_replace = files.os.replace
    done = []

    def replace(source, target):
        if len(done) == 2:
            raise OSError(28, "No space left on device")
        done.append(target)
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OutputError):
        project.remind(out, record=True)
    left = sorted(p.name for p in out.glob("*/herinneringen/*"))
    assert len(left) == 2 and all(name.endswith(".eml") for name in left)
    for path in out.glob("*/herinneringen/*.eml"):
        assert len(attachments(parsed(path))) == 1
    assert project.register.read() == []
