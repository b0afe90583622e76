"""Consistency: what a hospital's documents say about it, compared with each other.

Facts (legal name, KvK, address, representatives, vendors, processors) and the terms traced
from the data (numbers, amounts, dates) are read from each document as it is now; a value one
document states otherwise than its siblings is an error, since nobody notices the
contradiction until it matters.
"""

from __future__ import annotations

import re
from collections import Counter

from ..inputs.models import Portfolio
from ..word.conventions import names_in_signature_cell, term_bookmark
from ..word.reader import DocxContent, normalise
from .findings import ERROR, WARNING, Finding
from .rules import COMPARITIE_SPAN, Facts, Target, clause_location, finding, show, signature_table

Terms = dict[str, list[tuple[str, str, str]]]  # field -> [(location, in the data, in the file)]


def terms(content: DocxContent, target: Target) -> tuple[list[Finding], Terms]:
    """Terms from the data (numbers, amounts, dates) as the document states them now.

    A term a person changed in Word is a warning naming the field, the place and both values;
    the terms are returned so that a hospital's documents can be compared on them.
    """
    found: list[Finding] = []
    stated: Terms = {}
    for rendered in target.expected.clauses:
        where = clause_location(rendered)
        for number, run in enumerate(rendered.term_runs(), start=1):
            now = content.terms.get(term_bookmark(rendered.clause.id, number))
            if now is None or run.term is None:
                continue  # the clause or the term was removed: reported by clauses()
            expected = normalise(run.text)
            stated.setdefault(run.term, []).append((where, expected, now))
            if now != expected:
                found.append(
                    finding(
                        WARNING,
                        "review.changed-term",
                        content,
                        target,
                        where,
                        "body",
                        f"{run.term} is {now!r} here, {expected!r} in the data",
                        "change the data and regenerate, or restore the term",
                    )
                )
    return found, stated


def term_consistency(hospital: str, documents: list[tuple[str, Terms]]) -> list[Finding]:
    """A term changed in one document but stated otherwise in a sibling: a contradiction."""
    found = []
    fields = sorted({name for _, stated in documents for name in stated})
    for name in fields:
        changed = [
            (path, where, now)
            for path, stated in documents
            for where, expected, now in stated.get(name, [])
            if now != expected
        ]
        if not changed:
            continue
        values = {now for path, stated in documents for _, _, now in stated.get(name, [])}
        if len(values) <= 1:
            continue
        others = sorted(v for v in values if v not in {c[2] for c in changed})
        for path, where, now in changed:
            found.append(
                Finding(
                    ERROR,
                    "consistency.term",
                    path,
                    hospital,
                    None,
                    where,
                    "body",
                    f"{name} is {now!r} here but "
                    + (", ".join(repr(v) for v in others) or "stated otherwise")
                    + " in the hospital's other documents",
                    "make the documents agree: change the data and regenerate them all",
                )
            )
    return found


def facts(content: DocxContent, target: Target, portfolio: Portfolio) -> Facts:
    """What this document's body states about its hospital, for comparison with its siblings.

    Headers and footers repeat the name from the template; a lawyer edits the body.
    """
    text = normalise(" ".join(p.text for p in content.body()))
    hospital = target.parties["ziekenhuis"]
    stated: Facts = {}
    comparitie = next(
        (
            content.clause_text(r.clause.id)
            for r in target.expected.clauses
            if r.clause.head.section == "partijen"
        ),
        "",
    )
    source = comparitie or text
    start = source.find(hospital.legal_name)
    if start >= 0:
        segment = source[start : start + COMPARITIE_SPAN]
        kvk = re.search(r"onder nummer (\d{8})", segment)
        address = re.search(
            r"kantoorhoudende (?:aan (?:de |het )?|op het adres )(.+?), "
            r"ingeschreven",
            segment,
        )
        # A document that does not state a fact (the DPIA has no comparitie) is not
        # compared on it; a missing comparitie is reported by required.parties.
        if kvk:
            stated["KvK number"] = kvk.group(1)
        if address:
            stated["address"] = address.group(1)
    stated["legal name"] = hospital.legal_name if hospital.legal_name in text else None
    signature = signature_table(content)
    if signature is not None:
        # Documents are compared when the data has the same people sign them; a proxy
        # limited to some kinds makes a separate group.
        signing = [s.name for s in hospital.signatories_for(target.ref.kind)]
        label = (
            "representatives"
            if signing == [s.name for s in hospital.signatories]
            else f"representatives signing the {target.ref.kind}"
        )
        stated[label] = tuple(sorted(names_in_signature_cell(signature[0][0])))
    vendors = {s.vendor.legal_name for s in portfolio.solutions}
    hosting = {p.hosting.legal_name for p in portfolio.processors}
    if target.ref.kind != "intentieverklaring":
        stated["AI vendors"] = tuple(sorted(v for v in vendors if v in text))
    if target.ref.kind in ("verwerkersovereenkomst", "dpia"):
        stated["sub-processors"] = tuple(sorted(v for v in vendors | hosting if v in text))
        stated["processors"] = tuple(
            sorted(p.legal_name for p in portfolio.processors if p.legal_name in text)
        )
    return stated


def consistency(hospital: str, documents: list[tuple[str, Facts]]) -> list[Finding]:
    """A fact that differs between a hospital's documents: an error on the odd ones out."""
    found = []
    keys = {key for _, stated in documents for key in stated}
    for key in sorted(keys):
        values = {path: stated[key] for path, stated in documents if key in stated}
        if len(set(values.values())) <= 1:
            continue
        majority = Counter(values.values()).most_common(1)[0][0]
        for path, value in values.items():
            if value != majority:
                found.append(
                    Finding(
                        ERROR,
                        "consistency",
                        path,
                        hospital,
                        None,
                        key,
                        "body",
                        f"{key} is {show(value)} here but {show(majority)} in the "
                        "hospital's other documents",
                        "make the documents agree, or regenerate them from the data",
                    )
                )
    return found
