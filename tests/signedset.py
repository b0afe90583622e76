"""A hospital of the two-hospital scenario with its agreements signed, and a change after it.

Shared by the tests of what follows signing (test_amend.py, test_notices.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

HOSPITAL = "linde-en-eik"
SIGNED = ("intentieverklaring", "deelnameovereenkomst", "verwerkersovereenkomst")
SIGNED_ON = "2027-04-08"


def sign_agreements(project, out: Path, today: date, hospital: str = HOSPITAL) -> None:
    """Record every signature of the hospital's agreements, on paper, on SIGNED_ON.

    `today` is the clock `sign` checks dates against (the fixture documents are dated in the
    future).
    """
    import aifi_legal.register.record as record

    clock = record._today
    record._today = lambda: today
    try:
        for kind in SIGNED:
            processor = "nordlicht" if kind == "verwerkersovereenkomst" else None
            for role in project.signatories(kind, hospital, processor):
                project.record(
                    hospital,
                    kind,
                    processor=processor,
                    signatory=role.name,
                    date=SIGNED_ON,
                    method="paper",
                    out=out,
                )
    finally:
        record._today = clock


def add_bone_age(text: str) -> str:
    """Linde & Eik takes skeletleeftijd too: a solution whose vendor is a new sub-processor."""
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
