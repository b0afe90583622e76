"""The context a clause is rendered with: plain dicts built from the validated data.

A pure function of the portfolio, the hospital and the document kind, testable without any DOCX.
"""

from __future__ import annotations

from typing import Any

from .formatting import add_months, last_day_before
from .kinds import KINDS
from .models import Consortium, Group, Hospital, Party, Portfolio, Signatory, Solution
from .placeholders import Placeholder, placeholderize

ROLE_LABELS = {
    "project_lead": "Algemeen projectleider",
    "legal": "Aanspreekpunt juridisch",
    "privacy_officer": "Privacy officer / functionaris gegevensbescherming (FG)",
    "security_officer": "Security officer / (C)ISO",
    "cmio": "CMIO / gemandateerd radioloog",
    "radiology_management": "Management / aanspreekpunt afdeling radiologie",
    "technical": "Aanspreekpunt pijler Technisch",
    "clinical": "Aanspreekpunt pijler Klinisch",
}

PILLARS = {"juridisch": "legal", "technisch": "technical", "klinisch": "clinical"}


def _signatory(signatory: Signatory, party: Party) -> dict[str, Any]:
    return {
        "name": signatory.name,
        "function": signatory.function,
        "authority": signatory.authority.value,
        "capacity": signatory.capacity,
        "place": signatory.place or party.seat,
    }


def _party(party: Party) -> dict[str, Any]:
    return {
        "legal_name": party.legal_name,
        "short_name": party.short_name,
        "legal_form": party.legal_form.dutch,
        "seat": party.seat,
        "kvk": party.kvk,
        "address": {**party.address.model_dump(), "one_line": party.address.one_line},
        "signatories": [_signatory(s, party) for s in party.signatories],
        "represented_jointly": party.represented_jointly,
    }


def consortium_context(consortium: Consortium) -> dict[str, Any]:
    return {
        **_party(consortium),
        "contact": consortium.contact.model_dump(),
        "programme": consortium.programme.model_dump(),
    }


def hospital_context(hospital: Hospital) -> dict[str, Any]:
    return {
        **_party(hospital),
        "id": hospital.id,
        "group": hospital.group,
        "solutions": list(hospital.solutions),
        "contacts": hospital.contacts.model_dump(),
    }


def solution_context(solution: Solution) -> dict[str, Any]:
    return solution.model_dump()


def _planning(consortium: Consortium, start) -> dict[str, Any]:
    planning = {}
    for dutch, field in PILLARS.items():
        months = getattr(consortium.programme.planning, field)
        planning[dutch] = {
            "first": months.first,
            "last": months.last,
            "begin": add_months(start, months.first - 1),
            # The last day of the period: written "tot en met" in the clauses.
            "einde": last_day_before(add_months(start, months.last)),
        }
    return planning


def document_id(kind: str, hospital_id: str, version: str) -> str:
    """`AIFI-DNO-ST-JOZEF-DALWIJK-V1.0`: stable for the same kind, hospital and version."""
    return f"AIFI-{KINDS[kind].code}-{hospital_id.upper()}-V{version}"


def build_context(portfolio: Portfolio, hospital: Hospital | None, kind: str) -> dict[str, Any]:
    """The rendering context for one document; `hospital=None` builds the model document's,
    with placeholders for every hospital-specific value and every solution chosen."""
    consortium = portfolio.consortium
    if hospital is None:
        example = portfolio.hospitals[0]
        ziekenhuis = placeholderize(hospital_context(example), "ziekenhuis")
        ziekenhuis["solutions"] = [s.id for s in portfolio.solutions]
        ziekenhuis["represented_jointly"] = False
        groep = {"number": Placeholder("groep.number"), "start_date": Placeholder("groep.start_date")}
        chosen = list(portfolio.solutions)
        hospital_key = "MODEL"
    else:
        ziekenhuis = hospital_context(hospital)
        group: Group = portfolio.group(hospital.group)
        groep = group.model_dump()
        chosen = [s for s in portfolio.solutions if s.id in hospital.solutions]
        hospital_key = hospital.id
    version = consortium.documents.version
    document_kind = KINDS[kind]
    return {
        "aifi": consortium_context(consortium),
        "ziekenhuis": ziekenhuis,
        "rollen": [{"rol": label, "persoon": ziekenhuis["contacts"][key]}
                   for key, label in ROLE_LABELS.items()],
        "oplossingen": [solution_context(s) for s in chosen],
        "alle_oplossingen": [solution_context(s) for s in portfolio.solutions],
        "groep": groep,
        "planning": _planning(consortium, groep["start_date"]),
        "document": {
            "kind": kind,
            "title": document_kind.title,
            "noun": document_kind.noun,
            "version": version,
            "date": consortium.documents.date,
            "id": document_id(kind, hospital_key, version),
        },
    }
