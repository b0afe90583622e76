"""status: the due date is the legal pillar's last day, and a draft PDF is not ready to sign."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import ROOT, SOFFICE, TWO_HOSPITALS

from aifi_legal import load_project
from aifi_legal.register.status import legal_due


@pytest.fixture
def project(tmp_path):
    return load_project(
        TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", tmp_path / "signatures.jsonl"
    )


def test_overdue_starts_the_day_after_the_due_date(project, tmp_path):
    out = tmp_path / "out"
    project.build(out, hospitals=["linde-en-eik"])
    hospital = project.portfolio.hospital("linde-en-eik")
    due = legal_due(
        project.portfolio.consortium.programme, project.portfolio.group(hospital.group).start_date
    )
    on_the_day = project.status(out, hospitals=["linde-en-eik"], today=due)
    assert {d.due for d in on_the_day.documents} == {due}
    assert not any(d.overdue for d in on_the_day.documents)
    assert on_the_day.groups[0].overdue == 0
    after = project.status(out, hospitals=["linde-en-eik"], today=due + timedelta(days=1))
    assert all(d.overdue for d in after.documents)
    assert after.groups[0].overdue == 1
    assert {d.kind: d.status for d in after.documents} == {
        "intentieverklaring": "concept",
        "deelnameovereenkomst": "concept",
        "verwerkersovereenkomst": "concept",
        "dpia": "awaiting FG advice",
    }


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_a_concept_pdf_is_not_ready_to_sign(project, tmp_path):
    out = tmp_path / "out"
    project.build(out, hospitals=["linde-en-eik"], only="intentieverklaring", pdf=True, draft=True)
    [document] = project.status(out, hospitals=["linde-en-eik"]).documents[:1]
    assert document.kind == "intentieverklaring" and document.status == "concept"
    project.build(out, hospitals=["linde-en-eik"], only="intentieverklaring", pdf=True)
    [document] = project.status(out, hospitals=["linde-en-eik"]).documents[:1]
    assert document.status == "ready to sign"
