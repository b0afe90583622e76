"""Sub-processor notices and DPIA reviews after signing: what amend wrote, and where each stands.

`aifi-legal amend` writes, per hospital and run, `OUT/<hospital>/wijzigingen/<NNN>-<date>/`
with `wijzigingen.json`: the sub-processor notices it wrote (with the dates they print) and the
DPIA review note for the FG. Where each stands is derived, never stored: a notice's state from
the register's `sent`, `objected` and `accepted` events for its id, on a given day; a DPIA
review is due until the hospital's DPIA is signed on or after the note's date.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..assembly.formatting import add_months
from ..documents import AMENDMENT_FOLDER, CHANGE_REPORT, NOTICE_SUFFIX
from ..errors import AifiLegalError, InputError, Problem, UsageError, did_you_mean
from ..inputs.models import Portfolio
from ..output.lock import folder_lock
from ..source import DocumentSource
from ..word.reader import read_docx
from .events import NOTICE_EVENTS
from .ledger import Event, Register, new_event, signature_state

NOT_SENT, OPEN, OBJECTED, ACCEPTED, BY_SILENCE = (
    "not sent",  # no sent event: the deadlines are the notice's own, provisional
    "open",  # sent; the objection term runs
    "objected",  # the hospital objected: the sub-processor is blocked for it
    "accepted",  # accepted explicitly, or the objection withdrawn or resolved
    "accepted by silence",  # no objection by the last day to object
)
FLAG = "used before its notice term passed"
_BASE_VERSION = re.compile(r"-V(\d+\.\d+)-K\d{3}$")  # <agreement id>-K<NNN>


@dataclass(frozen=True)
class WrittenNotice:
    """A sub-processor notice as amend wrote it (one entry of a wijzigingen.json)."""

    hospital: str
    document_id: str
    document: str  # the processor agreement's file stem, verwerkersovereenkomst-<processor>
    processor: str  # its legal name
    dated: date  # the date the notice prints
    objection_until: date  # as printed
    earliest_start: date  # as printed
    path: Path  # the notice (DOCX), beside its wijzigingen.json


@dataclass(frozen=True)
class NoticeStatus:
    """Where one sub-processor notice stands on a day, for one hospital."""

    hospital: str
    group: int
    document_id: str
    document: str  # the processor agreement's file stem
    processor: str
    dated: date  # the date the notice prints
    sent: date | None  # the day it was sent, from the register
    objection_until: date  # the last day the hospital may object
    earliest_start: date  # the first day the sub-processor may process without objection
    state: str
    accepted_on: date | None = None
    reason: str | None = None  # the objection's reason
    blocked: bool = False  # objected: the sub-processor may not process for this hospital
    flag: str | None = None  # see _flag
    planned_start: date | None = None  # the first day of the group's clinical phase
    subprocessors: tuple[str, ...] = ()  # the new or changed sub-processors the notice names
    path: Path | None = None

    def record(self) -> dict[str, Any]:
        """The notice's state as plain data (JSON), with the field names above."""
        return {name: _plain(value) for name, value in asdict(self).items()}


@dataclass(frozen=True)
class DpiaReview:
    """A review of a hospital's DPIA that a change requires (amend's review note)."""

    hospital: str
    group: int
    note_id: str | None  # the note's document id, <DPIA id>-H<NNN> (None in older reports)
    path: Path | None  # the note (DOCX) for the FG
    dated: date  # the day of the change (the folder's date)
    triggers: tuple[str, ...]
    chapters: tuple[str, ...]  # DPIA chapters that read differently
    due: bool  # no DPIA signed on or after `dated`

    @property
    def note(self) -> str:
        """The note as it is named: its document id, else its path."""
        return self.note_id or str(self.path)

    def record(self) -> dict[str, Any]:
        """The review as plain data (JSON): the fields above, and `note`."""
        return {"note": self.note, **{k: _plain(v) for k, v in asdict(self).items()}}


def _plain(value: Any) -> Any:
    """A field's value as JSON has it: dates in ISO form, paths as text, tuples as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return list(value) if isinstance(value, tuple) else value


def change_reports(out: Path, hospital: str) -> list[tuple[Path, dict[str, Any]]]:
    """Every wijzigingen.json of a hospital under `out`, in folder order, with its folder."""
    base = out / hospital / AMENDMENT_FOLDER
    folders = sorted(base.glob("[0-9][0-9][0-9]-*")) if base.is_dir() else []
    found = []
    for folder in folders:
        path = folder / f"{CHANGE_REPORT}.json"
        if not path.is_file():
            continue
        try:
            record = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                [Problem(path, None, "", f"cannot read the change report: {exc}")],
                what="change reports",
                hint="amend writes it; restore it from a backup or run amend again",
            ) from None
        if isinstance(record, dict):
            found.append((folder, record))
    return found


def written_notices(out: str | Path, hospitals: Iterable[str]) -> list[WrittenNotice]:
    """Every sub-processor notice amend wrote under `out` for these hospitals, in order."""
    found = []
    for hospital in hospitals:
        for folder, record in change_reports(Path(out), hospital):
            for index, entry in enumerate(record.get("notices") or []):
                if isinstance(entry, dict) and not entry.get("document_id"):
                    continue  # planned, never written
                try:
                    found.append(_written(hospital, folder, entry))
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    report = folder / f"{CHANGE_REPORT}.json"
                    problem = f"notice {index + 1} cannot be read: {exc!r}"
                    raise InputError(
                        [Problem(report, None, f"notices[{index}]", problem)],
                        what="change reports",
                        hint="amend writes it; restore it from a backup or run amend again",
                    ) from None
    return found


def _written(hospital: str, folder: Path, entry: dict[str, Any]) -> WrittenNotice:
    stem = entry["document"]
    name = Path(entry.get("path") or f"{stem}{NOTICE_SUFFIX}.docx").name
    return WrittenNotice(
        hospital,
        entry["document_id"],
        stem,
        entry.get("processor") or stem,
        date.fromisoformat(entry["sent"]),
        date.fromisoformat(entry["objection_until"]),
        date.fromisoformat(entry["earliest_start"]),
        folder / name,  # beside the report, wherever OUT was when amend ran
    )


def notice_statuses(
    source: DocumentSource,
    out: str | Path,
    events: Iterable[Event],
    *,
    hospitals: str | Iterable[str] = (),
    group: int | None = None,
    today: date | None = None,
) -> list[NoticeStatus]:
    """Where every notice of the selected hospitals stands on `today` (default: today)."""
    with folder_lock(out, shared=True):
        return derive_notices(source, out, list(events), hospitals, group, today or _today())


def derive_notices(
    source: DocumentSource,
    out: str | Path,
    events: list[Event],
    hospitals: str | Iterable[str],
    group: int | None,
    today: date,
) -> list[NoticeStatus]:
    """The notices' states (see notice_statuses), the caller holding the folder's lock."""
    portfolio = source.portfolio
    selected = {h.id: h for h in source.select(hospitals, group)}
    result = []
    for notice in written_notices(out, selected):
        hospital = selected[notice.hospital]
        key = (notice.hospital, notice.document_id)  # what the register says as of `today`
        mine = [e for e in events if (e.hospital, e.document_id) == key and e.date <= today]
        sent = min((e.date for e in mine if e.event == "sent"), default=None)  # the first
        # The latest decision counts: an acceptance after an objection withdraws it.
        decision = next((e for e in reversed(mine) if e.event in ("objected", "accepted")), None)
        until, start = deadlines(notice, sent, _terms(portfolio, notice))
        accepted_on = None
        if decision is not None and decision.event == "objected":
            state = OBJECTED
        elif decision is not None:
            state, accepted_on = ACCEPTED, decision.date
        elif sent is None:
            state = NOT_SENT
        elif today <= until:
            state = OPEN
        else:
            state, accepted_on = BY_SILENCE, until + timedelta(days=1)
        planned = add_months(
            portfolio.group(hospital.group).start_date,
            portfolio.consortium.programme.planning.clinical.first - 1,
        )
        result.append(
            NoticeStatus(
                notice.hospital,
                hospital.group,
                notice.document_id,
                notice.document,
                notice.processor,
                notice.dated,
                sent,
                until,
                start,
                state,
                accepted_on,
                decision.note if state == OBJECTED and decision else None,
                state == OBJECTED,
                _flag(state, planned, start, today),
                planned,
                _subprocessors(notice.path),
                notice.path,
            )
        )
    return result


def deadlines(
    notice: WrittenNotice, sent: date | None, terms: tuple[int, int]
) -> tuple[date, date]:
    """The last day to object and the first day of processing, as they stand.

    Not sent: the dates the notice prints (provisional). Sent: counted from the day sent with
    the processor agreement's terms (objection days, notice days), but never earlier than the
    notice states: the hospital may rely on what it received, and the term runs from receipt.
    """
    if sent is None:
        return notice.objection_until, notice.earliest_start
    objection_days, notice_days = terms
    until = max(notice.objection_until, sent + timedelta(days=objection_days))
    start = max(
        notice.earliest_start, sent + timedelta(days=notice_days), until + timedelta(days=1)
    )
    return until, start


def _terms(portfolio: Portfolio, notice: WrittenNotice) -> tuple[int, int]:
    """(objection days, notice days) of the processor agreement, else as the notice printed."""
    processor_id = notice.document.removeprefix("verwerkersovereenkomst-")
    for processor in portfolio.processors:
        if processor.id == processor_id:
            return processor.objection_days, processor.subprocessor_notice_days
    # The processor left the data: the terms the notice itself was computed with.
    return (
        (notice.objection_until - notice.dated).days,
        (notice.earliest_start - notice.dated).days,
    )


def _flag(state: str, planned: date, start: date, today: date) -> str | None:
    """Whether the sub-processor would process before the notice lets it.

    The data has no start date per solution: the processor's processing for the hospital is
    planned from the first day of the group's clinical phase (group start + clinical.first - 1
    months). It is flagged when that day comes before the notice's first day of processing
    while that first day is still ahead (and the hospital did not accept expressly), or when
    that day has come while the sub-processor is blocked (objected) or not yet notified.
    """
    planned_text = f"processing is planned from {planned.isoformat()} (the clinical phase)"
    if state == OBJECTED and (today >= planned or planned < start):
        return f"{FLAG}: {planned_text} and the hospital objected"
    if state == NOT_SENT and today >= planned:
        return f"{FLAG}: {planned_text} and the notice has not been sent"
    # Once the first day of processing has come, or the hospital accepted expressly (it may
    # waive the rest of its term), the sub-processor may process: nothing to flag any more.
    if planned < start and today < start and state != ACCEPTED:
        return f"{FLAG}: {planned_text}, the sub-processor may process from {start.isoformat()}"
    return None


def _subprocessors(path: Path) -> tuple[str, ...]:
    """The sub-processors a notice names (the first column of its table); () when unreadable."""
    try:
        tables = read_docx(path).tables
    except (OSError, AifiLegalError):
        return ()
    for table in tables:
        if table and table[0] and table[0][0] == "Subverwerker":
            return tuple(row[0] for row in table[1:] if row)
    return ()


def dpia_reviews(
    source: DocumentSource,
    out: str | Path,
    events: Iterable[Event],
    *,
    hospitals: str | Iterable[str] = (),
    group: int | None = None,
) -> list[DpiaReview]:
    """A review per change that wrote a DPIA review note, due until the DPIA is signed again."""
    state = signature_state(events)
    reviews = []
    for hospital in source.select(hospitals, group):
        signed = [
            e.date
            for (owner, _), latest in state.items()
            if owner == hospital.id
            for e in latest.values()
            if e.kind == "dpia" and e.event == "signed"
        ]
        for folder, record in change_reports(Path(out), hospital.id):
            if not record.get("dpia_note") and not record.get("dpia_note_id"):
                continue
            try:
                dated = date.fromisoformat(folder.name[4:])
            except ValueError:
                continue  # not a folder amend named
            note = record.get("dpia_note")
            reviews.append(
                DpiaReview(
                    hospital.id,
                    hospital.group,
                    record.get("dpia_note_id"),
                    folder / Path(note).name if note else None,
                    dated,
                    tuple(record.get("dpia_review") or ()),
                    tuple(record.get("dpia_chapters") or ()),
                    not any(day >= dated for day in signed),
                )
            )
    return reviews


def record_notice(
    source: DocumentSource,
    out: str | Path,
    register: Register,
    document_id: str,
    event: str,
    *,
    date: date | str | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> Event:
    """Record a notice sent, objected to or accepted; see `Project.notice`."""
    today = today or _today()
    if event not in NOTICE_EVENTS:
        raise UsageError(
            f"{event!r} is not an event of a notice",
            argument="event",
            value=event,
            hint="events: " + ", ".join(NOTICE_EVENTS),
        )
    with folder_lock(out, shared=True):
        notices = written_notices(out, [h.id for h in source.select()])
    found = [n for n in notices if n.document_id == document_id.strip()]
    if not found:
        known = list(dict.fromkeys(n.document_id for n in notices))
        raise UsageError(
            f"{document_id!r} is not a sub-processor notice written in {out}",
            argument="document_id",
            value=document_id,
            hint=did_you_mean(document_id, known, listing="notices")
            or "amend writes the notices; name the folder it wrote to (out=)",
        )
    notice = found[0]
    note = (reason or "").strip() or None
    if event == "objected" and note is None:
        raise UsageError(
            "an objection needs its reason",
            argument="reason",
            hint="say why the hospital objected: the reason is kept in the register",
        )
    when = _date(date) or today
    if not notice.dated <= when <= today:
        raise UsageError(
            f"the date {when} is in the future"
            if when > today
            else f"the date {when} is before the notice's date {notice.dated}",
            argument="date",
            value=str(when),
            hint="give the day it happened: not before the notice's date, nor after today",
        )
    version = _BASE_VERSION.search(notice.document_id)
    try:
        sha256 = hashlib.sha256(notice.path.read_bytes()).hexdigest()
    except OSError:
        sha256 = None
    recorded = new_event(
        event=event,
        hospital=notice.hospital,
        kind="verwerkersovereenkomst",
        document=notice.path.name,
        document_id=notice.document_id,
        version=version.group(1) if version else "",
        document_sha256=sha256,
        date=when,
        note=note,
    )
    register.append([recorded])
    return recorded


def recorded_notice_text(event: Event, ledger: Path) -> str:
    """What `notice` says it recorded, and in which register."""
    why = f" ({event.note})" if event.note else ""
    return (
        f"Recorded: notice {event.document_id} of {event.hospital} {event.event}{why} "
        f"on {event.date.isoformat()} in {ledger}."
    )


def _date(value: date | str | None) -> date | None:
    if isinstance(value, date) or not value:
        return value or None
    try:
        return date.fromisoformat(value)
    except ValueError:
        written_right = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        what = "a valid date" if written_right else "a date written as YYYY-MM-DD"
        raise UsageError(f"{value!r} is not {what}", argument="date", value=value) from None


def _today() -> date:
    """Today's date (one place, so that tests can set the clock)."""
    return date.today()
