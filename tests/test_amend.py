"""amend: what a change of the data or the clauses requires of what a hospital signed.

One hospital of the two-hospital scenario signs its intention statement, participation
agreement and processor agreement in full; then the data or the clause library changes.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, TWO_HOSPITALS
from docxedit import replace_once, rewrite_docx
from pdfsigning import frozen_clock, make_signer, sign_field  # noqa: F401 - frozen_clock: autouse
from signedset import HOSPITAL, add_bone_age, sign_agreements
from test_golden import document_text

from aifi_legal import load_project
from aifi_legal.assembly.formatting import datum
from aifi_legal.cli import cli
from aifi_legal.output.manifest import manifest_entries
from aifi_legal.review.amend import DPIA_REVIEW, NOTICE
from aifi_legal.word.reader import read_docx

VWO = "verwerkersovereenkomst-nordlicht"
TODAY = date(2027, 6, 1)


@pytest.fixture(scope="module")
def signed_set(tmp_path_factory):
    """(data, register, out): the scenario built, and Linde & Eik's agreements signed."""
    root = tmp_path_factory.mktemp("amend")
    data = root / "hospitals.yaml"
    shutil.copy(TWO_HOSPITALS, data)
    register = root / "register.jsonl"
    project = load_project(data, ROOT / "clauses", ROOT / "templates", register)
    project.build(root / "out")
    sign_agreements(project, root / "out", TODAY)
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
    project, out = _after(signed_set, tmp_path, data_edit=add_bone_age)
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
    # The risks assessed anew: bone age brings the risk of its reference standard.
    new_risks = [r for r in hospital.dpia_risks if r.endswith("(nieuw)")]
    assert [r.split(". ", 1)[1] for r in new_risks] == [
        "Onjuiste uitkomst door de referentiestandaard (nieuw)"
    ]
    assert any(line.endswith(new_risks[0]) for line in lines)
    report = json.loads((hospital.folder / "wijzigingen.json").read_text("utf-8"))
    assert report["notices"][0]["objection_until"] == notice.objection_until.isoformat()
    # A second run finds every provision in the addenda it wrote, awaiting signature: it
    # writes nothing, and the first folder stays as it was.
    [again] = project.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    assert not again.needed and again.folder is None
    assert len(again.covered) == len(hospital.provisions)
    assert all("-W001 (001-2027-06-01, awaiting signature)" in line for line in again.covered)
    assert "nothing new needed" in again.to_text()
    assert sorted(p.name for p in (out / HOSPITAL / "wijzigingen").iterdir()) == [
        hospital.folder.name
    ]
    # A further change is the next numbered folder, with only what is new.
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    path = clauses / "verwerkersovereenkomst" / "geheimhouding.md"
    path.write_text(path.read_text("utf-8").rstrip("\n") + " Dat geldt ook na afloop.\n", "utf-8")
    templates = ROOT / "templates"
    later = load_project(project.workspace.data, clauses, templates, project.register.path)
    [third] = later.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    assert third.folder.name == f"002-{TODAY.isoformat()}"
    assert [p.change.clause for p in third.provisions] == ["vwo-geheimhouding"]
    assert [a.document_id for a in third.addenda] == [f"{signed_id(out)}-W002"]


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
    # The addendum has exactly that article, in its new text, and no annex.
    [addendum] = hospital.addenda
    assert addendum.amends == ("Artikel 7",)
    text = document_text(addendum.path)
    body = text.split("\nPartijen\n", 1)[1]  # after the table of contents
    headings = [line for line in body.splitlines() if line.startswith(("Artikel ", "Bijlage "))]
    assert headings == [
        "Artikel 1 Begrippen en nummering",
        "Artikel 2 Wijziging van artikel 7",
        "Artikel 7 van de Overeenkomst komt te luiden als volgt:",
        "Artikel 7 Beveiliging van de verwerking",
        "Artikel 3 Inwerkingtreding",
        "Artikel 4 Overige bepalingen",
    ]
    assert "de modeltekst van artikel 7 van de Overeenkomst herzien" in text
    assert "na overleg met de security officer tijdelijk ontkoppelen." in text
    assert "kennisgeving" not in text


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
    project, out = _after(signed_set, tmp_path, data_edit=add_bone_age)
    args = ["--data", str(project.workspace.data), "--ledger", str(tmp_path / "register.jsonl")]
    args += ["--clauses", str(ROOT / "clauses"), "--templates", str(ROOT / "templates")]
    runner = CliRunner()
    when = ["--date", "2027-06-01", "--effective", "2027-07-01"]
    text = runner.invoke(cli, ["amend", *args, "--out", str(out), *when])
    assert text.exit_code == 0, text.output
    written = out / HOSPITAL / "wijzigingen" / "001-2027-06-01" / f"{ADDENDUM}.docx"
    assert "treedt in werking op 1 juli 2027, of op de dag" in document_text(written)
    assert "wijzigingsovereenkomst" in text.stdout and "sub-processor notice" in text.stdout
    assert "to sign: AIFI-VWO-LINDE-EN-EIK--NORDLICHT-V1.0-W001" in text.stdout
    result = runner.invoke(
        cli, ["amend", *args, "--out", str(out), "--today", "2027-06-01", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    by_id = {h["hospital"]: h for h in plan["hospitals"]}
    assert not by_id[HOSPITAL]["needed"] and by_id["den-bosch-noord"]["signed"] == []
    assert any("W001" in line for line in by_id[HOSPITAL]["covered"])
    missing = runner.invoke(cli, ["amend", *args, "--out", str(tmp_path / "nergens")])
    assert missing.exit_code == 2 and "(--out)" in missing.stderr


ADDENDUM = f"{VWO}-wijzigingsovereenkomst"
GOLDEN = Path(__file__).resolve().parent / "golden" / "wijzigingen"


@pytest.fixture(scope="module")
def amended(signed_set, tmp_path_factory):
    """(project, out, hospital plan): a solution added for the signed hospital, amend with PDFs."""
    root = tmp_path_factory.mktemp("amended")
    data, register, out = signed_set
    changed = root / "hospitals.yaml"
    changed.write_text(add_bone_age(data.read_text("utf-8")), "utf-8")
    shutil.copy(register, root / "register.jsonl")
    shutil.copytree(out, root / "out")
    project = load_project(changed, ROOT / "clauses", ROOT / "templates", root / "register.jsonl")
    [hospital] = project.amend(root / "out", hospitals=HOSPITAL, today=TODAY, pdf=True).hospitals
    return project, root / "out", hospital


def _golden(name: str, text: str, update: bool) -> None:
    golden = GOLDEN / f"{name}.txt"
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), "no golden text yet: run pytest tests/test_amend.py --update-golden"
    assert text == golden.read_text(encoding="utf-8")


def test_the_addendum_names_the_signed_agreement_and_amends_in_its_numbering(
    amended, update_golden
):
    project, out, hospital = amended
    addendum = next(a for a in hospital.addenda if a.document == VWO)
    assert addendum.path == hospital.folder / f"{ADDENDUM}.docx"
    assert addendum.document_id == f"{signed_id(out)}-W001" == read_docx(addendum.path).document_id
    assert addendum.signed_on == date(2027, 4, 8)
    assert "Bijlage 6" in addendum.amends and "artikel 9" not in addendum.amends
    text = document_text(addendum.path)
    lines = text.splitlines()
    # Recitals: the signed version by id and date, the notice, the written form.
    assert (
        f"A. Partijen hebben op 8 april 2027 de verwerkersovereenkomst met kenmerk "
        f"{signed_id(out)} gesloten (hierna: de Overeenkomst)." in lines
    )
    notice = hospital.notices[0]
    assert f"met de kennisgeving {notice.document_id} van 1 juni 2027" in text
    # One article per provision, in the signed numbering; the annex replaced by the addendum's.
    assert "Artikel 9 van de Overeenkomst komt te luiden als volgt:" in lines
    assert "9.1 De Verwerkingsverantwoordelijke verleent de Verwerker" in text
    annex = next(line for line in lines if line.startswith("Bijlage 6 (Subverwerkers) bij"))
    number = annex.split("vervangen door Bijlage ")[1].split(" ")[0]
    vendor = next(s for s in project.portfolio.solutions if s.id == "skeletleeftijd").vendor
    after = text.split(f"\nBijlage {number} Subverwerkers\n", 1)[1]
    assert vendor.legal_name in after.split("\nBijlage ", 1)[0]
    # Entry into force, the rest unchanged, and the same signatories as the agreement.
    assert "treedt in werking op de dag waarop de laatste Partij haar heeft ondertekend" in text
    assert f"niet vóór {datum(notice.earliest_start)}" in text
    assert "Voor het overige blijft de Overeenkomst ongewijzigd van kracht." in text
    for role in project.signatories("verwerkersovereenkomst", HOSPITAL, "nordlicht"):
        assert f"Naam: {role.name}" in text
    _golden(ADDENDUM, text, update_golden)
    _golden(f"{VWO}-kennisgeving-subverwerker", document_text(notice.path), update_golden)


def test_an_addendum_is_an_ordinary_document_checked_against_what_amend_wrote(amended, tmp_path):
    project, out, hospital = amended
    report = project.check(out=out)
    paths = {str(a.path) for a in hospital.addenda}
    assert paths <= set(report.recognised)
    assert {report.recognised[p]["document_id"] for p in paths} == {
        a.document_id for a in hospital.addenda
    }
    assert not [f for f in report.findings if f.document in paths and f.level != "info"]
    # Edited in Word after amend wrote it: check says where.
    addendum = next(a for a in hospital.addenda if a.document == VWO)
    edited = tmp_path / addendum.path.name
    shutil.copy(out / HOSPITAL / "wijzigingen" / hospital.folder.name / "manifest.json", tmp_path)
    rewrite_docx(
        addendum.path,
        edited,
        changes={
            "word/document.xml": replace_once(
                "Voor het overige blijft de Overeenkomst ongewijzigd van kracht.",
                "Voor het overige blijft de Overeenkomst van kracht.",
            )
        },
    )
    found = project.check([edited]).findings
    # A copy saved elsewhere, without the folder's manifest, is found by its id under out=.
    (tmp_path / "manifest.json").unlink()
    copied = project.check([edited], out=out)
    assert copied.recognised[str(edited)]["document_id"] == addendum.document_id
    assert [
        f.rule for f in copied.findings if f.document == str(edited) and f.level != "info"
    ] == []
    assert [f.rule for f in found if f.location.startswith("artikel")] == ["review.changed-clause"]


def test_a_signed_addendum_is_taken_in_and_covers_its_provisions(amended, tmp_path, monkeypatch):
    project, out, hospital = amended
    addendum = next(a for a in hospital.addenda if a.document == VWO)
    pdf = addendum.path.with_suffix(".pdf")
    entry = manifest_entries(hospital.folder)[addendum.path.name]
    assert entry["pdf"]["fields"] == ["sig_ziekenhuis_1", "sig_verwerker_1"]
    when = datetime(2027, 6, 3, 10, 0, tzinfo=UTC)
    monkeypatch.setattr("aifi_legal.register.intake._now", lambda: when + timedelta(hours=1))
    status = project.status(out, hospitals=HOSPITAL, today=TODAY)
    [row] = [d for d in status.documents if d.document_id == addendum.document_id]
    assert (row.status, row.amends, row.overdue) == ("ready to sign", signed_id(out), False)
    assert f"wijzigingsovereenkomst to {signed_id(out)}" in status.to_text()
    page = project.report(out, hospitals=HOSPITAL, today=TODAY).to_html()
    addenda = page.split("<caption>Wijzigingsovereenkomsten na ondertekening</caption>")[1]
    [row] = [r for r in addenda.split("</table>")[0].split("</tr>") if addendum.document_id in r]
    assert "klaar voor ondertekening" in row
    assert "Ondertekening per ziekenhuis en document" in page.split(addendum.document_id)[0]
    signed = pdf.read_bytes()
    for field, role in zip(
        entry["pdf"]["fields"],
        project.signatories("verwerkersovereenkomst", HOSPITAL, "nordlicht"),
        strict=True,
    ):
        signed = sign_field(signed, field, make_signer(role.name), at=when)
    returned = tmp_path / "getekend.pdf"
    returned.write_bytes(signed)
    report = project.intake([returned], out=out)
    [result] = report.results
    assert result.accepted, result.problems
    assert {e.document_id for e in result.recorded} == {addendum.document_id}
    assert project.register_problems() == []  # placed with the agreement it amends
    status = project.status(out, hospitals=HOSPITAL, today=TODAY + timedelta(days=3))
    [row] = [d for d in status.documents if d.document_id == addendum.document_id]
    assert row.status == "signed" and row.missing == ()
    # The next amend finds the provisions amended: nothing is written twice.
    [again] = project.amend(out, hospitals=HOSPITAL, today=TODAY + timedelta(days=3)).hospitals
    assert not [p for p in again.provisions if p.document == VWO]
    assert any(addendum.document_id in line and "signed" in line for line in again.covered)


def test_an_inserted_article_takes_a_letter_and_renumbers_nothing(signed_set, tmp_path):
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    (clauses / "verwerkersovereenkomst" / "register.md").unlink()
    (clauses / "verwerkersovereenkomst" / "opleiding.md").write_text(
        "---\nid: vwo-opleiding\nversion: 1.0.0\ntitle: Opleiding van personeel\n"
        "documents: [verwerkersovereenkomst]\nsection: artikel\norder: 65\n---\n"
        "De Verwerker zorgt dat zijn medewerkers met toegang tot Persoonsgegevens jaarlijks "
        "een opleiding over beveiliging volgen, als bedoeld in {{ ref('vwo-beveiliging') }}.\n\n"
        "De Verwerker houdt een overzicht bij van de gevolgde opleidingen.\n",
        "utf-8",
    )
    project, out = _after(signed_set, tmp_path, clauses=clauses)
    [hospital] = project.amend(out, hospitals=HOSPITAL, today=TODAY).hospitals
    # Every article after the new one is renumbered in the current build, and so is every
    # reference to it; in the signed numbering only the two provisions changed.
    assert [(p.change.clause, p.change.change) for p in hospital.provisions] == [
        ("vwo-opleiding", "inserted"),
        ("vwo-register", "deleted"),
    ]
    assert hospital.notices == [] and hospital.dpia_review == []
    [addendum] = hospital.addenda
    assert addendum.amends == ("Artikel 6a", "Artikel 14")
    lines = document_text(addendum.path).splitlines()
    assert (
        "Na artikel 6 van de Overeenkomst wordt een artikel ingevoegd, dat luidt als volgt:"
        in (lines)
    )
    assert "Artikel 6a Opleiding van personeel" in lines
    assert any(line.startswith("6a.1 De Verwerker") and "in Artikel 7." in line for line in lines)
    assert "6a.2 De Verwerker houdt een overzicht bij van de gevolgde opleidingen." in lines
    assert (
        "Artikel 14 (Register van verwerkingsactiviteiten) van de Overeenkomst vervalt. De "
        "nummering van de overige artikelen en bijlagen blijft ongewijzigd." in lines
    )
    report = project.check([addendum.path])
    assert [f.message for f in report.findings if f.level == "error"] == []


def test_a_paper_signature_of_an_addendum_is_recorded_by_hand(amended, monkeypatch):
    project, out, hospital = amended
    monkeypatch.setattr("aifi_legal.register.record._today", lambda: date(2027, 6, 3))
    [addendum] = [a for a in hospital.addenda if a.document == "deelnameovereenkomst"]
    args = ["--data", str(project.workspace.data), "--ledger", str(project.register.path)]
    args += ["--clauses", str(ROOT / "clauses"), "--templates", str(ROOT / "templates")]
    first = project.signatories("deelnameovereenkomst", HOSPITAL)[0]
    sign = ["sign", HOSPITAL, "deelnameovereenkomst", *args, "--out", str(out)]
    sign += ["--signatory", first.name, "--method", "paper"]
    runner = CliRunner()
    # Before the addendum's own date it cannot have been signed.
    early = runner.invoke(cli, [*sign, "--amendment", "W001", "--date", "2027-05-31"])
    assert early.exit_code == 2 and "before the document's date 2027-06-01" in early.stderr
    unknown = runner.invoke(cli, [*sign, "--amendment", "W009", "--date", "2027-06-02"])
    assert unknown.exit_code == 2 and addendum.document_id in unknown.stderr  # the hint
    result = runner.invoke(cli, [*sign, "--amendment", "W001", "--date", "2027-06-02"])
    assert result.exit_code == 0, result.output
    assert f"{HOSPITAL}" in result.stdout
    [event] = [e for e in project.register.read() if e.document_id == addendum.document_id]
    assert event.signatory == first.name and event.date == date(2027, 6, 2)
    status = project.status(out, hospitals=HOSPITAL, today=date(2027, 6, 3))
    [row] = [d for d in status.documents if d.document_id == addendum.document_id]
    assert row.status == "partly signed" and row.signed == (first.name,)
