"""Who signs, the append-only register, recording by hand, status, and signed documents kept."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, TWO_HOSPITALS
from pdfsigning import frozen_clock  # noqa: F401 - autouse: the tests live on its clock

from aifi_legal import load_project
from aifi_legal.cli import cli
from aifi_legal.errors import LedgerError, UsageError
from aifi_legal.register.ledger import append_events, new_event, read_events

FIXTURE_LEDGER = Path(__file__).parent / "fixtures" / "ledger" / "signatures.jsonl"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def project(tmp_path):
    ledger = tmp_path / "signatures.jsonl"
    return load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", ledger)


@pytest.fixture
def built(project, tmp_path):
    out = tmp_path / "out"
    project.build(out)
    return out


def test_signing_roles_hospital_first(project):
    hospital = project.portfolio.hospital("den-bosch-noord")
    processor = project.portfolio.processors[0]
    roles = {
        kind: project.signatories(
            kind, hospital, processor if kind == "verwerkersovereenkomst" else None
        )
        for kind in ("intentieverklaring", "verwerkersovereenkomst", "dpia")
    }
    assert [(r.field_name, r.name, r.order) for r in roles["intentieverklaring"]] == [
        ("sig_ziekenhuis_1", "drs. Bart van 't Veld", 1),
        ("sig_ziekenhuis_2", "Ingrid Sønnesyn", 1),
        ("sig_aifi_1", "drs. Marloes Verhagen-Ait Taleb", 2),
    ]
    assert [r.name for r in roles["verwerkersovereenkomst"]][-1] == "ing. Ruud Vlietstra"
    assert [r.party for r in roles["dpia"]] == ["ziekenhuis", "ziekenhuis"]
    assert roles["dpia"][0].anchor_text == "Naam: drs. Bart van 't Veld"


def _append_many(args):
    ledger, worker = args
    for n in range(25):
        append_events(
            ledger,
            [
                new_event(
                    event="sent",
                    hospital="h",
                    kind="dpia",
                    document="dpia.docx",
                    document_id=f"D-{worker}-{n}",
                    version="1.0",
                    date=date(2027, 1, 1),
                )
            ],
        )


def test_concurrent_writers_lose_nothing(tmp_path):
    ledger = tmp_path / "signatures.jsonl"
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_append_many, [(ledger, worker) for worker in range(4)])
    events = read_events(ledger)
    assert len(events) == 100
    assert len({e.document_id for e in events}) == 100


def test_damaged_lines_are_reported_with_their_number(tmp_path):
    ledger = tmp_path / "signatures.jsonl"
    lines = FIXTURE_LEDGER.read_text().splitlines()
    lines[2] = lines[2][:40]  # a writer died mid-line
    lines[4] = lines[4].replace('"method":"paper"', '"method":"fax"')
    ledger.write_text("\n".join(lines) + "\n")
    with pytest.raises(LedgerError) as caught:
        read_events(ledger)
    found = {p.line: p for p in caught.value.problems}
    assert set(found) == {3, 5}
    assert "not a JSON object" in found[3].message and found[5].path == "method"
    # An append after a torn line keeps the torn line separate (and reported).
    ledger.write_text(FIXTURE_LEDGER.read_text() + '{"event":"sig')
    append_events(
        ledger,
        [
            new_event(
                event="sent",
                hospital="h",
                kind="dpia",
                document="dpia.docx",
                document_id="X",
                version="1.0",
                date=date(2027, 1, 1),
            )
        ],
    )
    with pytest.raises(LedgerError) as caught:
        read_events(ledger)
    assert [p.line for p in caught.value.problems] == [9]


def test_record_by_hand_checks_signatory_method_and_build(project, built):
    event = project.record(
        "den-bosch-noord",
        "intentieverklaring",
        signatory="ingrid sønnesyn",
        date="2027-04-09",
        method="paper",
        file=TWO_HOSPITALS,
        out=built,
    )
    assert (
        event.signatory == "Ingrid Sønnesyn"
        and event.document_id == "AIFI-IVK-DEN-BOSCH-NOORD-V1.0"
    )
    assert (
        event.document_sha256
        == json.loads((built / "den-bosch-noord" / "manifest.json").read_text())["documents"][2][
            "sha256"
        ]
    )
    assert len(event.evidence_sha256) == 64
    assert read_events(project.workspace.ledger) == [event]
    with pytest.raises(UsageError, match="'Jan Jansen' does not sign this intentieverklaring"):
        project.record(
            "den-bosch-noord",
            "intentieverklaring",
            signatory="Jan Jansen",
            method="paper",
            out=built,
        )
    with pytest.raises(UsageError, match="needs a method"):
        project.record("den-bosch-noord", "dpia", signatory="Ingrid Sønnesyn", out=built)
    with pytest.raises(UsageError, match="has not been built"):
        project.record(
            "den-bosch-noord",
            "dpia",
            signatory="Ingrid Sønnesyn",
            method="paper",
            out=built.parent / "elders",
        )


def test_status_of_a_fixture_register_is_golden(project, built, update_golden):
    shutil.copyfile(FIXTURE_LEDGER, project.workspace.ledger)
    report = project.status(built, today=date(2027, 5, 1))
    golden = GOLDEN / "status.txt"
    if update_golden:
        golden.write_text(report.to_text(), encoding="utf-8")
    assert report.to_text() == golden.read_text(encoding="utf-8")
    rows = {(r["hospital"], r["document"]): r for r in report.records()}
    assert rows[("linde-en-eik", "intentieverklaring")]["status"] == "signed"
    assert rows[("linde-en-eik", "verwerkersovereenkomst-nordlicht")]["status"] == "concept"
    assert rows[("den-bosch-noord", "dpia")]["status"] == "declined"
    assert (
        rows[("den-bosch-noord", "intentieverklaring")]["missing"]
        == "Ingrid Sønnesyn, drs. Marloes Verhagen-Ait Taleb"
    )
    assert [(g.group, g.hospitals, g.through, g.overdue) for g in report.groups] == [
        (1, 1, 0, 1),
        (2, 1, 0, 0),
    ]
    assert json.loads(report.to_json())["groups"][0]["legal_due"] == "2027-04-10"
    assert report.to_csv().splitlines()[0].startswith("group,hospital,document,kind")


def test_build_never_overwrites_a_signed_document(project, built, tmp_path):
    target = built / "den-bosch-noord" / "intentieverklaring.docx"
    project.record(
        "den-bosch-noord",
        "intentieverklaring",
        signatory="drs. Bart van 't Veld",
        date="2027-04-08",
        method="paper",
        out=built,
    )
    signed_bytes = target.read_bytes()
    result = project.build(built, hospitals=["den-bosch-noord"])
    assert [d.path for d in result.kept] == [target]
    assert target.read_bytes() == signed_bytes
    # A new version gets its own id; the signed one moves to archief/ and keeps its signatures.
    data = tmp_path / "v2" / "hospitals.yaml"
    data.parent.mkdir()
    data.write_text(TWO_HOSPITALS.read_text().replace('version: "1.0"', 'version: "1.1"'))
    newer = load_project(data, ROOT / "clauses", ROOT / "templates", project.workspace.ledger)
    result = newer.build(built, hospitals=["den-bosch-noord"], only=["intentieverklaring"])
    assert result.kept == () and result.documents[0].document_id.endswith("-V1.1")
    # Archived under a name of its own: stem, document id and the start of its sha256.
    sha = hashlib.sha256(signed_bytes).hexdigest()
    archived = (
        built
        / "den-bosch-noord"
        / "archief"
        / f"intentieverklaring-AIFI-IVK-DEN-BOSCH-NOORD-V1.0-{sha[:12]}.docx"
    )
    assert list(result.archived) == [archived]
    assert archived.read_bytes() == signed_bytes
    status = newer.status(built, hospitals=["den-bosch-noord"], today=date(2027, 4, 9))
    assert status.documents[0].status == "concept"  # signatures do not carry over


def test_sign_and_status_from_the_command_line(project, built):
    runner = CliRunner()
    common = ["--data", str(TWO_HOSPITALS), "--ledger", str(project.workspace.ledger)]
    # The DPIA of linde-en-eik is the draft for the FG's advice: nobody signs it yet.
    result = runner.invoke(
        cli,
        [
            "sign",
            "linde-en-eik",
            "dpia",
            *common,
            "--signatory",
            "Chloë d'Ancona-Brûlé",
            "--date",
            "2027-02-01",
            "--method",
            "paper",
            "--out",
            str(built),
        ],
    )
    assert result.exit_code == 2
    assert "the dpia of linde-en-eik is the draft for the FG's advice" in result.output
    result = runner.invoke(
        cli,
        [
            "sign",
            "linde-en-eik",
            "deelnameovereenkomst",
            *common,
            "--signatory",
            "Chloë d'Ancona-Brûlé",
            "--date",
            "2027-02-01",
            "--method",
            "paper",
            "--out",
            str(built),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "Recorded: deelnameovereenkomst.docx of linde-en-eik signed by Chloë"
    )
    result = runner.invoke(
        cli,
        [
            "sign",
            "linde-en-eik",
            "deelnameovereenkomst",
            *common,
            "--signatory",
            "Iemand Anders",
            "--method",
            "paper",
            "--out",
            str(built),
        ],
    )
    assert result.exit_code == 2
    assert "does not sign this deelnameovereenkomst" in result.output
    result = runner.invoke(
        cli,
        [
            "status",
            *common,
            "--out",
            str(built),
            "--group",
            "1",
            "--today",
            "2027-02-02",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {d["document"]: d for d in json.loads(result.stdout)["documents"]}
    assert rows["deelnameovereenkomst"]["status"] == "partly signed"
    assert rows["deelnameovereenkomst"]["signed"] == ["Chloë d'Ancona-Brûlé"]
    assert rows["dpia"]["status"] == "awaiting FG advice"
    assert rows["dpia"]["overdue"] is False


def test_concurrent_sign_commands_lose_no_event(project, built):
    commands = [
        [
            sys.executable,
            "-m",
            "aifi_legal",
            "sign",
            "linde-en-eik",
            kind,
            "--data",
            str(TWO_HOSPITALS),
            "--ledger",
            str(project.workspace.ledger),
            "--out",
            str(built),
            "--event",
            "sent",
            "--note",
            f"zending {n}",
        ]
        for n, kind in enumerate(
            ["intentieverklaring", "deelnameovereenkomst", "verwerkersovereenkomst", "dpia"] * 2
        )
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for c in commands
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    events = read_events(project.workspace.ledger)
    assert sorted(e.note for e in events) == sorted(f"zending {n}" for n in range(8))


def test_status_notes_a_signature_out_of_order(project, built):
    project.record(
        "den-bosch-noord",
        "intentieverklaring",
        signatory="drs. Marloes Verhagen-Ait Taleb",
        date="2027-04-08",
        method="qualified",
        out=built,
    )
    project.record(
        "den-bosch-noord",
        "intentieverklaring",
        signatory="drs. Bart van 't Veld",
        date="2027-04-09",
        method="paper",
        out=built,
    )
    report = project.status(built, hospitals=["den-bosch-noord"], today=date(2027, 4, 10))
    assert report.documents[0].out_of_order == ("drs. Marloes Verhagen-Ait Taleb",)
    assert "signed out of order: drs. Marloes Verhagen-Ait Taleb" in report.to_text()


def test_a_dpia_awaiting_the_fg_advice_has_no_signatories_and_no_signature_table(project):
    assert not project.portfolio.hospital("linde-en-eik").dpia.advised
    assert project.signatories("dpia", "linde-en-eik") == []
    assert [r.field_name for r in project.signatories("dpia", "den-bosch-noord")] == [
        "sig_ziekenhuis_1",
        "sig_ziekenhuis_2",
    ]
    text = project.assemble("dpia", "linde-en-eik").text()
    assert "Dit concept ter advisering wordt niet vastgesteld of ondertekend" in text
    assert "Aldus vastgesteld" not in text
    assert "Aldus vastgesteld" in project.assemble("dpia", "den-bosch-noord").text()


def test_sign_refuses_a_method_without_a_signature_a_non_date_and_warns_of_weak_evidence(
    project, built
):
    base = ["sign", "--data", str(TWO_HOSPITALS), "--ledger", str(project.workspace.ledger)]
    base += ["--out", str(built), "linde-en-eik", "intentieverklaring"]
    who = ["--signatory", "Chloë d'Ancona-Brûlé"]
    runner = CliRunner()
    sent = runner.invoke(cli, [*base, "--event", "sent", "--method", "paper"])
    assert sent.exit_code == 2
    assert "a method belongs to a signature, not to a sent event (--method)" in sent.stderr
    impossible = runner.invoke(cli, [*base, *who, "--method", "paper", "--date", "2027-02-30"])
    assert impossible.exit_code == 2 and "'2027-02-30' is not a valid date" in impossible.stderr
    garbled = runner.invoke(cli, [*base, *who, "--method", "paper", "--date", "1 feb"])
    assert "'1 feb' is not a date written as YYYY-MM-DD" in garbled.stderr
    assert read_events(project.workspace.ledger) == []
    scan = built / "scan.jpg"
    scan.write_bytes(b"not a signature")
    weak = runner.invoke(cli, [*base, *who, "--method", "qualified", "--file", str(scan)])
    assert weak.exit_code == 0, weak.output
    assert "Warning: a qualified electronic signature lives in the signed PDF" in weak.stderr
    assert "scan.jpg is not a PDF" in weak.stderr
    assert weak.stdout.startswith("Recorded: intentieverklaring.docx of linde-en-eik signed")
