"""Sub-processor notices after signing: sent, objected to, accepted, accepted by silence.

Linde & Eik signs its set; then a solution with a new vendor is added for it, and amend writes
the processor's notice. The register's notice events and status say where it stands.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from conftest import ROOT, TWO_HOSPITALS
from pdfsigning import frozen_clock  # noqa: F401 - autouse: sign checks dates on its clock
from signedset import HOSPITAL, add_bone_age, sign_agreements

from aifi_legal import LedgerError, UsageError, load_project
from aifi_legal.cli import cli
from aifi_legal.register.ledger import new_event, read_events
from aifi_legal.register.notices import (
    ACCEPTED,
    BY_SILENCE,
    FLAG,
    NOT_SENT,
    OBJECTED,
    OPEN,
)

VWO = "verwerkersovereenkomst-nordlicht"
DATED = date(2027, 6, 1)  # the day amend runs: the date the notice prints
CLOCK = date(2027, 12, 31)  # "today" for recording: every date of the tests lies before it
SENT = date(2027, 6, 10)  # sent nine days after the date it prints
HOSTILE = 'Osmetry <script>alert("x")</script> & co verwerkt buiten de EER'


@pytest.fixture(scope="module")
def noticed(tmp_path_factory):
    """(data, register, out, notice id): Linde & Eik signed, a vendor added, amend run."""
    root = tmp_path_factory.mktemp("notices")
    data = root / "hospitals.yaml"
    shutil.copy(TWO_HOSPITALS, data)
    register = root / "register.jsonl"
    project = load_project(data, ROOT / "clauses", ROOT / "templates", register)
    project.build(root / "out", hospitals=HOSPITAL)
    sign_agreements(project, root / "out", DATED)
    data.write_text(add_bone_age(data.read_text("utf-8")), "utf-8")
    project = load_project(data, ROOT / "clauses", ROOT / "templates", register)
    [hospital] = project.amend(root / "out", hospitals=HOSPITAL, today=DATED).hospitals
    [notice] = hospital.notices
    return data, register, root / "out", notice.document_id


@pytest.fixture
def world(noticed, tmp_path, monkeypatch):
    """A project on its own copy of the register, its CLI arguments, the out folder, the id."""
    data, register, out, notice_id = noticed
    monkeypatch.setattr("aifi_legal.register.notices._today", lambda: CLOCK)
    ledger = tmp_path / "register.jsonl"
    shutil.copy(register, ledger)
    project = load_project(data, ROOT / "clauses", ROOT / "templates", ledger)
    args = ["--data", str(data), "--ledger", str(ledger), "--out", str(out)]
    args += ["--clauses", str(ROOT / "clauses"), "--templates", str(ROOT / "templates")]
    return project, args, out, notice_id


def _variant(world, tmp_path, old: str, new: str):
    """The same register and build with one line of the data changed."""
    project, _, _, _ = world
    text = project.workspace.data.read_text("utf-8")
    assert text.count(old) == 1
    changed = tmp_path / "variant.yaml"
    changed.write_text(text.replace(old, new), "utf-8")
    return load_project(changed, ROOT / "clauses", ROOT / "templates", project.register.path)


def _terms(project) -> tuple[timedelta, timedelta]:
    processor = project.portfolio.processor("nordlicht")
    return (
        timedelta(days=processor.objection_days),
        timedelta(days=processor.subprocessor_notice_days),
    )


def test_a_written_notice_is_not_sent_and_its_deadlines_are_provisional(world):
    project, args, out, notice_id = world
    objection, notice_term = _terms(project)
    [notice] = project.notices(out, hospitals=HOSPITAL, today=DATED + timedelta(days=1))
    assert notice_id == "AIFI-VWO-LINDE-EN-EIK--NORDLICHT-V1.0-K001"
    assert (notice.document_id, notice.document, notice.state) == (notice_id, VWO, NOT_SENT)
    assert notice.dated == DATED and notice.sent is None and not notice.blocked
    assert notice.objection_until == DATED + objection == date(2027, 8, 17)
    assert notice.earliest_start == DATED + notice_term == date(2027, 9, 8)
    vendor = project.portfolio.solution("skeletleeftijd").vendor.legal_name
    assert notice.subprocessors == (vendor,)
    assert notice.processor == project.portfolio.processor("nordlicht").legal_name
    result = CliRunner().invoke(
        cli, ["status", *args, "--hospital", HOSPITAL, "--today", "2027-06-02"]
    )
    assert result.exit_code == 0, result.output
    assert f"sub-processor notice {notice_id}" in result.stdout
    assert (
        "not sent (dated 2027-06-01; provisional: objection until 2027-08-17, "
        "processing from 2027-09-08)"
    ) in result.stdout


def test_sent_later_the_deadlines_run_from_the_day_it_was_sent(world):
    project, args, out, notice_id = world
    runner = CliRunner()
    result = runner.invoke(
        cli, ["notice", notice_id, *args, "--event", "sent", "--date", "2027-06-10"]
    )
    assert result.exit_code == 0, result.output
    assert f"Recorded: notice {notice_id} of {HOSPITAL} sent on 2027-06-10" in result.stdout
    event = read_events(project.register.path)[-1]
    path = (
        out / HOSPITAL / "wijzigingen" / "001-2027-06-01" / f"{VWO}-kennisgeving-subverwerker.docx"
    )
    assert (event.event, event.hospital, event.kind) == (
        "sent",
        HOSPITAL,
        "verwerkersovereenkomst",
    )
    assert (event.document, event.document_id, event.version) == (path.name, notice_id, "1.0")
    assert event.document_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert event.signatory is None and event.date == SENT
    status = runner.invoke(
        cli, ["status", *args, "--hospital", HOSPITAL, "--today", "2027-06-20", "--format", "json"]
    )
    assert status.exit_code == 0, status.output
    [notice] = json.loads(status.stdout)["notices"]
    objection, notice_term = _terms(project)
    assert notice["state"] == OPEN and notice["sent"] == "2027-06-10"
    assert notice["dated"] == "2027-06-01"
    assert notice["objection_until"] == (SENT + objection).isoformat() == "2027-08-26"
    assert notice["earliest_start"] == (SENT + notice_term).isoformat() == "2027-09-17"
    # The signed agreement stays signed: a notice event is not a signature.
    [vwo] = [d for d in project.status(out, hospitals=HOSPITAL).documents if d.document == VWO]
    assert vwo.status == "signed"
    assert project.register_problems() == []


def test_the_hospital_keeps_the_later_of_the_printed_and_the_computed_deadline(world, tmp_path):
    project, _, out, notice_id = world
    project.notice(notice_id, "sent", date=DATED + timedelta(days=5), out=out)
    # The processor's terms shortened since the notice was written: what it printed holds.
    shorter = _variant(
        world,
        tmp_path,
        "  subprocessor_notice_days: 99\n  objection_days: 77\n",
        "  subprocessor_notice_days: 30\n  objection_days: 20\n",
    )
    [notice] = shorter.notices(out, hospitals=HOSPITAL, today=DATED + timedelta(days=6))
    assert notice.sent == DATED + timedelta(days=5)
    assert notice.objection_until == date(2027, 8, 17)  # printed; computed: 2027-06-26
    assert notice.earliest_start == date(2027, 9, 8)  # printed; computed: 2027-07-06


def test_an_objection_blocks_the_vendor_for_that_hospital(world):
    project, args, out, notice_id = world
    project.notice(notice_id, "sent", date=SENT, out=out)
    runner = CliRunner()
    reason = "Osmetry verwerkt buiten de EER zonder passende waarborgen"
    objected = runner.invoke(
        cli,
        [
            "notice",
            notice_id,
            *args,
            "--event",
            "objected",
            "--date",
            "2027-06-20",
            "--reason",
            reason,
        ],
    )
    assert objected.exit_code == 0, objected.output
    assert f"objected ({reason}) on 2027-06-20" in objected.stdout
    text = runner.invoke(cli, ["status", *args, "--hospital", HOSPITAL, "--today", "2027-06-21"])
    assert text.exit_code == 0, text.output
    assert f"BLOCKED: the hospital objected ({reason})" in text.stdout
    # The addendum that lists the sub-processor in its annex waits for the objection.
    addendum = notice_id.replace("-K001", "-W001")
    assert f"do not sign {addendum} while the objection stands" in text.stdout
    vendor = project.portfolio.solution("skeletleeftijd").vendor.legal_name
    assert f"({vendor}):" in text.stdout
    as_json = runner.invoke(
        cli, ["status", *args, "--hospital", HOSPITAL, "--today", "2027-06-21", "--format", "json"]
    )
    [notice] = json.loads(as_json.stdout)["notices"]
    assert (notice["state"], notice["blocked"], notice["reason"]) == (OBJECTED, True, reason)
    assert notice["subprocessors"] == [vendor]
    [status] = project.status(out, hospitals=HOSPITAL, today=date(2027, 6, 21)).notices
    assert status.blocked and status.state == OBJECTED and status.reason == reason
    assert status.flag and status.flag.startswith(FLAG) and "objected" in status.flag
    # As of a day before the objection, the register said it was open.
    [before] = project.notices(out, hospitals=HOSPITAL, today=date(2027, 6, 19))
    assert before.state == OPEN and not before.blocked
    # Past the objection term it stays blocked: an objection is not undone by time.
    [later] = project.notices(out, hospitals=HOSPITAL, today=date(2027, 12, 1))
    assert later.blocked
    # Withdrawn: an acceptance after the objection.
    project.notice(notice_id, "accepted", date="2027-07-01", out=out)
    [accepted] = project.notices(out, hospitals=HOSPITAL, today=date(2027, 7, 2))
    assert (accepted.state, accepted.blocked, accepted.accepted_on) == (
        ACCEPTED,
        False,
        date(2027, 7, 1),
    )
    assert project.register_problems() == []


def test_without_an_objection_the_notice_is_accepted_by_silence(world):
    project, args, out, notice_id = world
    project.notice(notice_id, "sent", date=SENT, out=out)
    [last_day] = project.notices(out, hospitals=HOSPITAL, today=date(2027, 8, 26))
    assert last_day.state == OPEN and last_day.accepted_on is None
    [silent] = project.status(out, hospitals=HOSPITAL, today=date(2027, 8, 27)).notices
    assert silent.state == BY_SILENCE
    assert silent.accepted_on == date(2027, 8, 27) == silent.objection_until + timedelta(days=1)
    assert silent.earliest_start == date(2027, 9, 17)
    text = CliRunner().invoke(
        cli, ["status", *args, "--hospital", HOSPITAL, "--today", "2027-08-27"]
    )
    assert "accepted by silence on 2027-08-27; processing from 2027-09-17" in text.stdout


def test_the_flag_fires_when_the_clinical_phase_starts_before_the_notice_lets_it(world, tmp_path):
    project, _, out, _ = world
    # Group 1 started 2027-01-11: its clinical phase (month 3) began 2027-03-11.
    [notice] = project.notices(out, hospitals=HOSPITAL, today=date(2027, 6, 2))
    assert notice.planned_start == date(2027, 3, 11)
    assert notice.flag == (
        f"{FLAG}: processing is planned from 2027-03-11 (the clinical phase) and the notice "
        "has not been sent"
    )
    start = '  start_date: "2027-01-11"\n'
    # Starting 2027-07-01, the clinical phase begins 2027-09-01: before 2027-09-08.
    early = _variant(world, tmp_path, start, '  start_date: "2027-07-01"\n')
    [notice] = early.notices(out, hospitals=HOSPITAL, today=date(2027, 6, 2))
    assert notice.flag == (
        f"{FLAG}: processing is planned from 2027-09-01 (the clinical phase), the "
        "sub-processor may process from 2027-09-08"
    )
    # Starting 2027-08-01, it begins 2027-10-01, after the notice term: no flag...
    late = _variant(world, tmp_path, start, '  start_date: "2027-08-01"\n')
    [notice] = late.notices(out, hospitals=HOSPITAL, today=date(2027, 6, 2))
    assert notice.flag is None
    # ... unless that day comes and the notice was never sent.
    [notice] = late.notices(out, hospitals=HOSPITAL, today=date(2027, 10, 1))
    assert notice.flag and "has not been sent" in notice.flag
    # Sent on its date, the notice lets the sub-processor process from 2027-09-08: from that
    # day on, nothing is flagged.
    sent = early  # on the test's own copy of the register
    sent.notice(notice.document_id, "sent", date="2027-06-01", out=out)
    [notice] = sent.notices(out, hospitals=HOSPITAL, today=date(2027, 9, 7))
    assert notice.state == "accepted by silence" and notice.flag
    [notice] = sent.notices(out, hospitals=HOSPITAL, today=date(2027, 9, 8))
    assert notice.state == "accepted by silence" and notice.flag is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--event", "sent", "--date", "2027-06-10"], "is not a sub-processor notice"),
        (["--event", "objected", "--date", "2027-06-10"], "an objection needs its reason"),
        (["--event", "sent", "--date", "2027-05-31"], "before the notice's date 2027-06-01"),
        (["--event", "sent", "--date", "2028-01-02"], "the date 2028-01-02 is in the future"),
        (["--event", "sent", "--date", "2027-06-31"], "'2027-06-31' is not a valid date"),
    ],
)
def test_bad_input_is_a_clear_error_and_records_nothing(world, options, message):
    project, args, _, notice_id = world
    before = project.register.path.read_bytes()
    wrong = notice_id.replace("K001", "K01") if "not a sub-processor" in message else notice_id
    result = CliRunner().invoke(cli, ["notice", wrong, *args, *options])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    if "not a sub-processor" in message:
        assert f"Hint: did you mean '{notice_id}'?" in result.stderr
    if "reason" in message:
        assert "(--reason)" in result.stderr
    assert project.register.path.read_bytes() == before


def test_the_library_refuses_what_the_command_refuses(world):
    project, _, out, notice_id = world
    with pytest.raises(UsageError) as unknown:
        project.notice("AIFI-VWO-ONBEKEND-V1.0-K001", "sent", out=out)
    assert unknown.value.argument == "document_id"
    with pytest.raises(UsageError) as event:
        project.notice(notice_id, "signed", out=out)
    assert event.value.argument == "event"
    with pytest.raises(UsageError) as blank:
        project.notice(notice_id, "objected", reason="  ", date=SENT, out=out)
    assert blank.value.argument == "reason"
    # A hand-made objection line without its reason is a damaged line of the register.
    line = new_event(
        event="sent",
        hospital=HOSPITAL,
        kind="verwerkersovereenkomst",
        document="x.docx",
        document_id=notice_id,
        version="1.0",
        date=SENT,
    ).model_dump_json()
    project.register.path.write_text(
        project.register.path.read_text("utf-8")
        + line.replace('"event":"sent"', '"event":"objected"')
        + "\n",
        "utf-8",
    )
    with pytest.raises(LedgerError) as damaged:
        project.notices(out)
    assert "reason for the objection" in str(damaged.value)


def test_a_dpia_review_is_due_until_the_dpia_is_signed_again(world):
    project, args, out, _ = world
    [review] = project.status(out, hospitals=HOSPITAL, today=DATED).dpia_reviews
    assert review.due and review.dated == DATED
    assert (
        review.path
        == out / HOSPITAL / "wijzigingen" / "001-2027-06-01" / "dpia-herbeoordeling.docx"
    )
    assert review.note == review.note_id == f"{project.document('dpia', HOSPITAL).id}-H001"
    assert "Verwerkersovereenkomst, Bijlage 6 Subverwerkers" in review.triggers
    assert "4 Beschrijving van de verwerking" in review.chapters
    text = CliRunner().invoke(
        cli, ["status", *args, "--hospital", HOSPITAL, "--today", "2027-06-02"]
    )
    assert f"DPIA review due: {review.note} (change of 2027-06-01)" in text.stdout
    dpia = project.document("dpia", HOSPITAL)

    def signed(day: date):
        return new_event(
            event="signed",
            hospital=HOSPITAL,
            kind="dpia",
            document=dpia.file_name,
            document_id=dpia.id,
            version=dpia.version,
            signatory="de bestuurder",
            date=day,
            method="paper",
        )

    project.register.append([signed(date(2027, 5, 20))])  # before the change: still due
    assert project.status(out, hospitals=HOSPITAL).dpia_reviews[0].due
    project.register.append([signed(date(2027, 6, 15))])
    [done] = project.status(out, hospitals=HOSPITAL, today=date(2027, 6, 16)).dpia_reviews
    assert not done.due
    as_json = json.loads(project.status(out, hospitals=HOSPITAL).to_json())
    assert as_json["dpia_reviews"][0]["due"] is False
    assert as_json["dpia_reviews"][0]["triggers"] == list(review.triggers)


def test_the_html_report_lists_the_notices_with_escaped_values(world):
    project, _, out, notice_id = world
    project.notice(notice_id, "sent", date=SENT, out=out)
    page = project.report(out, hospitals=HOSPITAL, today=date(2027, 6, 20)).to_html()
    assert "Kennisgevingen van subverwerkers na ondertekening" in page
    assert "kan bezwaar maken tot en met 26 augustus 2027" in page
    assert notice_id in page and "Herbeoordeling van de DPIA nodig" in page
    project.notice(notice_id, "objected", date="2027-06-20", reason=HOSTILE, out=out)
    page = project.report(out, hospitals=HOSPITAL, today=date(2027, 6, 21)).to_html()
    assert "GEBLOKKEERD" in page and "<script>" not in page
    assert "Osmetry &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page


def test_an_older_change_report_names_the_dpia_note_by_its_path(world, tmp_path):
    project, _, out, _ = world
    older = tmp_path / "out"
    shutil.copytree(out / HOSPITAL / "wijzigingen", older / HOSPITAL / "wijzigingen")
    report = older / HOSPITAL / "wijzigingen" / "001-2027-06-01" / "wijzigingen.json"
    record = json.loads(report.read_text("utf-8"))
    record.pop("dpia_note_id", None)
    report.write_text(json.dumps(record), "utf-8")
    [review] = project.status(older, hospitals=HOSPITAL, today=DATED).dpia_reviews
    assert review.note_id is None and review.note == str(review.path)
    assert review.path == report.parent / "dpia-herbeoordeling.docx"
