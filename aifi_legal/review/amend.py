"""After signing: what a change of the data or the clause library requires of a signed set.

Per hospital, what it signed (the register and the signed originals, in its folder or in
`archief/`) is compared, clause by clause, with what the current data and clause library
produce. Each changed provision gets its consequence: an amendment of the agreement (one
article of a *wijzigingsovereenkomst* per provision), a notice of a new or changed
sub-processor with the date until which the hospital may object, a review of the DPIA, or,
when a party itself changed, a new version of the document. A change that needs nothing says
so. The redline of each affected document and the change report are written to
`OUT/<hospital>/wijzigingen/<NNN>-<date>/`.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..assembly.clauses import ClauseLibrary
from ..documents import KINDS
from ..errors import UsageError
from ..output.build import build as build_documents
from ..output.files import write_atomic
from ..output.lock import folder_lock
from ..output.manifest import manifest_entries
from ..output.signed import signed_index
from ..register.ledger import Register
from ..source import DocumentSource
from ..word.conventions import DOCUMENT_TIME
from ..word.reader import normalise, read_docx
from .changes import HEADERS_AND_FOOTERS, TITLE_PAGE, ClauseChange
from .diff import REDLINE_SUFFIX, DocumentDiff, _by_stem, _compare, _signed_originals
from .dpia_note import dpia_note_docx
from .notice import notice_docx
from .redline import redline

AMENDMENT_FOLDER = "wijzigingen"
AUTHOR = "aifi-legal"
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
    dpia_note: Path | None = None  # the review note written for the FG
    dpia_base: str | None = None  # the id of the DPIA the chapters are compared with
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
            "dpia_note": str(self.dpia_note) if self.dpia_note else None,
            "provisions": [p.record() for p in self.provisions],
            "folder": str(self.folder) if self.folder else None,
            "redlines": [str(p) for p in self.redlines],
        }

    def to_text(self) -> str:
        """The hospital's plan in words, one block per consequence."""
        if not self.signed:
            return f"{self.hospital}: nothing signed yet; a new build replaces its documents."
        if not self.needed:
            return (
                f"{self.hospital}: nothing needed: what it signed "
                f"({', '.join(self.signed)}) reads as the current data and clauses produce it."
            )
        lines = [f"{self.hospital}:"]
        for stem in self.new_versions:
            lines.append(
                f"  {stem}: a NEW VERSION is needed (a party changed, or it is not amended)"
            )
        for stem in self.superseded:
            lines.append(
                f"  {stem}: changed, nothing needed: the signed participation agreement"
                " took its place"
            )
        for stem, provisions in self.amendments().items():
            lines.append(f"  {stem}: wijzigingsovereenkomst, {len(provisions)} article(s):")
            lines += [f"    - {p.change.article} ({p.change.change}; {p.why})" for p in provisions]
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


def plan_amendments(
    source: DocumentSource,
    register: Register,
    out: str | Path = "out",
    *,
    hospitals: str | tuple[str, ...] | list[str] = (),
    group: int | None = None,
    today: date | None = None,
    write: bool = True,
) -> AmendmentPlan:
    """Compare what each hospital signed with the current inputs; see `Project.amend`."""
    out = Path(out)
    if not out.is_dir():
        raise UsageError(f"{out} is not a folder", argument="out", value=str(out))
    when = today or _today()
    chosen = source.select(hospitals, group)
    plan = AmendmentPlan(when)
    originals = signed_index(register)
    with tempfile.TemporaryDirectory(prefix="aifi-amend-") as scratch:
        current = Path(scratch) / "out"
        # The current inputs of the hospitals that signed something, built where nothing is
        # signed: the register is an empty one.
        signing = [h.id for h in chosen if h.id in originals]
        if signing:
            build_documents(
                source, Register(Path(scratch) / "leeg-register.jsonl"), current, hospitals=signing
            )
        # Exclusive when writing: two runs never take the same numbered folder.
        with folder_lock(out, shared=not write):
            for hospital in chosen:
                plan.hospitals.append(
                    _plan_hospital(
                        source,
                        hospital.id,
                        _signed_originals(out / hospital.id, originals.get(hospital.id)),
                        _by_stem(manifest_entries(current / hospital.id), current / hospital.id),
                        _by_stem(manifest_entries(out / hospital.id), out / hospital.id),
                        when,
                        out / hospital.id / AMENDMENT_FOLDER if write else None,
                    )
                )
    return plan


def _plan_hospital(
    source: DocumentSource,
    hospital: str,
    signed: dict[str, dict[str, Any]],
    current: dict[str, dict[str, Any]],
    built: dict[str, dict[str, Any]],
    when: date,
    folder: Path | None,
) -> HospitalAmendments:
    result = HospitalAmendments(hospital, signed=sorted(signed))
    diffs: list[DocumentDiff] = []
    for stem in sorted(signed):
        diff = _compare(hospital, stem, signed[stem], current.get(stem), set(), None, "")
        if diff.kind == "intentieverklaring" and "deelnameovereenkomst" in signed:
            # The intention statement led to the participation agreement, which is signed:
            # it is not amended or signed again.
            if diff.changes:
                result.superseded.append(stem)
            continue
        diffs.append(diff)
        if diff.new_path is None:  # the document is no longer part of the set
            result.new_versions.append(stem)
            continue
        if not _same_parties(source, hospital, stem, diff):
            result.new_versions.append(stem)
        for change in diff.changes:
            provision = _provision(source.library, stem, diff.kind, change)
            if provision is not None:
                result.provisions.append(provision)
    for provision in result.provisions:
        if NEW_VERSION in provision.consequences and provision.document not in result.new_versions:
            result.new_versions.append(provision.document)
        if NOTICE in provision.consequences and not any(
            n.document == provision.document for n in result.notices
        ):
            result.notices.append(_notice(source, provision.document, when))
        if DPIA_REVIEW in provision.consequences:
            title = KINDS[provision.kind].title if provision.kind in KINDS else provision.document
            result.dpia_review.append(f"{title}, {provision.change.article}")
    if result.dpia_review:
        # Compared with the DPIA as signed, or else as last built in OUT.
        base = signed.get("dpia") or built.get("dpia")
        if base is not None and "dpia" in current:
            diff = _compare(hospital, "dpia", base, current["dpia"], set(), None, "")
            result.dpia_chapters = list(dict.fromkeys(c.article for c in diff.changes if c.clause))
            result.dpia_base = diff.old_id
    if folder is not None and result.needed:
        result = _write(source, result, diffs, folder, when)
    return result


def _provision(
    library: ClauseLibrary, stem: str, kind: str | None, change: ClauseChange
) -> Provision | None:
    """The consequence of one changed passage, or None for one that needs nothing."""
    if change.clause is None:
        # The title page states the document's own version and date, the headers and footers
        # repeat it; the wijzigingsovereenkomst names the signed version itself.
        if change.article in (TITLE_PAGE, HEADERS_AND_FOOTERS):
            return None
        return Provision(stem, kind, change, (AMENDMENT,), "text outside the clauses")
    clause = library.clauses.get(change.clause)
    section = clause.head.section if clause else None
    if section in ("partijen", "ondertekening"):
        return None  # who the parties are is checked apart; who signs is already done
    if change.old_version and change.new_version and change.old_version != change.new_version:
        why = f"clause {change.clause} {change.old_version} -> {change.new_version}"
    elif change.change == "changed":
        why = f"the data in clause {change.clause} (same clause version)"
    else:
        why = f"clause {change.clause} {change.change}"
    if kind == "dpia":
        consequences: tuple[str, ...] = (DPIA_REVIEW,)
    elif kind in AMENDABLE:
        consequences = (AMENDMENT,)
    else:
        consequences = (NEW_VERSION,)
    if clause is not None:
        consequences += tuple(c for c in clause.head.after_signing if c not in consequences)
    return Provision(stem, kind, change, consequences, why)


def _same_parties(source: DocumentSource, hospital: str, stem: str, diff: DocumentDiff) -> bool:
    """Whether the signed document names every current party by its legal name and KvK."""
    if diff.old_path is None:
        return True
    signed = normalise(" ".join(p.text for p in read_docx(diff.old_path).body()))
    portfolio = source.portfolio
    processor = _processor_of(stem)
    by_key: dict[str, list[Any]] = {
        "ziekenhuis": [portfolio.hospital(hospital)],
        "aifi": [portfolio.consortium],
        "verwerker": [p for p in portfolio.processors if p.id == processor],
    }
    keys = KINDS[diff.kind].parties if diff.kind in KINDS else ("ziekenhuis",)
    return all(
        normalise(str(party.legal_name)) in signed and str(party.kvk) in signed
        for key in keys
        for party in by_key.get(key, [])
    )


def _notice(source: DocumentSource, stem: str, when: date) -> Notice:
    processor = next(p for p in source.portfolio.processors if p.id == _processor_of(stem))
    # The processor agreement: objection within objection_days of the notice; without a timely
    # objection the sub-processor may start once the notice term has passed.
    objection_until = when + timedelta(days=processor.objection_days)
    notice_ends = when + timedelta(days=processor.subprocessor_notice_days)
    earliest = max(notice_ends, objection_until + timedelta(days=1))
    return Notice(stem, processor.legal_name, when, objection_until, earliest)


def _write(
    source: DocumentSource,
    result: HospitalAmendments,
    diffs: list[DocumentDiff],
    folder: Path,
    when: date,
) -> HospitalAmendments:
    """The redlines and the change report, in the next numbered folder of the day."""
    taken = sorted(p.name for p in folder.glob("[0-9][0-9][0-9]-*")) if folder.is_dir() else []
    number = int(taken[-1][:3]) + 1 if taken else 1
    target = folder / f"{number:03d}-{when.isoformat()}"
    stamp = datetime.combine(when, DOCUMENT_TIME)
    redlines = []
    for diff in diffs:
        if diff.changes and diff.old_path and diff.new_path:
            # Built on the signed original: what the lawyer signed, with the change tracked.
            data, _ = redline(
                diff.old_path.read_bytes(), diff.new_path.read_bytes(), author=AUTHOR, when=stamp
            )
            path = target / f"{diff.stem}{REDLINE_SUFFIX}"
            write_atomic(path, data)
            redlines.append(path)
    result.folder, result.redlines = target, redlines
    originals = {diff.stem: diff.old_path for diff in diffs if diff.old_path}
    for index, notice in enumerate(result.notices):
        data, document_id = notice_docx(
            source,
            result.hospital,
            _processor_of(notice.document),
            originals[notice.document],
            notice,
            number,
        )
        path = target / f"{notice.document}-kennisgeving-subverwerker.docx"
        write_atomic(path, data)
        result.notices[index] = replace(notice, path=path, document_id=document_id)
    if result.dpia_review:
        base_id = result.dpia_base or source.ref(result.hospital, "dpia").id
        data, _ = dpia_note_docx(
            source,
            result.hospital,
            result.dpia_review,
            result.dpia_chapters,
            base_id,
            number,
            when,
        )
        result.dpia_note = target / "dpia-herbeoordeling.docx"
        write_atomic(result.dpia_note, data)
    write_atomic(target / "wijzigingen.txt", (result.to_text() + "\n").encode())
    as_json = json.dumps(result.record(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(target / "wijzigingen.json", as_json.encode())
    return result


def _processor_of(stem: str) -> str:
    """The processor id in a processor agreement's file stem (verwerkersovereenkomst-<id>)."""
    return stem.removeprefix("verwerkersovereenkomst-")


def _today() -> date:
    return date.today()
