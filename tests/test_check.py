"""aifi-legal check and lint: each rule trips on a document damaged as a person would damage it,
and the undamaged documents pass."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT, TWO_HOSPITALS
from docxedit import DOCUMENT, in_xml, rewrite_docx
from lxml import etree

from aifi_legal.cli import cli
from aifi_legal.word.conventions import term_bookmark
from aifi_legal.word.reader import read_docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"


@pytest.fixture(scope="module")
def built(tmp_path_factory, fixture_project):
    out = tmp_path_factory.mktemp("check")
    fixture_project.build(out)
    return out


@pytest.fixture
def copy(built, tmp_path):
    """A fresh copy of the built documents to damage."""
    target = tmp_path / "out"
    shutil.copytree(built, target)
    return target


def edit(path: Path, change, part: str = DOCUMENT) -> None:
    """Apply `change(root)` to one XML part of a DOCX, in place (as Word would save it)."""
    rewrite_docx(path, changes={part: in_xml(change)})


def paragraphs_of(root, clause_id: str) -> list:
    """The body paragraphs between a clause's bookmarks."""
    name = "aifi_" + clause_id.replace("-", "_")
    start = next(b for b in root.iter(f"{W}bookmarkStart") if b.get(f"{W}name") == name)
    mark = start.get(f"{W}id")
    found, inside = [], False
    for node in root.iter(f"{W}p", f"{W}bookmarkEnd"):
        if node.tag == f"{W}p":
            if start in node.iter(f"{W}bookmarkStart"):
                inside = True
            if inside:
                found.append(node)
            if inside and any(e.get(f"{W}id") == mark for e in node.iter(f"{W}bookmarkEnd")):
                break
        elif node.get(f"{W}id") == mark:
            break
    return found


def paragraph_with(root, text: str):
    return next(
        p for p in root.iter(f"{W}p") if text in "".join(t.text or "" for t in p.iter(f"{W}t"))
    )


def run(text: str):
    r = etree.Element(f"{W}r")
    t = etree.SubElement(r, f"{W}t")
    t.text = text
    return r


def sole_carrier(project) -> tuple[str, str]:
    """A checklist item of the processor agreement that exactly one clause carries."""
    document = project.assemble(
        "verwerkersovereenkomst",
        project.portfolio.hospital("linde-en-eik"),
        project.portfolio.processors[0],
    )
    tags: dict[str, list[str]] = {}
    for rendered in document.clauses:
        for tag in rendered.clause.head.tags:
            tags.setdefault(tag, []).append(rendered.clause.id)
    return next((t, c[0]) for t, c in sorted(tags.items()) if t.startswith("DPA-") and len(c) == 1)


def findings(project, *paths, rule_prefix: str = ""):
    report = project.check(paths)
    return [f for f in report.findings if f.rule.startswith(rule_prefix)]


def test_undamaged_documents_pass(fixture_project, built):
    report = fixture_project.check(out=built)
    assert len(report.documents) == 8
    assert report.errors == [], report.to_text()
    assert not [f for f in report.findings if f.level == "warning"], report.to_text()
    matrix = report.coverage[str(built / "linde-en-eik" / "verwerkersovereenkomst-nordlicht.docx")]
    assert len(matrix) == 29 and {v["status"] for v in matrix.values()} == {"covered"}


def test_example_documents_pass_with_zero_errors(example_project, tmp_path):
    example_project.build(tmp_path)
    report = example_project.check(out=tmp_path)
    assert len(report.documents) == 24
    assert report.errors == [], report.to_text()


def test_leftovers_anywhere_in_the_document(fixture_project, copy):
    path = copy / "linde-en-eik" / "deelnameovereenkomst.docx"

    def damage(root):
        paragraph = paragraph_with(root, "Deze overeenkomst regelt de deelname")
        paragraph.append(run(" De looptijd is [invullen] maanden."))
        # A text box and a content control, as Word makes them.
        box = etree.SubElement(paragraph_with(root, "De ondergetekenden"), f"{W}r")
        pict = etree.SubElement(box, f"{W}pict")
        shape = etree.SubElement(pict, "{urn:schemas-microsoft-com:vml}shape")
        textbox = etree.SubElement(shape, "{urn:schemas-microsoft-com:vml}textbox")
        content = etree.SubElement(textbox, f"{W}txbxContent")
        etree.SubElement(content, f"{W}p").append(run("Bedrag: XXX"))
        sdt = etree.SubElement(paragraph_with(root, "worden hierna gezamenlijk"), f"{W}sdt")
        etree.SubElement(sdt, f"{W}sdtContent").append(run(" Datum: [●]"))

    edit(path, damage)
    footer = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("word/footer"))
    edit(path, lambda root: next(root.iter(f"{W}p")).append(run(" TODO nummer")), footer)
    found = {
        (f.part, f.message.split("'")[1])
        for f in findings(fixture_project, path, rule_prefix="leftover")
    }
    assert found == {
        ("body", "[invullen]"),
        ("text box", "XXX"),
        ("content control", "[●]"),
        ("footer", "TODO"),
    }
    [body] = [
        f for f in findings(fixture_project, path, rule_prefix="leftover") if f.part == "body"
    ]
    assert body.location == "artikel 2" and body.level == "error"


def test_tracked_changes_comments_and_broken_xml(fixture_project, copy):
    path = copy / "linde-en-eik" / "intentieverklaring.docx"

    def damage(root):
        paragraph = paragraph_with(root, "De ondergetekenden")
        insertion = etree.SubElement(
            paragraph, f"{W}ins", {f"{W}author": "mr. Jansen", f"{W}id": "901"}
        )
        insertion.append(run(" (gewijzigd)"))

    edit(path, damage)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(
            "word/comments.xml",
            f'<w:comments xmlns:w="{W_NS}"><w:comment w:id="1" w:author="FG">'
            "<w:p><w:r><w:t>Nog navragen</w:t></w:r></w:p></w:comment>"
            "</w:comments>",
        )
    rules = {f.rule: f for f in findings(fixture_project, path, rule_prefix="integrity")}
    assert "insertion by mr. Jansen" in rules["integrity.tracked-change"].message
    assert rules["integrity.tracked-change"].location == "partijen"
    assert "open comment by FG: 'Nog navragen'" in rules["integrity.comment"].message
    broken = copy / "den-bosch-noord" / "dpia.docx"
    with zipfile.ZipFile(broken) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["word/header1.xml"] = b"<w:hdr><w:p>unclosed"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    [xml] = findings(fixture_project, broken, rule_prefix="integrity.xml")
    assert xml.location == "word/header1.xml" and xml.level == "error"


def test_not_a_docx_is_a_finding_not_a_traceback(fixture_project, tmp_path):
    fake = tmp_path / "contract.docx"
    fake.write_text("dit is geen Word-document")
    [finding] = fixture_project.check([fake]).findings
    assert finding.rule == "integrity.not-docx" and finding.level == "error"
    result = CliRunner().invoke(cli, ["check", "--data", str(TWO_HOSPITALS), str(fake)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_required_parties_and_signatories(fixture_project, copy):
    path = copy / "den-bosch-noord" / "deelnameovereenkomst.docx"

    def damage(root):
        for t in root.iter(f"{W}t"):
            t.text = (t.text or "").replace("onder nummer 17009988", "onder nummer")
            if t.text == "Ingrid Sønnesyn":
                t.text = ""

    edit(path, damage)
    messages = [f.message for f in findings(fixture_project, path, rule_prefix="required")]
    assert any("KvK number '17009988'" in m for m in messages)
    assert any("signatory Ingrid Sønnesyn lacks 'Naam: Ingrid Sønnesyn'" in m for m in messages)


def test_deleted_clause_turns_checklist_items_into_errors(fixture_project, copy):
    path = copy / "linde-en-eik" / "verwerkersovereenkomst-nordlicht.docx"
    project = fixture_project
    item, victim = sole_carrier(project)

    def damage(root):
        for paragraph in paragraphs_of(root, victim):
            paragraph.getparent().remove(paragraph)

    edit(path, damage)
    report = project.check([path])
    errors = {f.rule: f for f in report.errors}
    assert f"coverage.{item}" in errors
    assert victim in errors[f"coverage.{item}"].message
    section = fixture_project.library[victim].head.section
    assert ("required.annex" if section == "bijlage" else "structure.missing-clause") in errors
    assert report.coverage[str(path)][item]["status"] == "missing"


def test_changed_clause_makes_its_items_warnings(fixture_project, copy):
    path = copy / "linde-en-eik" / "verwerkersovereenkomst-nordlicht.docx"
    project = fixture_project
    item, victim = sole_carrier(project)

    def damage(root):
        paragraphs_of(root, victim)[-1].append(run(" Partijen kunnen hiervan afwijken."))

    edit(path, damage)
    report = project.check([path])
    assert not [f for f in report.errors if f.rule.startswith("coverage")]
    warning = next(f for f in report.findings if f.rule == f"coverage.{item}")
    assert warning.level == "warning" and victim in warning.message
    assert report.coverage[str(path)][item]["status"] == "changed"
    assert any(f.rule == "review.changed-clause" for f in report.findings)


def test_structure_numbers_references_and_terms(fixture_project, copy):
    path = copy / "linde-en-eik" / "deelnameovereenkomst.docx"

    def damage(root):
        # A number typed by hand where Word numbered the heading: a second "Artikel 2".
        heading = next(
            p
            for p in root.iter(f"{W}p")
            if "".join(t.text or "" for t in p.iter(f"{W}t")) == "Projectorganisatie en overleg"
        )
        heading.find(f"{W}pPr/{W}numPr/{W}numId").set(f"{W}val", "0")  # numbering off
        heading.find(f".//{W}t").text = "Artikel 2 Projectorganisatie en overleg"
        paragraph_with(root, "Deze overeenkomst regelt de deelname").append(
            run(" Zie ook artikel 99 en Bijlage 7; artikel 28 van de AVG blijft gelden.")
        )
        definition = paragraph_with(root, "Werkdag: ")
        extra = etree.fromstring(etree.tostring(definition))
        for t in extra.iter(f"{W}t"):
            t.text = {"Werkdag": "Spookbegrip"}.get(t.text, t.text)
        definition.addnext(extra)
        definition.getparent().remove(definition)

    edit(path, damage)
    found = findings(fixture_project, path, rule_prefix="structure")
    rules = {(f.rule, f.message.split(" is ")[0]) for f in found}
    assert ("structure.duplicate-number", "artikel 2 occurs more than once") in {
        (f.rule, f.message) for f in found
    }
    broken = {
        f.message.split(" is referred")[0] for f in found if f.rule == "structure.broken-reference"
    }
    assert broken >= {"artikel 99", "Bijlage 7"}
    assert not any("artikel 28" in b for b in broken)  # a reference to the GDPR
    assert ("structure.unused-term", "defined term 'Spookbegrip'") in rules
    assert ("structure.undefined-term", "term 'Werkdag'") in rules


def test_facts_that_disagree_across_a_hospitals_documents(fixture_project, copy):
    path = copy / "linde-en-eik" / "intentieverklaring.docx"

    def damage(root):
        for t in root.iter(f"{W}t"):
            t.text = (t.text or "").replace("onder nummer 05550123", "onder nummer 05550124")

    edit(path, damage)
    report = fixture_project.check(out=copy)
    [finding] = [f for f in report.findings if f.rule == "consistency"]
    assert finding.document == str(path) and finding.location == "KvK number"
    assert "'05550124' here but '05550123'" in finding.message


def test_check_cli_formats_and_exit_codes(fixture_project, copy):
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", "--data", str(TWO_HOSPITALS), "--out", str(copy)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().endswith("8 document(s) checked: 0 error(s), 0 warning(s), 0 info.")
    path = copy / "linde-en-eik" / "deelnameovereenkomst.docx"
    edit(path, lambda root: paragraph_with(root, "Deze overeenkomst regelt").append(run(" TODO")))
    text = runner.invoke(cli, ["check", "--data", str(TWO_HOSPITALS), "--out", str(copy)])
    assert text.exit_code == 1
    assert "linde-en-eik\n" in text.output and "ERROR   leftover [artikel 2]" in text.output
    as_json = runner.invoke(
        cli, ["check", "--data", str(TWO_HOSPITALS), "--format", "json", str(path)]
    )
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert data["version"] == 1 and data["counts"]["error"] == 1
    assert set(data["findings"][0]) == {
        "level",
        "rule",
        "document",
        "hospital",
        "kind",
        "location",
        "part",
        "message",
        "fix",
    }
    missing = runner.invoke(cli, ["check", "--data", str(TWO_HOSPITALS), str(copy / "nope.docx")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_reader_sees_text_python_docx_misses(built):
    content = read_docx(built / "linde-en-eik" / "intentieverklaring.docx")
    parts = {p.part for p in content.paragraphs}
    assert {"body", "header", "footer"} <= parts
    assert content.document_id == "AIFI-IVK-LINDE-EN-EIK-V1.0"
    assert content.clause_order[0] == "alg-partijen"


# --- lint -------------------------------------------------------------------------------------


def lint_with(tmp_path, change) -> list:
    from aifi_legal import load_project

    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    change(clauses)
    return load_project(TWO_HOSPITALS, clauses, ROOT / "templates").lint().findings


def test_lint_passes_on_the_library(fixture_project):
    report = fixture_project.lint()
    assert report.errors == [], [f.message for f in report.errors]


def test_lint_finds_unknown_fields_conditions_and_uncovered_items(tmp_path):
    def change(clauses: Path) -> None:
        doel = clauses / "deelnameovereenkomst" / "doel.md"
        doel.write_text(
            doel.read_text() + "\n{{ ziekenhuis.kvk_nummer }} "
            "{% for s in oplossingen %}{{ s.naam }}{% endfor %}\n"
        )
        head = doel.read_text().split("---")[1]
        doel.write_text(
            doel.read_text().replace(
                head, head + "condition: \"'x' in ziekenhuis.oplossingen\"\n", 1
            )
        )
        for path in (clauses / "verwerkersovereenkomst").glob("*.md"):
            path.write_text(path.read_text().replace("DPA-13", "DPA-13-oud"))

    found = lint_with(tmp_path, change)
    messages = [f.message for f in found]
    assert any("'kvk_nummer' is not in the data; did you mean 'kvk'?" in m for m in messages)
    assert any("'naam' is not in the data; did you mean 'name'?" in m for m in messages)
    assert any("condition \"'x' in ziekenhuis.oplossingen\"" in m for m in messages)
    assert any(
        "verwerkersovereenkomst with fractuurdetectie: DPA-13 is covered by no included "
        "clause" in m
        for m in messages
    )
    line = next(f for f in found if "kvk_nummer" in f.message).location
    assert line.startswith("line ")


def test_lint_refuses_a_term_written_in_a_clause_or_a_risk_and_parses_risk_texts(tmp_path):
    def change(clauses: Path) -> None:
        doel = clauses / "deelnameovereenkomst" / "doel.md"
        lines = doel.read_text().split("\n")
        lines.append(
            "De melding volgt binnen 24 uur, uiterlijk na drie Werkdagen, en binnen "
            '{{ "72 uur" | wettelijk }} aan de toezichthouder; {{ 5 }} % blijft.'
        )
        doel.write_text("\n".join(lines))
        risks = clauses / "dpia" / "risicos.yaml"
        risks.write_text(
            risks.read_text().replace(
                "    measures:\n      - >-\n",
                "    measures:\n      - >-\n"
                "        Binnen twee maanden bij {{ ziekenhuis.bestaat_niet }} en 30% van\n",
                1,
            )
        )

    clauses_line = (
        len((ROOT / "clauses" / "deelnameovereenkomst" / "doel.md").read_text().split("\n")) + 1
    )
    found = [
        (f.location, f.message)
        for f in lint_with(tmp_path, change)
        if f.rule in ("lint.literal-term", "lint.unknown-field")
    ]
    register = yaml.safe_load((ROOT / "clauses" / "dpia" / "risicos.yaml").read_text())
    first = register["risks"][0]["id"]
    assert sorted(found) == sorted(
        [
            (f"line {clauses_line}", "body: '24 uur' is a term written in the clause"),
            (f"line {clauses_line}", "body: 'drie Werkdagen' is a term written in the clause"),
            ("", f"risk {first} measures[0]: 'twee maanden' is a term written in the risk text"),
            ("", f"risk {first} measures[0]: '30%' is a term written in the risk text"),
            ("", f"risk {first} measures[0]: 'bestaat_niet' is not in the data"),
        ]
    ), found


def test_a_document_saved_again_by_python_docx_checks_clean(fixture_project, copy):
    import docx

    for path in sorted((copy / "den-bosch-noord").glob("*.docx")):
        document = docx.Document(str(path))
        document.add_paragraph("")  # an edit that changes no clause
        document.save(str(path))
    report = fixture_project.check(sorted((copy / "den-bosch-noord").glob("*.docx")))
    assert len(report.documents) == 4
    assert [f for f in report.findings if f.level != "info"] == [], report.to_text()


def _replace_everywhere(path: Path, old: str, new: str) -> None:
    def damage(root):
        for t in root.iter(f"{W}t"):
            if t.text and old in t.text:
                t.text = t.text.replace(old, new)

    edit(path, damage)


def _facts(project) -> dict[str, tuple[str, str]]:
    """Per fact the consistency rule compares: (document to damage, text to change)."""
    portfolio = project.portfolio
    hospital = portfolio.hospital("linde-en-eik")
    processor = portfolio.processors[0]
    vendor = next(s.vendor.legal_name for s in portfolio.solutions if s.id in hospital.solutions)
    return {
        "legal name": ("dpia.docx", hospital.legal_name),
        "KvK number": ("deelnameovereenkomst.docx", hospital.kvk),
        "address": ("deelnameovereenkomst.docx", hospital.address.street),
        "representatives": ("deelnameovereenkomst.docx", hospital.signatories[0].name),
        "AI vendors": ("deelnameovereenkomst.docx", vendor),
        "sub-processors": (
            f"verwerkersovereenkomst-{processor.id}.docx",
            processor.hosting.legal_name,
        ),
        "processors": (f"verwerkersovereenkomst-{processor.id}.docx", processor.legal_name),
    }


@pytest.mark.parametrize(
    "fact",
    [
        "legal name",
        "KvK number",
        "address",
        "representatives",
        "AI vendors",
        "sub-processors",
        "processors",
    ],
)
def test_every_fact_the_consistency_rule_compares_is_compared(fixture_project, copy, fact):
    document, value = _facts(fixture_project)[fact]
    path = copy / "linde-en-eik" / document
    last = value[-1]
    changed = value[:-1] + (
        str((int(last) + 1) % 10) if last.isdigit() else "X" if last != "X" else "Y"
    )
    _replace_everywhere(path, value, changed)
    report = fixture_project.check(out=copy)
    found = [f for f in report.findings if f.rule == "consistency" and f.location == fact]
    assert len(found) == 1, [f.message for f in report.findings if f.rule == "consistency"]
    assert found[0].hospital == "linde-en-eik"


def test_a_term_changed_in_word_is_named_and_contradicts_its_siblings(fixture_project, copy):
    from aifi_legal.checks import consistency, rules
    from aifi_legal.checks.check import _target

    folder = copy / "linde-en-eik"
    index = fixture_project.source.document_index()
    stated = {}
    for path in sorted(folder.glob("*.docx")):
        content = read_docx(path)
        target = _target(fixture_project.source, index[rules.target_id(content, index)])
        stated[path.name] = consistency.terms(content, target)[1]
    vwo = "verwerkersovereenkomst-nordlicht.docx"
    shared = sorted(set(stated[vwo]) & set(stated["dpia.docx"]))
    assert shared, "the processor agreement and the DPIA state no term in common"
    field = next(
        (f for f in shared if any(ch.isdigit() for ch in stated[vwo][f][0][1])), shared[0]
    )
    where, expected, _ = stated[vwo][field][0]
    changed = expected + " en nog wat"
    document = fixture_project.assemble("verwerkersovereenkomst", "linde-en-eik", "nordlicht")
    name = next(
        term_bookmark(r.clause.id, number)
        for r in document.clauses
        for number, run in enumerate(r.term_runs(), start=1)
        if run.term == field
    )

    def damage(root):
        start = next(b for b in root.iter(f"{W}bookmarkStart") if b.get(f"{W}name") == name)
        start.getnext().find(f"{W}t").text = changed

    edit(folder / vwo, damage)
    report = fixture_project.check(out=copy)
    warnings = [f for f in report.findings if f.rule == "review.changed-term"]
    assert len(warnings) == 1 and warnings[0].document.endswith(vwo)
    assert (
        field in warnings[0].message
        and repr(changed) in warnings[0].message
        and repr(expected) in warnings[0].message
        and warnings[0].location == where
    )
    [contradiction] = [f for f in report.errors if f.rule == "consistency.term"]
    assert contradiction.document.endswith(vwo) and field in contradiction.message


def _signature_table_of(path: Path):
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return next(
        t
        for t in root.iter(f"{W}tbl")
        if "Naam:" in "".join(x.text or "" for x in t.iter(f"{W}t"))
    )


def test_a_draft_dpia_that_adopts_or_carries_a_signature_table_is_an_error(fixture_project, copy):
    # linde-en-eik's DPIA awaits the FG's advice; den-bosch-noord's was advised and is signed.
    draft = copy / "linde-en-eik" / "dpia.docx"
    assert read_docx(draft).tables and not any(
        "Naam:" in " ".join(row) for table in read_docx(draft).tables for row in table
    )
    table = _signature_table_of(copy / "den-bosch-noord" / "dpia.docx")

    def adopt(root):
        paragraph = paragraph_with(root, "Dit concept ter advisering wordt niet vastgesteld")
        paragraph.append(run(" Aldus vastgesteld en ondertekend namens het Ziekenhuis."))
        paragraph.addnext(table)

    edit(draft, adopt)
    found = {(f.rule, f.message) for f in findings(fixture_project, draft, rule_prefix="required")}
    assert (
        "required.signatures",
        "the draft for the FG's advice carries a signature table",
    ) in found
    assert (
        "required.draft",
        "the draft for the FG's advice adopts the DPIA: 'Aldus vastgesteld'",
    ) in found


def test_a_copy_outside_its_hospital_folder_is_named_by_its_id(copy, tmp_path):
    loose = tmp_path / "bijlage-bij-mail.docx"
    shutil.copyfile(copy / "den-bosch-noord" / "dpia.docx", loose)
    runner = CliRunner()
    text = runner.invoke(cli, ["check", "-q", "--data", str(TWO_HOSPITALS), str(loose)])
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[:3] == [
        "den-bosch-noord",
        "  bijlage-bij-mail.docx: ok",
        "    recognised by its id as the dpia of den-bosch-noord (AIFI-DPIA-DEN-BOSCH-NOORD-V1.0)",
    ]
    as_json = runner.invoke(
        cli, ["check", "-q", "--data", str(TWO_HOSPITALS), "--format", "json", str(loose)]
    )
    assert json.loads(as_json.stdout)["recognised"] == {
        str(loose): {
            "hospital": "den-bosch-noord",
            "kind": "dpia",
            "document_id": "AIFI-DPIA-DEN-BOSCH-NOORD-V1.0",
        }
    }
