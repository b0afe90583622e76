"""The example hospitals' documents: complete, consistent, and specific to each hospital."""

from __future__ import annotations

import re

import pytest
from test_golden import document_text

LEFTOVERS = re.compile(r"\[invullen\]|\[●\]|\bXXX\b|\bTODO\b|lorem ipsum|\{\{|\{%|\bNone\b|"
                       r"(?<!\.)\.\.\.(?!\.)|…|\[\s*\]", re.IGNORECASE)
MINIMUM_WORDS = {"intentieverklaring": 700, "deelnameovereenkomst": 2500,
                 "verwerkersovereenkomst": 3500, "dpia": 5000}
# Documents that name exactly the chosen solutions' vendors and products.
STRICT_SOLUTIONS = {"deelnameovereenkomst", "verwerkersovereenkomst", "dpia"}


@pytest.fixture(scope="module")
def example_build(tmp_path_factory, example_project):
    return example_project.build(tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="module")
def texts(example_build):
    # The example hospitals each contract with one processor, so (hospital, kind) is unique.
    return {(d.hospital_id, d.kind): document_text(d.path) for d in example_build.documents}


def test_no_fill_in_markers_or_empty_fields(texts):
    for (hospital, kind), text in texts.items():
        assert not LEFTOVERS.search(text), (hospital, kind, LEFTOVERS.search(text).group(0))
        for line in text.splitlines():
            # "Label:" with nothing after it is an unfilled field (the signature date is a line).
            pattern = r"\b(Naam|Functie|Plaats|Bevoegdheid|E-mail):\s*(\||/|$)"
            assert not re.search(pattern, line), \
                (hospital, kind, line)


def test_documents_are_long_enough(example_build):
    for document in example_build.documents:
        assert document.words >= MINIMUM_WORDS[document.kind], document


def test_hospital_facts_agree_across_its_documents(example_project, texts):
    for hospital in example_project.portfolio.hospitals:
        for kind in MINIMUM_WORDS:
            text = " ".join(texts[(hospital.id, kind)].split())
            for fact in (hospital.legal_name, hospital.kvk, hospital.address.one_line,
                         *(s.name for s in hospital.signatories_for(kind))):
                assert fact in text, (hospital.id, kind, fact)
            others = [h for h in example_project.portfolio.hospitals if h.id != hospital.id]
            for other in others:
                assert other.legal_name not in text and other.kvk not in text


def test_only_the_chosen_solutions_appear(example_project, texts):
    solutions = {s.id: s for s in example_project.portfolio.solutions}
    for hospital in example_project.portfolio.hospitals:
        for kind in MINIMUM_WORDS:
            text = texts[(hospital.id, kind)]
            for solution_id, solution in solutions.items():
                present = solution.vendor.legal_name in text or solution.product in text
                if kind in STRICT_SOLUTIONS:
                    assert present == (solution_id in hospital.solutions), \
                        (hospital.id, kind, solution_id)
                else:
                    assert not present or solution_id in hospital.solutions


def test_planning_dates_follow_the_group_start(texts):
    # Group 1 starts 11 January 2027: the legal pillar (months 1-3) ends on 10 April 2027.
    assert "10 april 2027" in texts[("st-jozef-dalwijk", "deelnameovereenkomst")]
    # Group 2 starts 5 April 2027: the legal pillar ends on 4 July 2027.
    assert "4 juli 2027" in texts[("rijnstede", "deelnameovereenkomst")]
