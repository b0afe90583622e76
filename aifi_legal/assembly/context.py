"""The context a clause is rendered with: plain dicts built from the validated data.

A pure function of the portfolio, the hospital and the document kind, testable without any DOCX.
"""

from __future__ import annotations

from typing import Any

from ..documents import KINDS, DocumentRef
from ..inputs.models import (
    Consortium,
    Group,
    Hospital,
    Party,
    Portfolio,
    Processor,
    Signatory,
    Solution,
    SubProcessor,
)
from .formatting import add_months, last_day_before
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


def _party(party: Party, kind: str | None = None) -> dict[str, Any]:
    """A party; with `kind`, only the signatories who sign documents of that kind."""
    signatories = party.signatories_for(kind) if kind else party.signatories
    return {
        "legal_name": party.legal_name,
        "short_name": party.short_name,
        "legal_form": party.legal_form.dutch,
        "seat": party.seat,
        "kvk": party.kvk,
        "address": {**party.address.model_dump(), "one_line": party.address.one_line},
        "signatories": [_signatory(s, party) for s in signatories],
        "represented_jointly": party.represented_jointly,
    }


def consortium_context(consortium: Consortium, kind: str | None = None) -> dict[str, Any]:
    """AIFI as a party, with its contact and the programme facts."""
    return {
        **_party(consortium, kind),
        "contact": consortium.contact.model_dump(),
        "programme": consortium.programme.model_dump(),
    }


def hospital_context(hospital: Hospital, kind: str | None = None) -> dict[str, Any]:
    """A hospital as a party, with its contacts, systems, retention and consultations."""
    return {
        **_party(hospital, kind),
        "id": hospital.id,
        "group": hospital.group,
        "solutions": list(hospital.solutions),
        "contacts": hospital.contacts.model_dump(),
        "systems": hospital.systems.model_dump(),
        "retention": hospital.retention.model_dump(),
        "consulted": [c.model_dump() for c in hospital.consulted],
        "dpia": hospital.dpia.model_dump(),
    }


def _sub_processor(sub: SubProcessor, role: str) -> dict[str, Any]:
    return {**sub.model_dump(), "role": role,
            "outside_eea": [loc.model_dump() for loc in sub.locations if not loc.in_eea]}


def processor_context(processor: Processor, solutions: list[Solution],
                      kind: str | None = None) -> dict[str, Any]:
    """The processor with its sub-processors: hosting and the vendors of `solutions`."""
    hosting = _sub_processor(processor.hosting, "hosting van de centrale infrastructuur")
    subs = [hosting] + [_sub_processor(s.vendor, f"leverancier van de AI-oplossing {s.name} "
                                                 f"({s.product})") for s in solutions]
    data = processor.model_dump(exclude={"signatories", "hosting"})
    return {
        **data,
        **_party(processor, kind),
        "hosting": hosting,
        "subprocessors": subs,
        "outside_eea": [loc for sub in subs for loc in sub["outside_eea"]] +
                       [loc.model_dump() for loc in processor.locations if not loc.in_eea],
    }


LEVELS = ("laag", "gemiddeld", "hoog")
COLOURS = {"laag": "groen", "gemiddeld": "oranje", "hoog": "rood"}


def risk_level(likelihood: str, impact: str) -> str:
    """Kans x impact on the three-step scale of the Model DPIA Rijksdienst."""
    score = (LEVELS.index(likelihood) + 1) * (LEVELS.index(impact) + 1)
    return "laag" if score <= 2 else "gemiddeld" if score <= 4 else "hoog"


def risk_context(risks, context: dict[str, Any], holds) -> dict[str, Any]:
    """The DPIA's `risicos` and `risicomatrix` for a context.

    `risicos`: the risks whose condition holds, with level and owner; `risicomatrix`: rows by
    impact, high first, cells by likelihood with the ids of the risks in them.
    """
    chosen = []
    for risk in risks:
        if risk.condition and not holds(risk.condition, context):
            continue
        data = risk.model_dump()
        data["level"] = risk_level(risk.likelihood, risk.impact)
        data["colour"] = COLOURS[data["level"]]
        data["residual_colour"] = COLOURS[risk.residual]
        data["owner_role"] = ROLE_LABELS[risk.owner]
        data["owner_person"] = context["ziekenhuis"]["contacts"][risk.owner]
        chosen.append(data)
    matrix = []
    for impact in reversed(LEVELS):
        cells = []
        for likelihood in LEVELS:
            level = risk_level(likelihood, impact)
            ids = [r["id"] for r in chosen if r["likelihood"] == likelihood
                   and r["impact"] == impact]
            cells.append({"likelihood": likelihood, "level": level, "colour": COLOURS[level],
                          "risks": ", ".join(ids) if ids else "–"})
        matrix.append({"impact": impact, "cells": cells})
    return {"risicos": chosen, "risicomatrix": matrix}


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


def build_context(portfolio: Portfolio, hospital: Hospital | None, kind: str,
                  processor: Processor | None = None) -> dict[str, Any]:
    """The rendering context for one document.

    `hospital=None` builds the model document's, with placeholders for every hospital-specific
    value and every solution chosen. `processor` is the other party of a processor agreement.
    """
    consortium = portfolio.consortium
    if hospital is None:
        example = portfolio.hospitals[0]
        ziekenhuis = placeholderize(hospital_context(example, kind), "ziekenhuis")
        ziekenhuis["solutions"] = [s.id for s in portfolio.solutions]
        ziekenhuis["represented_jointly"] = False
        groep = {"number": Placeholder("groep.number"),
                 "start_date": Placeholder("groep.start_date")}
        chosen = list(portfolio.solutions)
    else:
        ziekenhuis = hospital_context(hospital, kind)
        group: Group = portfolio.group(hospital.group)
        groep = group.model_dump()
        chosen = [s for s in portfolio.solutions if s.id in hospital.solutions]
    version = consortium.documents.version
    document_kind = KINDS[kind]
    processors = portfolio.processors if hospital is None else portfolio.processors_of(hospital)
    context = {
        "aifi": consortium_context(consortium, kind),
        "ziekenhuis": ziekenhuis,
        "rollen": [{"rol": label, "persoon": ziekenhuis["contacts"][key]}
                   for key, label in ROLE_LABELS.items()],
        "oplossingen": [s.model_dump() for s in chosen],
        "alle_oplossingen": [s.model_dump() for s in portfolio.solutions],
        "groep": groep,
        "planning": _planning(consortium, groep["start_date"]),
        "document": {
            "kind": kind,
            "title": document_kind.title,
            "noun": document_kind.noun,
            "version": version,
            "date": consortium.documents.date,
            "id": DocumentRef(kind, hospital.id if hospital else None, version,
                              processor.id if processor else None).id,
        },
        "verwerkers": [processor_context(p, chosen) for p in processors],
    }
    if processor is not None:
        context["verwerker"] = processor_context(processor, chosen, kind)
    return context
