"""A new modality by data only: a fictional hospital that chooses a fictional CT solution for
adults, outside emergency care. Its four documents must not speak of anything the data do not
say: no children, no emergency department, no fractures, no hand or wrist, no conventional X-ray,
no osteoporosis and no bone age; and they must name its own modality and population."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SCENARIOS
from test_golden import document_text

SCENARIO = SCENARIOS / "ct-volwassenen" / "hospitals.yaml"

FORBIDDEN = {
    "children": r"\bkinder\w*|\bkind\b|\bkinds\b|minderjarig\w*|\bouders\b|\bjeugdig\w*",
    "emergency department": r"\bSEH\b|SEH-|spoedeisende hulp|spoedeisende zorg",
    "fractures": r"fractu\w*",
    "hand and wrist": r"\bhand\b|\bpols\b|linkerhand",
    "conventional X-ray": r"röntgen\w*|\bCR\b|\bDX\b|CR/DX",
    "osteoporosis": r"osteopor\w*",
    "bone age": r"greulich|skelet\w*|bone ?age|boneage",
    "casts and implants": r"\bgips\b|implanta\w*",
}


@pytest.fixture(scope="module")
def ct_project():
    from aifi_legal import load_project

    root = Path(__file__).resolve().parent.parent
    return load_project(SCENARIO, root / "clauses", root / "templates")


# The title page of templates/dpia.docx (made by scripts/make_templates.py) has a fixed subtitle
# that names conventional X-ray. The template is not part of the clause library; until it takes
# its subtitle from the data, the line is left out here and test_title_page_names_no_modality
# records the defect.
TEMPLATE_SUBTITLE = "AI-ondersteunde beoordeling van röntgenopnamen via AIFI"


@pytest.fixture(scope="module")
def ct_raw_texts(ct_project, tmp_path_factory):
    result = ct_project.build(tmp_path_factory.mktemp("ct"))
    assert {d.kind for d in result.documents} == {
        "intentieverklaring",
        "deelnameovereenkomst",
        "verwerkersovereenkomst",
        "dpia",
    }
    return {d.kind: document_text(d.path) for d in result.documents}


@pytest.fixture(scope="module")
def ct_texts(ct_raw_texts):
    return {
        kind: text.replace(TEMPLATE_SUBTITLE + "\n", "") for kind, text in ct_raw_texts.items()
    }


def test_title_page_names_no_modality(ct_raw_texts):
    assert not re.search(FORBIDDEN["conventional X-ray"], ct_raw_texts["dpia"], re.IGNORECASE)


def test_the_scenario_data_are_valid_and_need_no_clause_of_their_own(ct_project):
    hospital = ct_project.portfolio.hospitals[0]
    solution = ct_project.portfolio.solution(hospital.solutions[0])
    assert solution.modality == "CT" and not solution.involves_children
    assert not solution.emergency_care
    for ref in ct_project.documents_of(hospital):
        document = ct_project.assemble(ref.kind, hospital, ref.processor_id)
        assert document.clauses


@pytest.mark.parametrize("topic", sorted(FORBIDDEN))
def test_no_document_speaks_of_what_the_data_do_not_say(ct_texts, topic):
    for kind, text in ct_texts.items():
        found = re.search(FORBIDDEN[topic], text, re.IGNORECASE)
        assert not found, (kind, topic, text[max(0, found.start() - 80) : found.end() + 80])


def test_the_documents_name_the_ct_modality_and_the_adult_population(ct_texts):
    for kind in ("deelnameovereenkomst", "verwerkersovereenkomst", "dpia"):
        text = ct_texts[kind]
        assert "PulmoScan CT 4" in text, kind
        assert "(CT)" in text or "CT-scans" in text, kind
    dpia = ct_texts["dpia"]
    assert "volwassenen vanaf 18 jaar" in dpia
    assert "CT-scans van de thorax" in dpia
    assert "de afdeling longziekten" in dpia


def test_the_dpia_assesses_the_reference_standard_of_the_ct_solution(ct_project):
    hospital = ct_project.portfolio.hospitals[0]
    document = ct_project.assemble("dpia", hospital)
    context = document.context
    titles = [r["title"] for r in context["risicos"]]
    assert "Onjuiste uitkomst door de referentiestandaard" in titles
    assert [r["nr"] for r in context["risicos"]] == [f"R{n}" for n in range(1, len(titles) + 1)]
    assert "Fleischner" in document.text()
