"""diff: two builds compared clause by clause, and a redline of Word's own tracked changes.

The clause library of the second build changes one article three ways (words in a paragraph,
a paragraph deleted, a paragraph added). The redline is judged as Word would use it: accepting
every change must give the new document's text, rejecting every change the old one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SOFFICE, TWO_HOSPITALS
from docxedit import DOCUMENT, in_xml, rewrite_docx
from lxml import etree
from pdfsigning import frozen_clock  # noqa: F401 - autouse: sign checks dates on its clock

from aifi_legal import UsageError, load_project
from aifi_legal.cli import cli
from aifi_legal.word.reader import W, paragraph_text, read_docx

CLAUSE = "verwerkersovereenkomst/beveiliging.md"
CHANGED_WORDS = (
    "dan mag de Verwerker de Lokale Gateway tijdelijk van de Centrale Infrastructuur ontkoppelen.",
    "dan mag de Verwerker de Lokale Gateway na overleg met de security officer tijdelijk "
    "ontkoppelen.",
)
DELETED = "De Verwerker heeft geen toegang tot de inhoud van de Sleuteltabel."
ADDED = (
    "De Verwerker legt iedere ontkoppeling vast en bespreekt haar in het eerstvolgende "
    "overleg over de beveiliging."
)
VWO = "verwerkersovereenkomst-nordlicht"


def _changed_library(tmp_path: Path) -> Path:
    library = tmp_path / "clauses-new"
    shutil.copytree(ROOT / "clauses", library)
    path = library / CLAUSE
    text = path.read_text("utf-8")
    paragraphs = text.split("\n\n")
    [deleted] = [p for p in paragraphs if p.startswith(DELETED)]
    assert text.count(CHANGED_WORDS[0]) == 1
    text = text.replace(CHANGED_WORDS[0], CHANGED_WORDS[1]).replace(deleted + "\n\n", "")
    text = text.replace("version: 2.0.0", "version: 2.1.0", 1)
    path.write_text(text.rstrip("\n") + "\n\n" + ADDED + "\n", "utf-8")
    return library


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """(project, old build, new build): the two-hospital scenario before and after the change."""
    root = tmp_path_factory.mktemp("diff")
    old = load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", root / "reg.jsonl")
    old.build(root / "old")
    new = load_project(
        TWO_HOSPITALS, _changed_library(root), ROOT / "templates", root / "reg.jsonl"
    )
    new.build(root / "new")
    return new, root / "old", root / "new"


def _body(data: bytes) -> etree._Element:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as archive:
        return etree.fromstring(archive.read(DOCUMENT))


def _texts(root: etree._Element, *, accept: bool) -> list[str]:
    """The paragraphs' text with every tracked change accepted (or rejected)."""
    gone = f"{W}del" if accept else f"{W}ins"
    texts = []
    for paragraph in root.iter(f"{W}p"):
        mark = paragraph.find(f"{W}pPr/{W}rPr/{gone}")
        pieces = []
        for node in paragraph.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br"):
            if any(a.tag == gone for a in node.iterancestors()):
                continue
            pieces.append(node.text or "" if node.tag in (f"{W}t", f"{W}delText") else " ")
        if mark is None or "".join(pieces):
            texts.append("".join(pieces))
    return texts


def _plain(path: Path) -> list[str]:
    return [paragraph_text(p) for p in _body(path.read_bytes()).iter(f"{W}p")]


def test_the_change_report_lists_exactly_the_changed_clause(builds, tmp_path):
    project, old, new = builds
    report = project.diff(old, new, out=tmp_path / "d")
    changed = {(d.hospital, d.stem) for d in report.changed}
    assert changed == {("linde-en-eik", VWO), ("den-bosch-noord", VWO)}
    assert len(report.documents) == 8
    for document in report.changed:
        [change] = document.changes
        assert change.clause == "vwo-beveiliging" and change.change == "changed"
        assert (change.old_version, change.new_version) == ("2.0.0", "2.1.0")
        assert change.article.startswith("Artikel 7 Beveiliging")
        added = " ".join(h.added for h in change.hunks)
        removed = " ".join(h.removed for h in change.hunks)
        assert "na overleg met de security officer" in added and ADDED.split()[3] in added
        assert "van de Centrale Infrastructuur" in removed and "Sleuteltabel." in removed
        assert not document.signed
    saved = json.loads((tmp_path / "d" / "wijzigingen.json").read_text("utf-8"))
    assert [d["state"] for d in saved["documents"]].count("changed") == 2
    text = (tmp_path / "d" / "linde-en-eik" / f"{VWO}-wijzigingen.txt").read_text("utf-8")
    assert "vwo-beveiliging changed (versie 2.0.0 -> 2.1.0)" in text
    assert "{+na overleg met de security officer+}" in text
    one = json.loads((tmp_path / "d" / "linde-en-eik" / f"{VWO}-wijzigingen.json").read_text())
    assert [c["clause"] for c in one["changes"]] == ["vwo-beveiliging"]


def test_accepting_the_redline_gives_the_new_text_and_rejecting_it_the_old(builds, tmp_path):
    project, old, new = builds
    report = project.diff(old, new, out=tmp_path / "d", hospitals="den-bosch-noord")
    [document] = report.changed
    red = _body(document.redline.read_bytes())
    inserted, deleted = list(red.iter(f"{W}ins")), list(red.iter(f"{W}del"))
    assert inserted and deleted
    assert {m.get(f"{W}author") for m in inserted + deleted} == {"AIFI werkgroep juridisch"}
    assert {m.get(f"{W}date") for m in inserted + deleted} == {"2026-12-07T09:00:00Z"}
    ids = [m.get(f"{W}id") for m in inserted + deleted]
    bookmarks = {b.get(f"{W}id") for b in red.iter(f"{W}bookmarkStart")}
    assert len(ids) == len(set(ids)) and not set(ids) & bookmarks, "annotation ids are unique"
    new_text = [t for t in _plain(document.new_path) if t]
    old_text = [t for t in _plain(document.old_path) if t]
    assert [t for t in _texts(red, accept=True) if t] == new_text
    assert [t for t in _texts(red, accept=False) if t] == old_text
    # Only the changed article is marked; the unchanged words keep their runs.
    marked = {
        "".join(n.text or "" for n in p.iter(f"{W}t", f"{W}delText"))[:4]
        for p in red.iter(f"{W}p")
        if p.find(f".//{W}ins") is not None or p.find(f".//{W}del") is not None
    }
    article = [  # the changed article's paragraphs, without the numbers Word shows
        re.sub(r"^7\.\d+ ", "", p.text)
        for p in read_docx(document.new_path).paragraphs
        if p.clause == "vwo-beveiliging"
    ]
    assert marked and all(any(t.startswith(m) for t in article) for m in marked), marked


def test_an_unchanged_build_yields_no_redline(builds, tmp_path):
    project, old, _ = builds
    report = project.diff(old, old, out=tmp_path / "d")
    assert report.changed == [] and len(report.documents) == 8
    assert {d.state for d in report.documents} == {"unchanged"}
    assert not list((tmp_path / "d").rglob("*.docx"))
    assert report.to_text().endswith(
        f"8 document(s) compared ({old} -> {old}): 0 changed, 8 unchanged.\n"
    )


def test_a_lawyers_own_tracked_changes_and_comments_stay_in_the_redline(builds, tmp_path):
    project, old, new = builds
    lawyer = tmp_path / "old"
    shutil.copytree(old, lawyer)
    docx = lawyer / "den-bosch-noord" / f"{VWO}.docx"

    def mark_up(root):
        # Member 7.1: the first paragraph after article 7's heading (Word numbers it).
        paragraphs = list(root.iter(f"{W}p"))
        heading = next(
            p for p in paragraphs if paragraph_text(p) == "Beveiliging van de verwerking"
        )
        target = paragraphs[paragraphs.index(heading) + 1]
        assert target.find(f"{W}pPr/{W}numPr/{W}ilvl").get(f"{W}val") == "1"
        ins = etree.SubElement(
            target,
            f"{W}ins",
            {f"{W}id": "9001", f"{W}author": "mr. Jurist", f"{W}date": "2027-01-05T10:00:00Z"},
        )
        run = etree.SubElement(ins, f"{W}r")
        etree.SubElement(run, f"{W}t").text = " Zie onze notitie."
        target.insert(1, etree.Element(f"{W}commentRangeStart", {f"{W}id": "9002"}))
        target.append(etree.Element(f"{W}commentRangeEnd", {f"{W}id": "9002"}))
        reference = etree.SubElement(target, f"{W}r")
        etree.SubElement(reference, f"{W}commentReference", {f"{W}id": "9002"})

    rewrite_docx(docx, changes={DOCUMENT: in_xml(mark_up)})
    report = project.diff(lawyer, new, out=tmp_path / "d", hospitals=["den-bosch-noord"])
    [document] = report.changed
    red = _body(document.redline.read_bytes())
    authors = {m.get(f"{W}author") for m in red.iter(f"{W}ins")}
    assert authors == {"mr. Jurist", "AIFI werkgroep juridisch"}
    assert red.find(f".//{W}commentRangeStart[@{W}id='9002']") is not None
    assert red.find(f".//{W}commentReference[@{W}id='9002']") is not None
    # The lawyer's words are there after accepting everything, and not the text we deleted.
    accepted = " ".join(_texts(red, accept=True))
    assert "Zie onze notitie." in accepted and DELETED not in accepted


def test_a_changed_document_that_is_signed_is_flagged(builds, tmp_path):
    _, old, new = builds
    register = tmp_path / "reg.jsonl"
    signer = load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", register)
    signer.record(
        "linde-en-eik",
        "verwerkersovereenkomst",
        processor="nordlicht",
        signatory=signer.signatories("verwerkersovereenkomst", "linde-en-eik", "nordlicht")[
            0
        ].name,
        date="2027-04-08",
        method="paper",
        out=old,
    )
    report = signer.diff(old, new)
    flagged = {(d.hospital, d.stem) for d in report.changed if d.signed}
    assert flagged == {("linde-en-eik", VWO)}
    assert "SIGNED: a change needs a new version or an amendment" in report.to_text()


def test_the_redline_opens_in_libreoffice_with_its_changes(builds, tmp_path):
    if not SOFFICE:
        pytest.skip("LibreOffice is not installed")
    project, old, new = builds
    [document] = project.diff(old, new, out=tmp_path / "d", hospitals="linde-en-eik").changed
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(tmp_path / "lo"),
            str(document.redline),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = _body((tmp_path / "lo" / document.redline.name).read_bytes())
    # Writer read our marks as tracked changes and wrote them back as its own.
    assert saved.find(f".//{W}ins") is not None and saved.find(f".//{W}del") is not None
    assert "na overleg met de security officer" in " ".join(_texts(saved, accept=True))
    assert "na overleg met de security officer" not in " ".join(_texts(saved, accept=False))


def test_diff_from_the_command_line(builds, tmp_path):
    _, old, new = builds
    args = [
        "--data",
        str(TWO_HOSPITALS),
        "--clauses",
        str(ROOT / "clauses"),
        "--ledger",
        str(tmp_path / "r.jsonl"),
    ]
    result = CliRunner().invoke(
        cli, ["diff", *args, str(old), str(new), "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    assert f"linde-en-eik/{VWO} (AIFI-VWO-LINDE-EN-EIK--NORDLICHT-V1.0): changed" in result.output
    assert result.output.rstrip().endswith("2 changed, 6 unchanged.")
    as_json = CliRunner().invoke(cli, ["diff", *args, str(old), str(new), "--format", "json"])
    assert as_json.exit_code == 0
    assert {d["state"] for d in json.loads(as_json.stdout)["documents"]} == {
        "changed",
        "unchanged",
    }
    wrong = CliRunner().invoke(cli, ["diff", *args, str(old), str(new), "--hospital", "nergens"])
    assert (
        wrong.exit_code == 2
        and "no documents of nergens" in wrong.output
        and "--hospital" in wrong.output
    )
    inside = CliRunner().invoke(cli, ["diff", *args, str(old), str(new), "--out", str(new / "x")])
    assert inside.exit_code == 2 and "into the build" in inside.output and "--out" in inside.output


def test_diff_against_what_was_signed_finds_the_archived_original(tmp_path):
    """Signed at 1.0, rebuilt at 1.1 with a changed clause: the original went to archief/."""
    register = tmp_path / "reg.jsonl"
    data = tmp_path / "v1" / "hospitals.yaml"
    data.parent.mkdir()
    data.write_text(TWO_HOSPITALS.read_text("utf-8"), "utf-8")
    first = load_project(data, ROOT / "clauses", ROOT / "templates", register)
    out = tmp_path / "out"
    first.build(out, hospitals="linde-en-eik", only="verwerkersovereenkomst")
    signatory = first.signatories("verwerkersovereenkomst", "linde-en-eik", "nordlicht")[0].name
    first.record(
        "linde-en-eik",
        "verwerkersovereenkomst",
        processor="nordlicht",
        signatory=signatory,
        date="2027-04-08",
        method="paper",
        out=out,
    )
    later = tmp_path / "v2" / "hospitals.yaml"
    later.parent.mkdir()
    later.write_text(data.read_text("utf-8").replace('version: "1.0"', 'version: "1.1"'), "utf-8")
    second = load_project(later, _changed_library(tmp_path), ROOT / "templates", register)
    result = second.build(out, hospitals="linde-en-eik", only="verwerkersovereenkomst")
    assert result.archived
    with pytest.raises(UsageError):
        second.diff(out, out, out=out / "d")
    report = second.diff(out, out, signed=True, out=tmp_path / "d")
    [document] = report.documents
    assert document.old_path.parent.name == "archief" and document.signed
    assert (document.old_id, document.new_id) == (
        "AIFI-VWO-LINDE-EN-EIK--NORDLICHT-V1.0",
        "AIFI-VWO-LINDE-EN-EIK--NORDLICHT-V1.1",
    )
    assert "vwo-beveiliging" in {c.clause for c in document.changes}
    assert document.redline and document.redline.is_file()
