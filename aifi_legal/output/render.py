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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..documents import DocumentRef
from ..parallel import forked_map, workers_for
from ..source import DocumentSource

# The meta key of the signature section's title: where a PDF's signature lines are sought.
SIGNATURE_TITLE = "signature_title"


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
        document.word_count(),
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


def rendered_documents(
    source: DocumentSource, refs: list[DocumentRef], jobs: int | None = None
) -> Iterator[RenderedDocument]:
    """Every document of `refs` rendered, in their order; `jobs` worker processes at most."""
    workers = workers_for(jobs, len(refs))
    if workers <= 1:
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
    results = forked_map(lambda ref: render_document(source, ref), rest, workers)
    for ref in refs:
        result = first.pop(ref.id) if ref.id in first else next(results)
        yield result if result is not None else render_document(source, ref)
    for _ in results:  # closes the pool
        pass
