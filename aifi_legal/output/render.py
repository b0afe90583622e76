"""Rendering the documents of a build, in worker processes when there are enough of them.

Rendering (assembling the clauses and writing the DOCX bytes) is pure: it reads the inputs
and writes nothing. Workers are forked from the build's process, so they share its loaded
inputs and compiled templates and load nothing themselves; they only render and hand back
bytes. Everything that decides or writes (what is signed, the staging folder, the commit)
stays in the build's own process, so the all-or-nothing write is the same with any number of
workers. A document a worker could not render is rendered again in the build's process, which
raises the error as a single process would.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..documents import DocumentRef
from ..errors import UsageError
from ..source import DocumentSource

# The meta key of the signature section's title: where a PDF's signature lines are sought.
SIGNATURE_TITLE = "signature_title"
# Below this many documents per worker, starting workers costs more than it saves.
MIN_PER_WORKER = 4


@dataclass(frozen=True)
class RenderedDocument:
    """One document rendered in memory: its bytes and what the manifest says of it."""

    ref: DocumentRef
    data: bytes
    sha256: str
    words: int
    clauses: tuple[tuple[str, str], ...]  # (id, version) in document order
    meta: dict[str, Any]  # the document's `document` context: title, date, id, ...
    excluded: tuple[str, ...] = ()  # the clauses of its kind whose condition left them out


def render_document(source: DocumentSource, ref: DocumentRef) -> RenderedDocument:
    """Assemble and write one document, in memory."""
    document = source.assemble(ref)
    data = source.render(document)
    return RenderedDocument(
        ref,
        data,
        hashlib.sha256(data).hexdigest(),
        len(document.text().split()),
        tuple((c.clause.id, c.clause.head.version) for c in document.clauses),
        {
            **{key: _plain(value) for key, value in document.context["document"].items()},
            SIGNATURE_TITLE: next(
                (c.clause.head.title for c in document.section("ondertekening")), None
            ),
        },
        document.excluded,
    )


def _plain(value: Any) -> Any:
    """A context value as a plain date, string or number: a result a worker can hand back.

    The context's values carry the data field they state (assembly.terms); what the build
    keeps of them after rendering needs only the value.
    """
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    for kind in (bool, int, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def rendered_documents(
    source: DocumentSource, refs: list[DocumentRef], jobs: int | None = None
) -> Iterator[RenderedDocument]:
    """Every document of `refs` rendered, in their order; `jobs` worker processes at most."""
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise UsageError(
            f"jobs must be a whole number of 1 or more, not {jobs!r}",
            argument="jobs",
            value=str(jobs),
        )
    if jobs is None and threading.active_count() > 1:
        # Forking a process that runs other threads (a notebook's kernel) can leave a child
        # waiting on a lock one of them held: by default such a process renders by itself.
        jobs = 1
    workers = min(jobs or default_jobs(), len(refs) // MIN_PER_WORKER)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for ref in refs:
            yield render_document(source, ref)
        return
    # The first document of each kind is rendered here: the workers inherit its compiled
    # templates and clauses instead of each compiling them again.
    first: dict[str, RenderedDocument] = {}
    for ref in refs:
        if ref.kind not in {r.ref.kind for r in first.values()}:
            first[ref.id] = render_document(source, ref)
    rest = [ref for ref in refs if ref.id not in first]
    global _SOURCE
    _SOURCE = source
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_signals)
    try:
        chunk = max(1, len(rest) // (workers * 8))
        # In order, as they come: the build writes each one before the next arrives.
        results = iter(pool.map(_render_in_worker, rest, chunksize=chunk))
        broken = False
        for ref in refs:
            result = first.pop(ref.id, None)
            if result is None and not broken:
                try:
                    result = next(results)
                except BrokenProcessPool:  # a worker died: this process renders the rest
                    broken = True
            yield result if result is not None else render_document(source, ref)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _SOURCE = None


_SOURCE: DocumentSource | None = None  # the build's inputs, inherited by forked workers


def _worker_signals() -> None:
    # Ctrl-C and a terminated build are the build process's to handle: it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _render_in_worker(ref: DocumentRef) -> RenderedDocument | None:
    assert _SOURCE is not None
    try:
        return render_document(_SOURCE, ref)
    except Exception:
        return None
