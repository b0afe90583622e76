"""The clause engine: numbering, references, definitions, conditions, filters and errors."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, TWO_HOSPITALS

from aifi_legal.assembly.assemble import assemble
from aifi_legal.assembly.blocks import Paragraph, Table
from aifi_legal.assembly.clauses import load_clauses
from aifi_legal.assembly.context import build_context
from aifi_legal.assembly.formatting import (
    FILTERS,
    add_months,
    bedrag,
    datum,
    opsomming,
    procent,
    termijn,
    wettelijk,
    woorden,
)
from aifi_legal.errors import ClauseError
from aifi_legal.inputs.portfolio import load_portfolio

BASIC = FIXTURES / "clauses-basic"


@pytest.fixture(scope="module")
def portfolio():
    return load_portfolio(TWO_HOSPITALS).portfolio


def build(portfolio, hospital_id, root=BASIC):
    library = load_clauses(root)
    hospital = portfolio.hospital(hospital_id) if hospital_id else None
    return assemble(
        library,
        "intentieverklaring",
        build_context(portfolio, hospital, "intentieverklaring"),
        who=f" (hospital {hospital_id})",
    )


def copy_library(tmp_path: Path) -> Path:
    target = tmp_path / "clauses"
    shutil.copytree(BASIC, target)
    return target


def problems_after_appending(portfolio, tmp_path, text: str, hospital: str = "linde-en-eik"):
    """Append `text` to the kosten clause of a copied library; the file and the problems."""
    root = copy_library(tmp_path)
    path = root / "50-kosten.md"
    path.write_text(path.read_text() + text)
    with pytest.raises(ClauseError) as caught:
        build(portfolio, hospital, root)
    return path, caught.value.problems


def test_filters_format_dutch():
    assert datum(date(2026, 3, 1)) == "1 maart 2026"
    assert bedrag(Decimal("1250")) == "€\xa01.250,00"
    assert bedrag(Decimal("50000.00")) == "€\xa050.000,00"
    assert opsomming(["A", "B", "C"]) == "A, B en C"
    assert opsomming(["A", "B"], "of") == "A of B"
    assert opsomming(["A"]) == "A"
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert [woorden(n) for n in (1, 5, 12, 21, 22, 40, 100)] == [
        "een",
        "vijf",
        "twaalf",
        "eenentwintig",
        "tweeëntwintig",
        "veertig",
        "honderd",
    ]


def test_statutory_terms_are_marked_and_data_terms_written_with_their_unit():
    assert wettelijk("72 uur") == "72 uur" and FILTERS["wettelijk"] is wettelijk
    assert "law" in wettelijk.__doc__
    assert termijn(10, "Werkdagen") == "tien Werkdagen"
    assert termijn(1, "maanden") == "één maand" and termijn(1, "Werkdag") == "één Werkdag"
    assert termijn(24, "uur") == "24 uur" and termijn(20, "dagen") == "twintig dagen"
    assert termijn(3, "weken") == "drie weken" and termijn(5, "jaar") == "vijf jaar"
    with pytest.raises(ValueError, match="unknown unit"):
        termijn(3, "etmalen")
    assert procent(Decimal("99.50")) == "99,5%" and procent(Decimal("21")) == "21%"


def test_articles_are_numbered_and_references_resolved(portfolio):
    document = build(portfolio, "linde-en-eik")
    articles = [c for c in document.clauses if c.clause.head.section == "artikel"]
    assert [(c.clause.id, c.heading) for c in articles] == [
        ("t-definities", "Artikel 1 Definities"),
        ("t-doel", "Artikel 2 Doel"),
        ("t-kosten", "Artikel 3 Kosten"),
    ]
    doel = articles[1]
    assert doel.blocks[0].text == "2.1 Dit artikel verwijst naar Artikel 3 en naar Bijlage 1."
    # The references are cross-references to the headings, shown as Word numbers them.
    assert [(r.text, r.ref) for r in doel.blocks[0].runs if r.ref] == [
        ("Artikel 3", "t-kosten"),
        ("Bijlage 1", "t-bijlage"),
    ]
    assert doel.blocks[1].text == (
        "2.2 De financiering loopt tot en met 31 januari 2031; de "
        "opzegtermijn is 33 maanden vanaf 11 januari 2027."
    )
    # A single paragraph is not numbered.
    assert articles[2].blocks[0].label is None
    assert articles[2].blocks[0].text == "Het plafond is €\xa0175.000,00."


def test_condition_excludes_clause_and_renumbers(portfolio):
    without = build(portfolio, "linde-en-eik")  # fractuurdetectie only
    with_ = build(portfolio, "den-bosch-noord")  # skeletleeftijd
    assert "t-kinderen" in without.excluded
    assert "t-kinderen" not in [c.clause.id for c in without.clauses]
    kinderen = next(c for c in with_.clauses if c.clause.id == "t-kinderen")
    assert kinderen.heading == "Artikel 4 Kinderen"
    assert kinderen.blocks[0].text == "Skeletleeftijd betreft kinderen; zie Artikel 3."


def test_a_filter_that_changes_a_references_case_is_refused(portfolio, tmp_path):
    path, [problem] = problems_after_appending(
        portfolio, tmp_path, "\n\n{{ ref('t-doel') | capitalize }} geldt.\n"
    )
    assert problem.file == path
    assert "cross-reference shows the number as Word numbers the heading" in problem.message
    assert "'Artikel 2'" in problem.message


def test_recitals_are_lettered_except_lead_lines(portfolio):
    document = build(portfolio, "linde-en-eik")
    [recitals] = document.section("overwegingen")
    assert [(b.label, b.role) for b in recitals.blocks] == [
        (None, "text"),
        ("A.", "recital"),
        ("B.", "recital"),
        (None, "text"),
    ]
    assert recitals.blocks[2].text == "B. Het Ziekenhuis kiest Fractuurdetectie."


def test_parties_are_numbered_and_names_kept_intact(portfolio):
    document = build(portfolio, "linde-en-eik")
    [parties] = document.section("partijen")
    assert parties.blocks[2].text == '2. Stichting Zorggroep Linde & Eik <Zuid> "De Boog".'


def test_definitions_are_collected_sorted_and_rendered(portfolio):
    document = build(portfolio, "linde-en-eik")
    definitions = next(c for c in document.clauses if c.clause.id == "t-definities")
    assert [b.text for b in definitions.blocks] == [
        "In deze intentieverklaring wordt verstaan onder:",
        "a. AI-oplossing: een door AIFI aangeboden toepassing van kunstmatige intelligentie;",
        "b. Ëerste Jaar: de eerste 17 maanden;",
        "c. Zorgverzekeraars: Zorgverzekeraars Nederland en haar leden.",
    ]
    assert definitions.blocks[1].runs[0].bold


def test_annex_table_from_a_loop(portfolio):
    document = build(portfolio, "linde-en-eik")
    [annex] = document.section("bijlage")
    assert annex.heading == "Bijlage 1 Contactpersonen"
    assert isinstance(annex.blocks[0], Paragraph) and annex.blocks[0].role == "subheading"
    table = annex.blocks[1]
    assert isinstance(table, Table) and len(table.rows) == 9
    assert table.rows[1][1].text == "Pim Ritsema"


def test_model_document_marks_hospital_fields(portfolio):
    document = build(portfolio, None)
    [parties] = document.section("partijen")
    runs = parties.blocks[2].runs
    assert [r.text for r in runs if r.placeholder] == ["[ziekenhuis.legal_name]"]
    # National values are not placeholders, and every solution is included.
    assert not any(r.placeholder for r in parties.blocks[1].runs)
    assert "t-kinderen" in [c.clause.id for c in document.clauses]


def test_reference_to_missing_clause_names_both(portfolio, tmp_path):
    path, [problem] = problems_after_appending(
        portfolio, tmp_path, "\nZie {{ ref('t-bestaat-niet') }}.\n"
    )
    assert problem.file == path and problem.line == 10
    assert (
        "clause 't-kosten' refers to clause 't-bestaat-niet', which does not exist"
        in problem.message
    )


def test_reference_to_excluded_clause_is_an_error(portfolio, tmp_path):
    path, problems = problems_after_appending(
        portfolio, tmp_path, "\nZie {{ ref('t-kinderen') }}.\n"
    )
    build(portfolio, "den-bosch-noord", path.parent)  # included there: fine
    message = problems[0].message
    assert "clause 't-kosten' refers to clause 't-kinderen', which is not included" in message
    assert "linde-en-eik" in message


def test_undefined_variable_names_file_and_line(portfolio, tmp_path):
    path, [problem] = problems_after_appending(
        portfolio, tmp_path, "\n\nDe KvK is {{ ziekenhuis.kvk_nummer }}.\n"
    )
    assert (problem.file, problem.line) == (path, 11)
    assert "kvk_nummer" in problem.message


def test_template_syntax_error_names_file_and_line(portfolio, tmp_path):
    root = copy_library(tmp_path)
    path = root / "40-doel.md"
    path.write_text(path.read_text().replace("{{ ref('t-kosten') }}", "{{ ref('t-kosten' }}"))
    with pytest.raises(ClauseError) as caught:
        build(portfolio, "linde-en-eik", root)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (path, 11)


def test_sandbox_refuses_attribute_tricks(portfolio, tmp_path):
    _, [problem] = problems_after_appending(portfolio, tmp_path, "\n{{ ''.__class__.__mro__ }}\n")
    assert "SecurityError: access to attribute '__class__'" in problem.message


def test_bad_clause_heads_are_all_reported(tmp_path):
    root = copy_library(tmp_path)
    (root / "50-kosten.md").write_text(
        "---\nid: t-kosten\nversion: 1\ntitle: Kosten\n"
        "documents: [intentieverklring]\norder: 30\n"
        "titel: x\n---\nTekst.\n"
    )
    (root / "90-dubbel.md").write_text((BASIC / "40-doel.md").read_text())
    (root / "95-geen-kop.md").write_text("Alleen tekst.\n")
    with pytest.raises(ClauseError) as caught:
        load_clauses(root)
    found = {
        (p.file.name, p.line, p.path): f"{p.message} ({p.hint})" for p in caught.value.problems
    }
    assert "does not have the form" in found[("50-kosten.md", 3, "version")]
    assert "did you mean 'intentieverklaring'" in found[("50-kosten.md", 5, "documents")]
    assert "did you mean 'title'" in found[("50-kosten.md", 7, "titel")]
    assert "duplicate clause id 't-doel'" in found[("90-dubbel.md", 2, "id")]
    assert "YAML head" in found[("95-geen-kop.md", 1, "")]


def test_duplicate_definition_names_both_clauses(portfolio, tmp_path):
    root = copy_library(tmp_path)
    path = root / "50-kosten.md"
    path.write_text(
        path.read_text().replace(
            "order: 30\n", "order: 30\ndefines:\n  AI-oplossing: iets anders\n"
        )
    )
    with pytest.raises(ClauseError) as caught:
        build(portfolio, "linde-en-eik", root)
    [problem] = caught.value.problems
    assert problem.file == path and problem.line == 8
    assert "term 'AI-oplossing' is also defined by clause 't-doel'" in problem.message


def test_lists_restart_lettering_under_each_subheading():
    from aifi_legal.assembly.blocks import parse_blocks as _parse

    blocks = _parse("## Eerste\n\n- een\n- twee\n\n## Tweede\n\n- drie\n", "bijlage", "1")
    assert [(b.label, b.text) for b in blocks] == [
        (None, "Eerste"),
        ("a.", "a. een"),
        ("b.", "b. twee"),
        (None, "Tweede"),
        ("a.", "a. drie"),
    ]


def test_failing_risk_condition_names_the_register(tmp_path):
    from conftest import ROOT

    from aifi_legal import load_project

    clauses = copy_library(tmp_path)
    (clauses / "risicos.yaml").write_text(
        "risks:\n  - id: R1\n    title: T\n    description: D\n    origin: O\n"
        "    likelihood: laag\n    likelihood_reason: L\n    impact: hoog\n"
        "    impact_reason: I\n    measures: [M]\n    owner: cmio\n    residual: laag\n"
        '    residual_reason: R\n    condition: "ziekenhuis.bestaat_niet"\n'
    )
    project = load_project(TWO_HOSPITALS, clauses, ROOT / "templates")
    with pytest.raises(ClauseError) as caught:
        project.assemble("intentieverklaring", project.portfolio.hospitals[0])
    [problem] = caught.value.problems
    assert problem.file.name == "risicos.yaml"
    assert (
        "risk condition 'ziekenhuis.bestaat_niet' fails (hospital linde-en-eik)" in problem.message
    )


def test_getal_formats_a_count_as_dutch_text_writes_it():
    from aifi_legal.assembly.formatting import getal

    assert getal(18000) == "18.000" and getal(450) == "450" and FILTERS["getal"] is getal


def test_risk_texts_render_with_the_context_and_empty_measures_drop_out(portfolio):
    from aifi_legal.assembly.clauses import Risk
    from aifi_legal.assembly.context import build_context, risk_context

    hospital = portfolio.hospitals[0]
    context = build_context(portfolio, hospital, "dpia")
    risk = Risk(
        id="R1",
        title="Titel",
        description="bij {{ ziekenhuis.short_name }}",
        origin="o",
        likelihood="laag",
        likelihood_reason="k",
        impact="hoog",
        impact_reason="i",
        measures=["{% if false %}nooit{% endif %}", "altijd"],
        owner="cmio",
        residual="laag",
        residual_reason="r",
    )
    chosen = risk_context([risk], context, lambda *_: True)["risicos"][0]
    assert chosen["description"] == f"bij {hospital.short_name}"
    assert chosen["measures"] == ["altijd"] and chosen["nr"] == "R1"
