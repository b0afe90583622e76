"""Building documents: what `aifi-legal build` does.

Everything is rendered in memory first; files are written only when every document rendered,
each one atomically, so a failed run leaves the earlier files as they were.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..assembly.assemble import AssembledDocument
from ..documents import MODEL_FOLDER, DocumentRef, kinds
from ..errors import UsageError
from ..htmltable import html_table
from ..inputs.models import Hospital
from ..pdf import SignatureSlot, convert_to_pdf, prepare_pdf
from ..register.ledger import Register
from ..register.roles import signature_roles
from ..source import DocumentSource
from ..word.conventions import document_timestamp
from .files import write_atomic
from .manifest import BuiltDocument, archive, manifest_entries, write_manifest

Progress = Callable[[int, int, str], None]


_RECORD_KEYS = ("hospital", "kind", "document_id", "words", "path")


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    out: Path
    documents: tuple[BuiltDocument, ...]
    manifests: tuple[Path, ...] = field(default=())
    kept: tuple[BuiltDocument, ...] = ()  # signed documents left as they were

    def __repr__(self) -> str:
        hospitals = {d.hospital_id for d in self.documents if d.hospital_id}
        return (f"<BuildResult {len(self.documents)} documents for {len(hospitals)} hospitals "
                f"in {self.out}>")

    def records(self) -> list[dict[str, Any]]:
        """One dict per document, ready for `pandas.DataFrame(result.records())`."""
        return [{"hospital": d.hospital_id or MODEL_FOLDER, "kind": d.kind,
                 "document_id": d.document_id, "path": str(d.path), "words": d.words,
                 "sha256": d.sha256} for d in self.documents]

    def _repr_html_(self) -> str:
        return html_table(_RECORD_KEYS, self.records())


@dataclass(frozen=True)
class _Pending:
    ref: DocumentRef
    built: BuiltDocument
    data: bytes
    document: AssembledDocument


def build(source: DocumentSource, register: Register, out: str | Path = "out", *,
          hospitals: str | Iterable[str] = (), group: int | None = None,
          only: str | Iterable[str] = (), model: bool = False, pdf: bool = False,
          draft: bool = False, progress: Progress | None = None) -> BuildResult:
    """Generate documents into `out`; see `Project.build` for the options.

    A document with a signature in the register is never overwritten: when its id is
    unchanged it is kept as signed; a new version (new id) moves the signed one to `archief/`.
    """
    if draft and not pdf:
        raise UsageError("draft stamps the PDFs: use it together with pdf=True",
                         argument="draft")
    out = Path(out)
    chosen = kinds(only)
    targets: list[Hospital | None] = [None] if model else list(source.select(hospitals, group))
    refs = [ref for hospital in targets for ref in source.documents_of(hospital, chosen)]
    signed = register.signed_documents()
    pending: list[_Pending] = []
    kept: list[BuiltDocument] = []
    for ref in refs:
        document = source.assemble(ref)
        data = source.render(document)
        built = BuiltDocument(
            kind=ref.kind, hospital_id=ref.hospital_id, path=ref.path(out), document_id=ref.id,
            sha256=hashlib.sha256(data).hexdigest(), words=len(document.text().split()),
            clauses=tuple((c.clause.id, c.clause.head.version) for c in document.clauses),
            processor_id=ref.processor_id)
        folder = ref.folder(out)
        previous = manifest_entries(folder).get(ref.file_name) if not ref.is_model else None
        if previous and (ref.hospital_id, previous.get("document_id")) in signed:
            if previous["document_id"] == built.document_id:
                kept.append(built)  # signed: this version is final
                continue
            archive(folder, ref.stem, previous["document_id"])
        pending.append(_Pending(ref, built, data, document))
        if progress:
            progress(len(pending) + len(kept), len(refs), str(ref))
    # Everything rendered: now write, each file atomically.
    for item in pending:
        write_atomic(item.built.path, item.data)
    pdfs = write_pdfs(source, pending, draft) if pdf and not model else {}
    written = tuple(replace(p.built, pdf=pdfs.get(p.built.path)) for p in pending)
    manifests = [] if model else [
        write_manifest(source, out / h.id, h.id, [b for b in written if b.hospital_id == h.id])
        for h in targets if h is not None]
    return BuildResult(out, written, tuple(manifests), tuple(kept))


def write_pdfs(source: DocumentSource, pending: list[_Pending],
               draft: bool) -> dict[Path, dict[str, Any]]:
    """Convert the written DOCX files, then add properties and signature fields."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="aifi-legal-pdf-") as temp:
        converted = convert_to_pdf([p.built.path for p in pending], Path(temp))
        for item in pending:
            built, meta = item.built, item.document.context["document"]
            roles = signature_roles(source.portfolio, item.ref)
            hospital = source.portfolio.hospital(item.ref.hospital_id or "")
            data = prepare_pdf(
                converted[built.path].read_bytes(),
                title=f"{meta['title']} – {hospital.legal_name}",
                subject=f"AIFI {meta['title']}",
                document_id=built.document_id, source_sha256=built.sha256,
                slots=[SignatureSlot(r.field_name, r.anchor_text, r.name) for r in roles],
                draft=draft, created=document_timestamp(meta["date"]))
            path = built.path.with_suffix(".pdf")
            write_atomic(path, data)
            results[built.path] = {"file": path.name,
                                   "sha256": hashlib.sha256(data).hexdigest(),
                                   "draft": draft,
                                   "fields": [r.field_name for r in roles]}
    return results
