"""The context a clause is rendered with: plain dicts built from the validated data.

A pure function of the portfolio, the hospital and the document kind, testable without any DOCX.
"""

from __future__ import annotations

from typing import Any

from ..documents import KINDS, DocumentRef
from ..errors import ClauseError, Problem
from ..inputs.models import Hospital, Portfolio
from ..inputs.parties import Authority, Party, Signatory
from ..inputs.processing import Processor, Solution, SubProcessor
from ..inputs.programme import Consortium, Group
from .formatting import add_months, last_day_before
from .formatting import opsomming as _and
from .jinja import ENV, render
from .memo import Fingerprints, render_once
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
        "dpia": {**hospital.dpia.model_dump(), "advised": hospital.dpia.advised},
        "volumes": [v.model_dump() for v in hospital.volumes],
        # The statutory board members (not a proxy), whatever document they sign.
        "board": [
            _signatory(s, hospital)
            for s in hospital.signatories
            if s.authority is not Authority.proxy
        ],
    }


def _sub_processor(sub: SubProcessor, role: str) -> dict[str, Any]:
    return {
        **sub.model_dump(),
        "role": role,
        "outside_eea": [loc.model_dump() for loc in sub.locations if not loc.in_eea],
    }


def profile_rows(processor: Processor, solutions: list[Solution]) -> list[dict[str, Any]]:
    """The positive list of the pseudonymisation profile for the chosen solutions.

    The processor's rows first, then each solution's extra attributes not on it yet (by tag).
    """
    rows, tags = [], set()
    for attribute in [
        *processor.pseudonymisation.kept,
        *(a for s in solutions for a in s.dicom_attributes),
    ]:
        if attribute.tag in tags:
            continue
        tags.add(attribute.tag)
        needed_by = [s.name for s in solutions if attribute in s.dicom_attributes]
        rows.append({**attribute.model_dump(), "needed_by": needed_by})
    return rows


def processor_context(
    processor: Processor, solutions: list[Solution], kind: str | None = None
) -> dict[str, Any]:
    """The processor with its sub-processors: hosting and the vendors of `solutions`."""
    hosting = _sub_processor(processor.hosting, "hosting van de Centrale Infrastructuur")
    subs = [hosting] + [
        _sub_processor(s.vendor, f"leverancier van de AI-oplossing {s.name} ({s.product})")
        for s in solutions
    ]
    data = processor.model_dump(exclude={"signatories", "hosting"})
    return {
        **data,
        **_party(processor, kind),
        "hosting": hosting,
        "subprocessors": subs,
        "outside_eea": [loc for sub in subs for loc in sub["outside_eea"]]
        + [loc.model_dump() for loc in processor.locations if not loc.in_eea],
        "profile": profile_rows(processor, solutions),
    }


LEVELS = ("laag", "gemiddeld", "hoog")
COLOURS = {"laag": "groen", "gemiddeld": "oranje", "hoog": "rood"}


def risk_level(likelihood: str, impact: str) -> str:
    """Kans x impact on the three-step scale of the Model DPIA Rijksdienst."""
    score = (LEVELS.index(likelihood) + 1) * (LEVELS.index(impact) + 1)
    return "laag" if score <= 2 else "gemiddeld" if score <= 4 else "hoog"


# The texts of a risk may use the clause context with Jinja (`{{ ... }}`, `{% if ... %}`), so that
# a risk speaks of the hospital's own solutions, systems and terms; the title stays plain text.
RISK_TEXT_FIELDS = (
    "description",
    "origin",
    "likelihood_reason",
    "impact_reason",
    "residual_reason",
)
_RISK_TEMPLATES: dict[str, Any] = {}


def _risk_text(text: str, prints: Fingerprints, where: str) -> str:
    """A risk text rendered with the context (compiled once per text); whitespace folded."""
    if "{" not in text:
        return text

    def render_now() -> str:
        template = _RISK_TEMPLATES.get(text)
        if template is None:
            template = _RISK_TEMPLATES[text] = ENV.from_string(text)
        return " ".join(render(template, prints.context).split())

    try:
        return render_once("risk", text, prints, render_now)
    except Exception as exc:  # an unknown field or a syntax error in risicos.yaml
        raise ClauseError(
            [Problem(None, None, f"risicos.yaml: {where}", f"{type(exc).__name__}: {exc}")]
        ) from None


def risk_context(risks, context: dict[str, Any], holds) -> dict[str, Any]:
    """The DPIA's `risicos` and `risicomatrix` for a context.

    `risicos`: the risks whose condition holds, with level and owner, their texts rendered with
    the context (a measure that renders empty is left out); `risicomatrix`: rows by impact,
    high first, cells by likelihood with the numbers of the risks in them.
    """
    chosen: list[dict[str, Any]] = []
    prints = Fingerprints(context)
    for risk in risks:
        if risk.condition and not holds(risk.condition, context):
            continue
        data = risk.model_dump()
        for name in RISK_TEXT_FIELDS:
            data[name] = _risk_text(data[name], prints, f"{risk.id}.{name}")
        data["measures"] = [
            m
            for m in (
                _risk_text(text, prints, f"{risk.id}.measures[{i}]")
                for i, text in enumerate(data["measures"])
            )
            if m
        ]
        data["level"] = risk_level(risk.likelihood, risk.impact)
        data["colour"] = COLOURS[data["level"]]
        data["residual_colour"] = COLOURS[risk.residual]
        data["owner_role"] = ROLE_LABELS[risk.owner]
        data["owner_person"] = context["ziekenhuis"]["contacts"][risk.owner]
        # Readers see the included risks numbered without gaps (R1, R2, ...); clauses refer to
        # a risk by its register id through `risiconr`.
        data["nr"] = f"R{len(chosen) + 1}"
        chosen.append(data)
    matrix = []
    for impact in reversed(LEVELS):
        cells = []
        for likelihood in LEVELS:
            level = risk_level(likelihood, impact)
            ids = [
                r["nr"] for r in chosen if r["likelihood"] == likelihood and r["impact"] == impact
            ]
            cells.append(
                {
                    "likelihood": likelihood,
                    "level": level,
                    "colour": COLOURS[level],
                    "risks": ", ".join(ids) if ids else "–",
                }
            )
        matrix.append({"impact": impact, "cells": cells})
    return {
        "risicos": chosen,
        "risicomatrix": matrix,
        "risiconr": {r["id"]: r["nr"] for r in chosen},
    }


def _planning(consortium: Consortium, start) -> dict[str, Any]:
    planning: dict[str, Any] = {}
    programme = consortium.programme
    model = isinstance(start, Placeholder)
    for dutch, field in PILLARS.items():
        months = getattr(programme.planning, field)
        planning[dutch] = {
            "first": months.first,
            "last": months.last,
            "begin": Placeholder(f"planning.{dutch}.begin", f"[eerste dag van de {dutch}e fase]")
            if model
            else add_months(start, months.first - 1),
            # The last day of the period: written "tot en met" in the clauses.
            "einde": Placeholder(f"planning.{dutch}.einde", f"[laatste dag van de {dutch}e fase]")
            if model
            else last_day_before(add_months(start, months.last)),
        }
    legal_end = add_months(start, programme.planning.legal.last)
    go_live = add_months(start, programme.planning.clinical.last)
    # The earliest first processing of patient data: the day after the legal phase, in which
    # the processor agreement is signed and the DPIA adopted.
    planning["eerste_verwerking"] = (
        Placeholder("planning.eerste_verwerking", "[eerste dag na de juridische fase]")
        if model
        else legal_end
    )
    # The expected Datum Functioneel Gebruik: the day after the clinical phase.
    planning["functioneel_gebruik"] = (
        Placeholder("planning.functioneel_gebruik", "[verwachte Datum Functioneel Gebruik]")
        if model
        else go_live
    )
    planning["herbeoordeling"] = (
        Placeholder("planning.herbeoordeling", "[uiterste datum herbeoordeling DPIA]")
        if model
        else last_day_before(add_months(go_live, programme.dpia_review_months))
    )
    return planning


def build_context(
    portfolio: Portfolio, hospital: Hospital | None, kind: str, processor: Processor | None = None
) -> dict[str, Any]:
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
        groep = {
            "number": Placeholder("groep.number"),
            "start_date": Placeholder("groep.start_date"),
        }
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
        "rollen": [
            {"rol": label, "persoon": ziekenhuis["contacts"][key]}
            for key, label in ROLE_LABELS.items()
        ],
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
            "signed": hospital.signs(kind) if hospital else True,
            "id": DocumentRef(
                kind,
                hospital.id if hospital else None,
                version,
                processor.id if processor else None,
            ).id,
        },
        "verwerkers": [processor_context(p, chosen) for p in processors],
    }
    if processor is not None:
        context["verwerker"] = processor_context(processor, chosen, kind)
    # Each chosen solution with the hospital's expected volume of it.
    for solution in context["oplossingen"]:
        if hospital is None:
            solution["volume"] = {
                "studies_per_year": Placeholder("volume.studies_per_year"),
                "children_per_year": Placeholder("volume.children_per_year"),
            }
        else:
            volume = hospital.volume(solution["id"])
            solution["volume"] = (
                volume.model_dump() if volume else {"studies_per_year": 0, "children_per_year": 0}
            )
    meer = len(processors) > 1
    vwo = "de Verwerkersovereenkomsten" if meer else "de Verwerkersovereenkomst"
    in_vwo = kind == "verwerkersovereenkomst"
    # How the documents name the parties and the agreements (one glossary for the four).
    context["namen"] = {
        "zh": "de Verwerkingsverantwoordelijke" if in_vwo else "het Ziekenhuis",
        "Zh": "De Verwerkingsverantwoordelijke" if in_vwo else "Het Ziekenhuis",
        "il": "de Verwerker" if in_vwo else "de Infrastructuurleverancier",
        "Il": "De Verwerker" if in_vwo else "De Infrastructuurleverancier",
        "vwo": "deze verwerkersovereenkomst" if in_vwo else vwo,
        "vwo_meer": meer and not in_vwo,
    }
    context["leveranciers"] = list(dict.fromkeys(s.vendor.legal_name for s in chosen))
    # The chosen solutions by name in running text; a model document names no solutions.
    names = [s.name for s in chosen]
    context["model"] = hospital is None
    context["gekozen"] = (
        Placeholder("gekozen", "[namen van de gekozen AI-oplossingen]")
        if hospital is None
        else _and(names)
    )
    context["gekozen_klein"] = (
        Placeholder("gekozen", "[namen van de gekozen AI-oplossingen]")
        if hospital is None
        else _and([n.lower() for n in names])
    )
    context["contractwaarde"] = (
        Placeholder("contractwaarde", "[geschatte waarde van de deelname]")
        if hospital is None
        else portfolio.contract_value(hospital)
    )
    return context
