"""Where the legal pillar stands: per hospital and document, and per implementation group.

State is derived, never stored: from what `build` wrote (the manifests) and from replaying the
signature register. "Overdue" is measured against the planning: the legal pillar runs in months
`programme.planning.legal` counted from the group's start date. After signing, the
sub-processor notices amend wrote and the DPIA reviews it asked for are listed per hospital
(see register/notices.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..assembly.formatting import add_months, last_day_before
from ..htmltable import html_table
from ..inputs.programme import Programme
from ..output.lock import folder_lock
from ..output.manifest import amendment_entries, amendment_ref, manifest_entries, verify_entry
from ..source import DocumentSource
from .ledger import Event, signature_state
from .notices import (
    NOT_SENT,
    OBJECTED,
    OPEN,
    DpiaReview,
    NoticeStatus,
    derive_notices,
    dpia_reviews,
)
from .roles import SignatureRole, signature_roles

NOT_BUILT, CONCEPT, READY, PARTLY, SIGNED, DECLINED = (
    "not built",
    "concept",
    "ready to sign",
    "partly signed",
    "signed",
    "declined",
)
CHANGED = "changed after build"  # the file's bytes are not the manifest's: build again
AWAITING_ADVICE = "awaiting FG advice"  # a draft DPIA: nobody signs it until the FG advised


@dataclass(frozen=True)
class DocumentStatus:
    """Where one document stands."""

    group: int
    hospital: str
    document: str  # file name without extension, e.g. verwerkersovereenkomst-nordlicht
    kind: str
    document_id: str
    status: str
    signed: tuple[str, ...]
    missing: tuple[str, ...]
    declined: tuple[str, ...]
    due: date  # the last day of the legal pillar for the hospital's group
    overdue: bool
    out_of_order: tuple[str, ...] = ()  # signed before everyone who signs first had signed
    last_reminded: date | None = None  # the latest `sent` event of this document id
    amends: str | None = None  # an addendum: the id of the signed agreement it amends


@dataclass(frozen=True)
class GroupStatus:
    """Where one implementation group stands."""

    group: int
    start_date: date
    legal_due: date
    hospitals: int
    through: int  # hospitals with every document signed
    overdue: int  # hospitals not through after the legal pillar's last day


@dataclass
class StatusReport:
    """The status of every selected document and group on one day."""

    today: date
    documents: list[DocumentStatus] = field(default_factory=list)
    groups: list[GroupStatus] = field(default_factory=list)
    notices: list[NoticeStatus] = field(default_factory=list)
    dpia_reviews: list[DpiaReview] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """One dict per document, for `pandas.DataFrame(report.records())`."""
        return [
            {
                **asdict(d),
                "signed": ", ".join(d.signed),
                "missing": ", ".join(d.missing),
                "declined": ", ".join(d.declined),
                "due": d.due.isoformat(),
                "out_of_order": ", ".join(d.out_of_order),
                "last_reminded": _iso(d) or "",
                "amends": d.amends or "",
            }
            for d in self.documents
        ]

    def to_json(self) -> str:
        """The JSON form: {today, documents, groups, notices, dpia_reviews}."""
        return (
            json.dumps(
                {
                    "today": self.today.isoformat(),
                    "documents": [
                        {**asdict(d), "due": d.due.isoformat(), "last_reminded": _iso(d)}
                        for d in self.documents
                    ],
                    "groups": [
                        {
                            **asdict(g),
                            "start_date": g.start_date.isoformat(),
                            "legal_due": g.legal_due.isoformat(),
                        }
                        for g in self.groups
                    ],
                    "notices": [n.record() for n in self.notices],
                    "dpia_reviews": [r.record() for r in self.dpia_reviews],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )

    def to_csv(self) -> str:
        """One CSV row per document, the columns of `records()`."""
        buffer = io.StringIO()
        rows = self.records()
        writer = csv.DictWriter(
            buffer, fieldnames=list(rows[0]) if rows else ["hospital"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()

    def to_text(self) -> str:
        """Per group, per hospital, per document, for a terminal."""
        lines = [f"Status on {self.today.isoformat()}"]
        for group in self.groups:
            lines.append(
                f"Group {group.group} (start {group.start_date.isoformat()}, legal "
                f"pillar due {group.legal_due.isoformat()}): {group.through} of "
                f"{group.hospitals} hospital(s) through the legal pillar"
                + (f", {group.overdue} overdue" if group.overdue else "")
            )
            hospitals = dict.fromkeys(d.hospital for d in self.documents if d.group == group.group)
            for hospital in hospitals:
                lines.append(f"  {hospital}")
                for d in self.documents:
                    if d.hospital != hospital:
                        continue
                    detail = ""
                    if d.missing and d.status in (PARTLY, READY):
                        detail = f" (missing, in signing order: {', '.join(d.missing)})"
                    if d.declined:
                        detail = f" (declined by: {', '.join(d.declined)})"
                    if d.out_of_order:
                        detail += f" (signed out of order: {', '.join(d.out_of_order)})"
                    # Once signed, when it was last sent no longer matters on a terminal.
                    if d.last_reminded and d.status != SIGNED:
                        detail += f" (last reminded {d.last_reminded.isoformat()})"
                    if d.amends:
                        detail += f" (wijzigingsovereenkomst to {d.amends})"
                    late = "  OVERDUE" if d.overdue else ""
                    lines.append(f"    {d.document:<40} {d.status}{detail}{late}")
                lines += self._after_signing(hospital)
        return "\n".join(lines) + "\n"

    def _after_signing(self, hospital: str) -> list[str]:
        """A hospital's sub-processor notices and the DPIA reviews it owes, as lines."""
        lines = []
        for n in (n for n in self.notices if n.hospital == hospital):
            new = f" ({', '.join(n.subprocessors)})" if n.subprocessors else ""
            who = f"{n.processor}{new}"
            lines.append(f"    sub-processor notice {n.document_id}, {who}:")
            terms = (
                f"objection until {n.objection_until.isoformat()}, processing from "
                f"{n.earliest_start.isoformat()}"
            )
            if n.state == NOT_SENT:
                state = f"not sent (dated {n.dated.isoformat()}; provisional: {terms})"
            elif n.state == OPEN:
                state = f"open: sent {_day(n.sent)}, {terms}"
            elif n.state == OBJECTED:
                state = f"BLOCKED: the hospital objected ({n.reason})"
                pending = [
                    d.document_id
                    for d in self.documents
                    if d.amends == n.document_id.rsplit("-", 1)[0] and d.status != SIGNED
                ]
                if pending:  # the addendum lists the sub-processor in its annex
                    state += f"; do not sign {', '.join(pending)} while the objection stands"
            else:
                state = f"{n.state} on {_day(n.accepted_on)}; processing from " + (
                    n.earliest_start.isoformat()
                )
            lines.append(f"      {state}")
            if n.flag:
                lines.append(f"      FLAG: {n.flag}")
        for r in (r for r in self.dpia_reviews if r.hospital == hospital and r.due):
            lines.append(
                f"    DPIA review due: {r.note} (change of {r.dated.isoformat()}): "
                + "; ".join(r.triggers)
            )
        return lines

    def _repr_html_(self) -> str:
        keys = ("group", "hospital", "document", "status", "missing", "overdue")
        return html_table(keys, self.records())

    def __repr__(self) -> str:
        signed = sum(d.status == SIGNED for d in self.documents)
        return f"<StatusReport {self.today}: {signed} of {len(self.documents)} documents signed>"


def _iso(document: DocumentStatus) -> str | None:
    return document.last_reminded.isoformat() if document.last_reminded else None


def _day(value: date | None) -> str:
    return value.isoformat() if value else "?"


def legal_due(programme: Programme, start: date) -> date:
    """The last day of the legal pillar for a group starting on `start`."""
    return last_day_before(add_months(start, programme.planning.legal.last))


def status(
    source: DocumentSource,
    out: Path,
    events: Iterable[Event],
    *,
    hospitals: str | Iterable[str] = (),
    group: int | None = None,
    today: date | None = None,
) -> StatusReport:
    """The status of every selected hospital's documents on `today` (default: today)."""
    # A build running in `out` is waited for, so that no half-committed folder is read.
    with folder_lock(out, shared=True):
        return _status(source, out, events, hospitals=hospitals, group=group, today=today)


def _status(
    source: DocumentSource,
    out: Path,
    events: Iterable[Event],
    *,
    hospitals: str | Iterable[str],
    group: int | None,
    today: date | None,
) -> StatusReport:
    today = today or date.today()
    report = StatusReport(today)
    events = list(events)
    state = signature_state(events)
    sent: dict[tuple[str, str], date] = {}
    for e in events:
        if e.event == "sent":
            key = (e.hospital, e.document_id)
            sent[key] = max(sent.get(key, e.date), e.date)
    portfolio = source.portfolio
    programme = portfolio.consortium.programme
    selected = source.select(hospitals, group)
    for hospital in selected:
        due = legal_due(programme, portfolio.group(hospital.group).start_date)
        manifest = manifest_entries(out / hospital.id)
        documents = [
            (ref, manifest.get(ref.file_name), out / hospital.id)
            for ref in source.documents_of(hospital)
        ]
        # The addenda `amend` wrote after signing: signed by the same parties, not part of the
        # legal pillar's due date.
        documents += [
            (amendment_ref(hospital.id, folder, entry), entry, folder)
            for folder, entry in amendment_entries(out / hospital.id)
        ]
        for ref, entry, folder in documents:
            roles = signature_roles(portfolio, ref)
            required = [r.name for r in roles]
            latest = state.get((hospital.id, ref.id), {})
            out_of_order = _out_of_order(roles, latest)
            signed = tuple(n for n in required if n in latest and latest[n].event == "signed")
            declined = tuple(n for n in required if n in latest and latest[n].event == "declined")
            missing = tuple(n for n in required if n not in signed)
            built = entry is not None and entry.get("document_id") == ref.id
            changed = built and bool(verify_entry(folder, entry or {}))
            if not roles:
                value = AWAITING_ADVICE if built else NOT_BUILT
            elif declined:
                value = DECLINED
            elif not missing:
                value = SIGNED
            elif changed:
                value = CHANGED
            elif signed:
                value = PARTLY
            elif (hospital.id, ref.id) in sent or (
                entry is not None and built and entry.get("pdf") and not entry["pdf"].get("draft")
            ):
                value = READY
            elif built:
                value = CONCEPT
            else:
                value = NOT_BUILT
            report.documents.append(
                DocumentStatus(
                    hospital.group,
                    hospital.id,
                    ref.stem,
                    ref.kind,
                    ref.id,
                    value,
                    signed,
                    missing,
                    declined,
                    due,
                    today > due and value != SIGNED and not ref.amendment,
                    out_of_order,
                    sent.get((hospital.id, ref.id)),
                    ref.base.id if ref.amendment else None,
                )
            )
    for number in sorted({h.group for h in selected}):
        start = portfolio.group(number).start_date
        members = [h.id for h in selected if h.group == number]
        through = [
            h
            for h in members
            if all(
                d.status == SIGNED
                for d in report.documents
                if d.hospital == h and d.amends is None
            )
        ]
        due = legal_due(programme, start)
        report.groups.append(
            GroupStatus(
                number,
                start,
                due,
                len(members),
                len(through),
                len(members) - len(through) if today > due else 0,
            )
        )
    report.notices = derive_notices(source, out, events, hospitals, group, today)
    report.dpia_reviews = dpia_reviews(source, out, events, hospitals=hospitals, group=group)
    return report


def _out_of_order(roles: list[SignatureRole], latest: dict[str, Event]) -> tuple[str, ...]:
    """Signatories who signed before every signatory of an earlier turn had signed."""
    signed = {name: e.date for name, e in latest.items() if e.event == "signed"}
    late = []
    for role in roles:
        if role.name not in signed:
            continue
        earlier = [r for r in roles if r.order < role.order]
        if any(r.name not in signed or signed[r.name] > signed[role.name] for r in earlier):
            late.append(role.name)
    return tuple(late)
