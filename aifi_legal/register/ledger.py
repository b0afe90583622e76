"""The signature register: an append-only event log in JSON Lines.

Every line is one event (sent, signed, declined, revoked; for a sub-processor notice also
objected and accepted). Nothing is ever rewritten: a correction is a new event, and the state of
every document is derived by replaying the log in order.
Appends take an exclusive file lock and are flushed and fsynced, so several processes recording
at once lose nothing. A damaged line is reported with its line number, never skipped.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import LedgerError, OutputError, Problem
from ..inputs.validation import problems_from
from .events import SIGNATURE_EVENTS, EventKind, Method


class Event(BaseModel):
    """One line of the register."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: EventKind
    hospital: str
    kind: str
    document: str = Field(description="The file name, e.g. verwerkersovereenkomst-nordlicht.pdf")
    document_id: str
    version: str
    document_sha256: str | None = None
    signatory: str | None = None
    field: str | None = Field(None, description="The PDF signature field, when signed in a PDF.")
    date: date
    method: Method | None = None
    evidence_sha256: str | None = None
    recorded_at: datetime
    note: str | None = None

    @model_validator(mode="after")
    def _objection_has_reason(self) -> Event:
        if self.event == "objected" and not (self.note or "").strip():
            raise ValueError("an objected event needs the reason for the objection as its note")
        return self


def new_event(**fields) -> Event:
    """An event stamped with the current UTC time."""
    return Event(recorded_at=datetime.now(UTC).replace(microsecond=0), **fields)


def append_events(path: str | Path, events: Iterable[Event]) -> None:
    """Append events under an exclusive lock, flushed and fsynced; all or nothing per call."""
    path = Path(path)
    lines = "".join(event.model_dump_json() + "\n" for event in events)
    if not lines:
        return
    _check_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise OutputError(
            f"cannot write the signature register {path}: {exc.strerror or exc}",
            hint="check that the register's folder is writable",
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size:
            # A writer that died mid-line left no newline: keep its fragment on a line of its
            # own so that it is reported, and ours stays readable.
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                lines = "\n" + lines
        os.write(fd, lines.encode("utf-8"))
        os.fsync(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_events(path: str | Path) -> list[Event]:
    """Every event in the register, in order; a missing register is empty.

    Raises LedgerError naming every damaged line.
    """
    return [event for _, event in read_numbered(path)]


def read_numbered(path: str | Path) -> list[tuple[int, Event]]:
    """Every event in the register with its line number, in order (see read_events)."""
    path = Path(path)
    _check_file(path)
    if not path.exists():
        return []
    events: list[tuple[int, Event]] = []
    problems: list[Problem] = []
    try:
        with open(path, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
            try:
                raw = handle.read()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError as exc:
        raise LedgerError(
            [Problem(path, None, "", f"cannot read the register: {exc.strerror or exc}")]
        ) from None
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            events.append((number, Event.model_validate(json.loads(line))))
        except UnicodeDecodeError:
            problems.append(Problem(path, number, "", "the line is not UTF-8 text"))
        except json.JSONDecodeError as exc:
            problems.append(Problem(path, number, "", f"not a JSON object: {exc.msg}"))
        except ValidationError as exc:
            problems.extend(problems_from(exc, path, None, Event, line=number))
    if problems:
        raise LedgerError(problems)
    return events


def _check_file(path: Path) -> None:
    """Refuse a register that is not a regular file: a folder, a device, a dangling link.

    Appending to /dev/null would "succeed" and record nothing.
    """
    if path.is_symlink() and not path.exists():
        raise LedgerError(
            [Problem(path, None, "", "the register is a link to a file that does not exist")]
        )
    if path.exists() and not path.is_file():
        raise LedgerError(
            [
                Problem(
                    path,
                    None,
                    "",
                    "the register is not a regular file (a folder or a device)",
                )
            ]
        )


def signature_state(events: Iterable[Event]) -> dict[tuple[str, str], dict[str, Event]]:
    """Replay the register: (hospital, document id) -> signatory -> their latest event.

    Only signed, declined and revoked events of a signatory count (not sent, nor a notice's
    objected or accepted). A revocation cancels a signature; a later signature counts again.
    """
    state: dict[tuple[str, str], dict[str, Event]] = {}
    for event in events:
        if event.event not in SIGNATURE_EVENTS or event.signatory is None:
            continue
        state.setdefault((event.hospital, event.document_id), {})[event.signatory] = event
    return state


@dataclass(frozen=True)
class Register:
    """The signature register at one path: read, append and replay."""

    path: Path

    def read(self) -> list[Event]:
        """Every event, in order (see read_events)."""
        return read_events(self.path)

    def read_numbered(self) -> list[tuple[int, Event]]:
        """Every event with its line number (see read_numbered)."""
        return read_numbered(self.path)

    def append(self, events: Iterable[Event]) -> None:
        """Append events, all or nothing (see append_events)."""
        append_events(self.path, events)

    def state(self) -> dict[tuple[str, str], dict[str, Event]]:
        """The replayed state (see signature_state)."""
        return signature_state(self.read())

    def signed_documents(self) -> set[tuple[str, str]]:
        """(hospital id, document id) of every document with a signature that counts."""
        return {
            key
            for key, latest in self.state().items()
            if any(e.event == "signed" for e in latest.values())
        }

    def __repr__(self) -> str:
        return f"<Register {self.path}>"
