"""amend: what a change of the data or the clauses requires of what a hospital signed.

One hospital of the two-hospital scenario signs its intention statement, participation
agreement and processor agreement in full; then the data or the clause library changes.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, TWO_HOSPITALS
from pdfsigning import frozen_clock  # noqa: F401 - autouse: sign checks dates on its clock

from aifi_legal import load_project
from aifi_legal.assembly.formatting import datum
from aifi_legal.cli import cli
from aifi_legal.output.manifest import manifest_entries
from aifi_legal.review.amend import DPIA_REVIEW, NOTICE
from aifi_legal.word.reader import read_docx

HOSPITAL = "linde-en-eik"
VWO = "verwerkersovereenkomst-nordlicht"
TODAY = date(2027, 6, 1)
SIGNED = ("intentieverklaring", "deelnameovereenkomst", "verwerkersovereenkomst")


@pytest.fixture(scope="module")
def signed_set(tmp_path_factory):
    """(data, register, out): the scenario built, and Linde & Eik's agreements signed."""
    import aifi_legal.register.record as record

    root = tmp_path_factory.mktemp("amend")
    data = root / "hospitals.yaml"
    shutil.copy(TWO_HOSPITALS, data)
    register = root / "register.jsonl"
    project = load_project(data, ROOT / "clauses", ROOT / "templates", register)
    project.build(root / "out")
    today = record._today
    record._today = lambda: TODAY  # the fixture documents are dated in the future
    try:
        for kind in SIGNED:
            processor = "nordlicht" if kind == "verwerkersovereenkomst" else None
            for role in project.signatories(kind, HOSPITAL, processor):
                project.record(
                    HOSPITAL,
                    kind,
                    processor=processor,
                    signatory=role.name,
                    date="2027-04-08",
                    method="paper",
                    out=root / "out",
                )
    finally:
        record._today = today
    return data, register, root / "out"


def _after(signed_set, tmp_path, *, data_edit=None, clauses: Path | None = None):
    """The project after a change, and a copy of the signed build to plan against."""
    data, register, out = signed_set
    changed = tmp_path / "hospitals.yaml"
    text = data.read_text("utf-8")
    changed.write_text(data_edit(text) if data_edit else text, "utf-8")
    registry = tmp_path / "register.jsonl"
    shutil.copy(register, registry)
    shutil.copytree(out, tmp_path / "out")
    project = load_project(changed, clauses or ROOT / "clauses", ROOT / "templates", registry)
    return project, tmp_path / "out"


def _add_bone_age(text: str) -> str:
    solutions = "  solutions:\n  - fractuurdetectie\n"
    volume = (
        "  - solution: fractuurdetectie\n    studies_per_year: 7300\n    children_per_year: 1100\n"
    )
    assert text.count(solutions) == 1 and text.count(volume) == 1
    text = text.replace(solutions, solutions + "  - skeletleeftijd\n")
    return text.replace(
        volume,
        volume + "  - solution: skeletleeftijd\n    studies_per_year: 300\n"
        "    children_per_year: 300\n",
    )


def signed_id(out: Path) -> str:
    return manifest_entries(out / HOSPITAL)[f"{VWO}.docx"]["document_id"]


def test_nothing_changed_needs_nothing_and_writes_nothing(signed_set, tmp_path):
    project, out = _after(signed_set, tmp_path)
    plan = project.amend(out, hospitals=HOSPITAL, today=TODAY)
    [hospital] = plan.hospitals
    assert hospital.signed == ["deelnameovereenkomst", "intentieverklaring", VWO]
    assert not hospital.needed
    assert "nothing needed" in plan.to_text()
    assert not (out / HOSPITAL / "wijzigingen").exists()


def test_a_solution_added_needs_an_amendment_a_notice_and_a_dpia_review(signed_set, tmp_path):
    project, out = _after(signed_set, tmp_path, data_edit=_add_bone_age)
    [hospital] = project.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    amendments = hospital.amendments()
    assert "Bijlage 2 Gekozen AI-oplossingen" in [
        p.change.article for p in amendments["deelnameovereenkomst"]
    ]
    assert "Bijlage 6 Subverwerkers" in [p.change.article for p in amendments[VWO]]
    assert hospital.new_versions == []
    # The notice: objection within the processor agreement's term, counted from today.
    processor = project.portfolio.processors[0]
    [notice] = hospital.notices
    assert notice.document == VWO and notice.sent == TODAY
    assert notice.objection_until == TODAY + timedelta(days=processor.objection_days)
    assert notice.earliest_start >= TODAY + timedelta(days=processor.subprocessor_notice_days)
    assert notice.earliest_start > notice.objection_until
    assert "Verwerkersovereenkomst, Bijlage 6 Subverwerkers" in hospital.dpia_review
    assert "4 Beschrijving van de verwerking" in hospital.dpia_chapters
    subprocessors = next(
        p for p in amendments[VWO] if p.change.article == "Bijlage 6 Subverwerkers"
    )
    assert NOTICE in subprocessors.consequences and DPIA_REVIEW in subprocessors.consequences
    # The redlines against the signed originals and the report, in a numbered folder.
    assert hospital.folder == out / HOSPITAL / "wijzigingen" / f"001-{TODAY.isoformat()}"
    names = sorted(p.name for p in hospital.redlines)
    assert notice.path == hospital.folder / f"{VWO}-kennisgeving-subverwerker.docx"
    assert names == ["deelnameovereenkomst-redline.docx", f"{VWO}-redline.docx"]
    for path in hospital.redlines:
        with zipfile.ZipFile(path) as archive:
            body = archive.read("word/document.xml").decode()
        assert "<w:ins " in body and "skeletleeftijd" in body.lower()
    # The notice, in the processor agreement's template: only the new sub-processor's row.
    vendor = next(s for s in project.portfolio.solutions if s.id == "skeletleeftijd").vendor
    notice_docx = read_docx(notice.path)
    assert notice.document_id == notice_docx.document_id == f"{signed_id(out)}-K001"
    [table] = [t for t in notice_docx.tables if t[0][0] == "Subverwerker"]
    assert [row[0] for row in table[1:]] == [vendor.legal_name]
    text = " ".join(p.text for p in notice_docx.body())
    assert f"tot en met {datum(notice.objection_until)}" in text
    assert f"niet eerder in dan op {datum(notice.earliest_start)}" in text
    assert "artikel 9 (Subverwerkers)" in text and "Bijlage 6 (Subverwerkers)" in text
    assert not [t for t in notice_docx.tables if "Naam:" in " ".join(t[0])]  # not signed
    # The review note for the FG: the triggers, the chapters, the advice to obtain.
    note = read_docx(hospital.dpia_note)
    assert (
        note.document_id == f"{manifest_entries(out / HOSPITAL)['dpia.docx']['document_id']}-H001"
    )
    lines = [p.text for p in note.body()]
    fg = project.portfolio.hospital(HOSPITAL).contacts.privacy_officer
    assert any(
        line.startswith(f"Aan: {fg.name}, functionaris gegevensbescherming") for line in lines
    )
    assert "d. Verwerkersovereenkomst, Bijlage 6 Subverwerkers" in lines
    assert any(line.endswith("4 Beschrijving van de verwerking") for line in lines)
    assert any("artikel 35, tweede lid, AVG" in line for line in lines)
    report = json.loads((hospital.folder / "wijzigingen.json").read_text("utf-8"))
    assert report["notices"][0]["objection_until"] == notice.objection_until.isoformat()
    # A second run the same day gets its own folder; the first stays as it was.
    [again] = project.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    assert again.folder.name == f"002-{TODAY.isoformat()}"
    assert (hospital.folder / "wijzigingen.txt").is_file()


def test_a_changed_clause_gives_an_amendment_of_exactly_that_article(signed_set, tmp_path):
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    path = clauses / "verwerkersovereenkomst" / "beveiliging.md"
    text = path.read_text("utf-8")
    old = "tijdelijk van de Centrale Infrastructuur ontkoppelen."
    assert text.count(old) == 1
    path.write_text(
        text.replace(old, "na overleg met de security officer tijdelijk ontkoppelen.").replace(
            "version: 2.0.0", "version: 2.1.0", 1
        ),
        "utf-8",
    )
    project, out = _after(signed_set, tmp_path, clauses=clauses)
    [hospital] = project.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    [provision] = hospital.provisions
    assert provision.document == VWO
    assert provision.change.article == "Artikel 7 Beveiliging van de verwerking"
    assert provision.why == "clause vwo-beveiliging 2.0.0 -> 2.1.0"
    assert list(hospital.amendments()) == [VWO]
    assert hospital.notices == [] and hospital.dpia_review == []


def test_a_change_no_signed_document_contains_needs_nothing(signed_set, tmp_path):
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    path = clauses / "dpia" / "inleiding.md"  # the DPIA is not signed
    path.write_text(path.read_text("utf-8").rstrip("\n") + " Een verbeterde zin.\n", "utf-8")
    project, out = _after(signed_set, tmp_path, clauses=clauses)
    [hospital] = project.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    assert not hospital.needed


def test_a_changed_party_needs_a_new_version(signed_set, tmp_path):
    def rename(text: str) -> str:
        return text.replace(
            "legal_name: Stichting Zorggroep Linde & Eik", "legal_name: Stichting Linde-Eik Zorg"
        )

    project, out = _after(signed_set, tmp_path, data_edit=rename)
    [hospital] = project.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    assert sorted(hospital.new_versions) == ["deelnameovereenkomst", VWO]
    # The intention statement led to the signed participation agreement: not signed again.
    assert hospital.superseded == ["intentieverklaring"]
    assert hospital.amendments() == {}
    assert "NEW VERSION" in hospital.to_text()


def test_amend_from_the_command_line(signed_set, tmp_path):
    project, out = _after(signed_set, tmp_path, data_edit=_add_bone_age)
    args = ["--data", str(project.workspace.data), "--ledger", str(tmp_path / "register.jsonl")]
    args += ["--clauses", str(ROOT / "clauses"), "--templates", str(ROOT / "templates")]
    runner = CliRunner()
    result = runner.invoke(
        cli, ["amend", *args, "--out", str(out), "--today", "2027-06-01", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    by_id = {h["hospital"]: h for h in plan["hospitals"]}
    assert by_id[HOSPITAL]["needed"] and by_id["den-bosch-noord"]["signed"] == []
    text = runner.invoke(cli, ["amend", *args, "--out", str(out), "--today", "2027-06-01"])
    assert text.exit_code == 0
    assert "wijzigingsovereenkomst" in text.stdout and "sub-processor notice" in text.stdout
    missing = runner.invoke(cli, ["amend", *args, "--out", str(tmp_path / "nergens")])
    assert missing.exit_code == 2 and "(--out)" in missing.stderr
