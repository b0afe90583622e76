"""Every checklist item of legal-reference.md §8 is tagged on a clause every hospital gets."""

from __future__ import annotations

import pytest

DPA = {f"DPA-{n:02d}" for n in range(1, 30)}
DPIA = {f"DPIA-{n:02d}" for n in range(1, 25)}
CHECKLISTS = {"verwerkersovereenkomst": DPA, "dpia": DPIA}


@pytest.mark.parametrize("kind", sorted(CHECKLISTS))
def test_every_checklist_item_is_covered_for_every_hospital(example_project, kind):
    targets = [None, *example_project.portfolio.hospitals]  # None: the model document
    for hospital in targets:
        for ref in example_project.documents_of(hospital, [kind]):
            document = example_project.assemble(ref.kind, hospital, ref.processor_id)
            tags = {tag for rendered in document.clauses for tag in rendered.clause.head.tags}
            missing = sorted(CHECKLISTS[kind] - tags)
            assert not missing, (hospital.id if hospital else "model", missing)


@pytest.mark.parametrize("kind", sorted(CHECKLISTS))
def test_checklist_items_are_tagged_on_unconditional_clauses(example_project, kind):
    """Coverage must not depend on a hospital's choices: the tag sits on a clause without a
    condition."""
    unconditional = {
        tag
        for clause in example_project.library.for_kind(kind)
        if clause.head.condition is None
        for tag in clause.head.tags
    }
    assert not sorted(CHECKLISTS[kind] - unconditional)


def test_risk_register_covers_the_required_risks(example_project):
    titles = " ".join(
        r.title.lower() + " " + r.description.lower() for r in example_project.library.risks
    )
    for topic in (
        "toegang",
        "wijziging",
        "verlies",
        "herleiding",
        "vooringenomenheid",
        "automatiseringsbias",
        "drift",
        "lock-in",
        "andere doeleinden",
    ):
        assert topic in titles, topic


def test_no_risk_is_owned_by_the_fg(example_project):
    """The FG advises and supervises (art. 38(3) and (6) AVG); a risk owner is someone else."""
    assert all(r.owner != "privacy_officer" for r in example_project.library.risks)


@pytest.mark.parametrize("hospital_id", ["st-jozef-dalwijk", "maas-en-waal", "t-zandgoed"])
def test_readers_see_the_risks_numbered_without_gaps(example_project, hospital_id):
    hospital = example_project.portfolio.hospital(hospital_id)
    context = example_project.assemble("dpia", hospital).context
    numbers = [r["nr"] for r in context["risicos"]]
    assert numbers == [f"R{n}" for n in range(1, len(numbers) + 1)]
    assert set(context["risiconr"].values()) == set(numbers)
