"""All-or-nothing runs: a staging folder, and a journal that makes the commit repairable.

A build writes every file into `OUT/.aifi-legal-staging-<pid>/` first (the same file system, so
that moving a file in is a rename). Only when everything is there and verified does it write a
journal, `OUT/.aifi-legal-journal.json`, listing every move in order: signed originals to
`archief/` first, then the new files, each manifest last. Then it performs the moves. A file that
is replaced is first moved into the staging folder, so a failure halfway is rolled back; a
killed run leaves the journal, and the next run completes the moves (`recover`) and says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import OutputError
from .files import fsync_folder, sha256_of, write_atomic

STAGING_PREFIX = ".aifi-legal-staging-"
JOURNAL_FILE = ".aifi-legal-journal.json"
_BACKUP = "replaced"  # below the staging folder: files the commit replaced, until it is done


@dataclass(frozen=True)
class Move:
    """One rename of the commit, with the sha256 the moved file must have (paths below OUT)."""

    source: str
    target: str
    sha256: str
    backup: str | None = None  # where the file the target held goes first


def staging_folder(out: Path) -> Path:
    """A new, empty staging folder of this process below `out`."""
    folder = out / f"{STAGING_PREFIX}{os.getpid()}"
    try:
        if folder.exists():  # a folder of an earlier process that had our pid
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the staging folder {folder}: {exc.strerror or exc}",
            hint="check that the output folder is writable; nothing was written",
        ) from None
    return folder


def remove_folder(folder: Path) -> None:
    """Remove a staging folder and everything in it; missing is fine."""
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold off SIGINT and SIGTERM while the block runs: the commit's renames are not torn up.

    A signal that arrives meanwhile is delivered when the block ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def commit(out: Path, moves: list[Move]) -> None:
    """Perform `moves` in order, journaled; on a failure undo those done and raise OutputError."""
    journal = out / JOURNAL_FILE
    write_atomic(
        journal, json.dumps({"moves": [asdict(m) for m in moves]}, indent=1).encode("utf-8")
    )
    done: list[Move] = []
    with uninterrupted():
        try:
            for move in moves:
                _forward(out, move)
                done.append(move)
            _sync(out, moves)
        except OSError as exc:
            failed = moves[len(done)]
            undone = _undo(out, [*done, failed])
            if undone:
                journal.unlink(missing_ok=True)
                what = "every file is as it was before the build"
            else:
                what = (
                    "some files could not be put back; the next build completes the "
                    f"commit from the journal {journal}"
                )
            raise OutputError(
                f"cannot move {out / failed.target} into place: {exc.strerror or exc}; {what}",
                hint="check that the output folder is writable and no file in it is open in Word",
            ) from None
        journal.unlink()
        fsync_folder(out)


def recover(out: Path) -> list[str]:
    """Complete a commit a killed run left behind, and remove stale staging folders.

    Call with the folder's lock held exclusively (no other build is running). Returns what
    was repaired, for the user; raises OutputError when the journal cannot be completed.
    """
    notes: list[str] = []
    journal = out / JOURNAL_FILE
    if journal.is_file():
        try:
            moves = [Move(**m) for m in json.loads(journal.read_text("utf-8"))["moves"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise OutputError(
                f"the journal {journal} of an interrupted build cannot be read: {exc}",
                hint="compare the folder with its manifest.json files, then remove the journal",
            ) from None
        for move in moves:
            _forward(out, move)
        _sync(out, moves)
        journal.unlink()
        fsync_folder(out)
        notes.append(
            f"completed the interrupted commit of an earlier build ({len(moves)} "
            f"file move(s) from {journal.name})"
        )
    for stale in sorted(out.glob(f"{STAGING_PREFIX}*")):
        remove_folder(stale)
        notes.append(f"removed the staging folder {stale.name} of an interrupted build")
    return notes


def _forward(out: Path, move: Move) -> None:
    """Do one move; done already (by a killed run) is fine. Raises OSError or OutputError."""
    source, target = out / move.source, out / move.target
    if target.is_file() and sha256_of(target) == move.sha256:
        return  # moved before the interruption (its source may hold a newer file by now)
    if not source.exists():
        raise OutputError(
            f"{source} is missing and {target} is not the file the commit put there",
            hint="compare the folder with its manifest.json files "
            f"and the register, then remove {out / JOURNAL_FILE}",
        )
    actual = sha256_of(source)
    if actual != move.sha256:
        raise OutputError(
            f"{source} changed during the build: sha256 {actual}, expected {move.sha256}",
            hint="build again; nothing was moved over it",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if move.backup is not None and target.exists():
        backup = out / move.backup
        backup.parent.mkdir(parents=True, exist_ok=True)
        os.rename(target, backup)
    elif target.exists():
        # Planned onto a free name (an archive name): never replace what is there now.
        raise OutputError(
            f"{target} appeared during the build; it is left as it is", hint="build again"
        )
    os.rename(source, target)


def _undo(out: Path, moves: list[Move]) -> bool:
    """Put back what `moves` did, last first; whether everything went back."""
    ok = True
    for move in reversed(moves):
        source, target = out / move.source, out / move.target
        try:
            if not source.exists() and target.is_file() and sha256_of(target) == move.sha256:
                os.rename(target, source)
            if move.backup is not None and (out / move.backup).exists():
                os.rename(out / move.backup, target)
        except OSError:
            ok = False
    return ok


def _sync(out: Path, moves: list[Move]) -> None:
    """Make the renames durable before the journal goes."""
    for folder in sorted({(out / m.target).parent for m in moves}):
        fsync_folder(folder)


@contextlib.contextmanager
def interrupts() -> Iterator[None]:
    """For the duration of the build, SIGTERM interrupts like Ctrl-C, so cleanup runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
