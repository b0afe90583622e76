"""What `amend` finds, as objects a notebook can read: provisions, notices, addenda, per hospital.

`review.amend` makes them; this module only holds them and says them in words and as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..register.ledger import Event
from .addendum import Addendum
from .changes import ClauseChange

# What a changed provision requires (the clause head's `after_signing` adds the last two).
AMENDMENT, NEW_VERSION, NOTICE, DPIA_REVIEW = (
    "wijziging",
    "nieuwe-versie",
    "kennisgeving-subverwerker",
    "herbeoordeling-dpia",
)
# The agreements a wijzigingsovereenkomst amends; an intention statement is issued again and a
# DPIA, the hospital's own assessment, is reviewed.
AMENDABLE = frozenset({"deelnameovereenkomst", "verwerkersovereenkomst"})


@dataclass(frozen=True)
class Provision:
    """One changed provision of a signed document and what it requires."""

    document: str  # file stem, e.g. verwerkersovereenkomst-nordlicht
    kind: str | None
    change: ClauseChange
    consequences: tuple[str, ...]
    why: str

    def record(self) -> dict[str, Any]:
        """The provision as plain data (JSON)."""
        return {
            "document": self.document,
            "kind": self.kind,
            "consequences": list(self.consequences),
            "why": self.why,
            **self.change.record(),
        }


@dataclass(frozen=True)
class Notice:
    """A sub-processor notice the processor agreement requires, with its terms."""

    document: str
    processor: str
    sent: date  # the notice date assumed: the plan's date
    objection_until: date  # the last day the hospital may object
    earliest_start: date  # the first day the sub-processor may process, without objection
    path: Path | None = None  # the notice written (DOCX), to send to the FG and project lead
    document_id: str | None = None

    def record(self) -> dict[str, Any]:
        """The notice as plain data (JSON)."""
        return {
            "path": str(self.path) if self.path else None,
            "document_id": self.document_id,
            "document": self.document,
            "processor": self.processor,
            "sent": self.sent.isoformat(),
            "objection_until": self.objection_until.isoformat(),
            "earliest_start": self.earliest_start.isoformat(),
        }


@dataclass
class HospitalAmendments:
    """What one hospital's signed documents need after the change."""

    hospital: str
    signed: list[str] = field(default_factory=list)  # file stems of the signed documents
    provisions: list[Provision] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)  # stems a change cannot amend
    superseded: list[str] = field(default_factory=list)  # changed, but no longer in force
    notices: list[Notice] = field(default_factory=list)
    dpia_review: list[str] = field(default_factory=list)  # the triggers, in words
    dpia_chapters: list[str] = field(default_factory=list)  # chapters that read differently
    dpia_risks: list[str] = field(default_factory=list)  # risks assessed anew, in words
    dpia_note: Path | None = None  # the review note written for the FG
    dpia_base: str | None = None  # the id of the DPIA the chapters are compared with
    dpia_note_id: str | None = None
    addenda: list[Addendum] = field(default_factory=list)  # the wijzigingsovereenkomsten written
    # Changed provisions an earlier addendum already gives their present text (pending or
    # signed), in words: nothing is written for them again.
    covered: list[str] = field(default_factory=list)
    folder: Path | None = None
    redlines: list[Path] = field(default_factory=list)

    @property
    def needed(self) -> bool:
        """Whether the change requires anything of this hospital's signed set."""
        return bool(self.provisions or self.new_versions or self.notices or self.dpia_review)

    def amendments(self) -> dict[str, list[Provision]]:
        """The provisions each agreement's wijzigingsovereenkomst replaces, by document."""
        found: dict[str, list[Provision]] = {}
        for provision in self.provisions:
            if AMENDMENT in provision.consequences and provision.document not in self.new_versions:
                found.setdefault(provision.document, []).append(provision)
        return found

    def record(self) -> dict[str, Any]:
        """The hospital's plan as plain data (JSON)."""
        return {
            "hospital": self.hospital,
            "signed": self.signed,
            "needed": self.needed,
            "amendments": {
                stem: [p.change.article for p in provisions]
                for stem, provisions in self.amendments().items()
            },
            "new_versions": self.new_versions,
            "superseded": self.superseded,
            "notices": [n.record() for n in self.notices],
            "dpia_review": self.dpia_review,
            "dpia_chapters": self.dpia_chapters,
            "dpia_risks": self.dpia_risks,
            "dpia_note": str(self.dpia_note) if self.dpia_note else None,
            "dpia_note_id": self.dpia_note_id,
            "addenda": [a.record() for a in self.addenda],
            "covered": self.covered,
            "provisions": [p.record() for p in self.provisions],
            "folder": str(self.folder) if self.folder else None,
            "redlines": [str(p) for p in self.redlines],
        }

    def to_text(self) -> str:
        """The hospital's plan in words, one block per consequence."""
        if not self.signed:
            return f"{self.hospital}: nothing signed yet; a new build replaces its documents."
        by_addendum: dict[str, list[str]] = {}
        for line in self.covered:
            article, _, which = line.rpartition(": in ")
            by_addendum.setdefault(which, []).append(article)
        covered = [
            f"  already amended by {which}: {'; '.join(articles)}"
            for which, articles in by_addendum.items()
        ]
        if not self.needed:
            if covered:
                return "\n".join([f"{self.hospital}: nothing new needed:", *covered])
            return (
                f"{self.hospital}: nothing needed: what it signed "
                f"({', '.join(self.signed)}) reads as the current data and clauses produce it."
            )
        lines = [f"{self.hospital}:", *covered]
        for stem in self.new_versions:
            lines.append(
                f"  {stem}: a NEW VERSION is needed (a party changed, or it is not amended)"
            )
        for stem in self.superseded:
            lines.append(
                f"  {stem}: changed, nothing needed: the signed participation agreement"
                " took its place"
            )
        written = {a.document: a for a in self.addenda}
        for stem, provisions in self.amendments().items():
            lines.append(f"  {stem}: wijzigingsovereenkomst, {len(provisions)} article(s):")
            lines += [f"    - {p.change.article} ({p.change.change}; {p.why})" for p in provisions]
            if stem in written:
                addendum = written[stem]
                lines.append(f"    to sign: {addendum.document_id}, written to {addendum.path}")
        for notice in self.notices:
            lines.append(
                f"  {notice.document}: sub-processor notice by {notice.processor}; objection "
                f"until {notice.objection_until}, processing from {notice.earliest_start} at "
                "the earliest" + (f"; written to {notice.path}" if notice.path else "")
            )
        if self.dpia_review:
            lines.append("  dpia: review needed (" + "; ".join(self.dpia_review) + ")")
            if self.dpia_chapters:
                lines.append("    chapters that change: " + "; ".join(self.dpia_chapters))
            if self.dpia_risks:
                lines.append("    risks assessed anew: " + "; ".join(self.dpia_risks))
            if self.dpia_note:
                lines.append(f"    review note for the FG: {self.dpia_note}")
        if self.folder:
            lines.append(f"  redlines and report in {self.folder}")
        return "\n".join(lines)


@dataclass
class AmendmentPlan:
    """What a change requires of every selected hospital's signed documents."""

    date: date
    hospitals: list[HospitalAmendments] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """One record per hospital."""
        return [h.record() for h in self.hospitals]

    def to_json(self) -> str:
        """The plan as JSON, with the field names of the Python objects."""
        document = {"version": 1, "date": self.date.isoformat(), "hospitals": self.records()}
        return json.dumps(document, indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """The plan in words, hospital by hospital."""
        return "\n".join(h.to_text() for h in self.hospitals) + "\n"

    def __repr__(self) -> str:
        needed = sum(1 for h in self.hospitals if h.needed)
        return f"<AmendmentPlan {len(self.hospitals)} hospital(s), {needed} with changes>"


def covering(
    provision: Provision,
    signed: dict[str, Any],
    texts: dict[str, str],
    existing: list[tuple[Path, dict[str, Any]]],
    state: dict[tuple[str, str], dict[str, Event]],
) -> str | None:
    """The earlier addendum that already gives this provision its present text, in words.

    One that was declined, or whose signature was revoked, covers nothing: the change is
    proposed again.
    """
    clause = provision.change.clause or ""
    now = texts.get(clause, "")  # "" for a provision that lapses
    for folder, entry in existing:
        if entry["amendment"].get("base_id") != signed.get("document_id"):
            continue
        if entry.get("provisions", {}).get(clause) != now:
            continue
        events = [
            e
            for (h, i), latest in state.items()
            if i == entry["document_id"]
            for e in latest.values()
        ]
        if any(e.event in ("declined", "revoked") for e in events):
            continue
        signed_count = sum(1 for e in events if e.event == "signed")
        how = "signed" if signed_count else "awaiting signature"
        return f"{entry['document_id']} ({folder.name}, {how})"
    return None
