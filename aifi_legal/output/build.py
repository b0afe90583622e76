"""Building documents: what `aifi-legal build` does.

A build holds the output folder's lock exclusively. It renders, converts and verifies every
document into a staging folder first; only then does it commit (see `commit`): signed originals
to `archief/`, the new files into place, each manifest last. A failed or killed run leaves the
earlier files as they were, and the next run completes an interrupted commit.

Whether a document is signed is decided by the register (document id and sha256), never by the
manifest: a signed original of the version being built is kept; one of another version is
archived under a name of its own before the new version takes its place.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..documents import ARCHIVE_FOLDER, DocumentRef, kinds
from ..errors import OutputError, UsageError
from ..inputs.models import Hospital
from ..pdf import convert_to_pdf
from ..register.ledger import Register
from ..register.roles import signature_roles
from ..source import DocumentSource
from .commit import (
    JOURNAL_FILE,
    STAGING_PREFIX,
    Move,
    commit,
    interrupts,
    recover,
    remove_folder,
    staging_folder,
)
from .files import refuse_blocked, sha256_of, sha256_or_none, write_atomic
from .inputs import Inputs
from .lock import folder_lock
from .manifest import MANIFEST_FILE, BuiltDocument, entry_of, manifest_bytes, manifest_entries
from .render import RenderedDocument, rendered_documents
from .result import BuildResult
from .signable import signable_pdf
from .signed import SUFFIXES, SignedIndex, archive_name, archived_sha256s, on_disk, signed_index

# progress(stage, done, total, item): after each finished item of a stage, in stage order.
Progress = Callable[[str, int, int, str], None]
RENDERING, CONVERTING, PREPARING = "rendering", "converting", "preparing"


@dataclass(frozen=True)
class _Pending:
    """A document to write: already in the staging folder (a dry run writes nothing)."""

    ref: DocumentRef
    built: BuiltDocument
    meta: dict[str, Any]  # the document's `document` context: title, date, id, ...


@dataclass
class _Plan:
    """What the commit will do, gathered while every document renders."""

    out: Path
    staging: Path
    inputs: Inputs  # what the documents are made from now
    pending: list[_Pending] = field(default_factory=list)
    kept: list[BuiltDocument] = field(default_factory=list)
    kept_entries: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    archive: list[Move] = field(default_factory=list)
    dry_run: bool = False  # decide everything, write nothing
    unchanged: list[Path] = field(default_factory=list)  # built from the same inputs before
    _entries: dict[Path, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def entries(self, folder: Path) -> dict[str, dict[str, Any]]:
        """The manifest entries of a folder as the build found it (read once)."""
        if folder not in self._entries:
            self._entries[folder] = manifest_entries(folder)
        return self._entries[folder]

    def staged(self, path: Path) -> Path:
        """Where a file of the output folder is written first."""
        return self.staging / path.relative_to(self.out)

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.out))


def build(
    source: DocumentSource,
    register: Register,
    out: str | Path = "out",
    *,
    hospitals: str | Iterable[str] = (),
    group: int | None = None,
    only: str | Iterable[str] = (),
    model: bool = False,
    pdf: bool = False,
    draft: bool = False,
    progress: Progress | None = None,
    dry_run: bool = False,
    jobs: int | None = None,
) -> BuildResult:
    """Generate documents into `out`; see `Project.build` for the options.

    A document with a signature in the register is never overwritten: when its id is
    unchanged it is kept as signed; a new version (new id) moves the signed one to `archief/`.
    """
    if draft and not pdf:
        raise UsageError("draft stamps the PDFs: use it together with pdf=True", argument="draft")
    out = Path(out)
    chosen = kinds(only)
    targets: list[Hospital | None] = [None] if model else list(source.select(hospitals, group))
    refs = [ref for hospital in targets for ref in source.documents_of(hospital, chosen)]
    if dry_run:
        return _dry_run(source, register, out, refs, targets, model, pdf, progress, jobs)
    with interrupts(), folder_lock(out):
        repaired = recover(out)
        plan = _Plan(out, staging_folder(out), Inputs(source))
        try:
            signed = {} if model else signed_index(register)
            for done in rendered_documents(
                source, _to_render(plan, refs, pdf, draft, signed), jobs
            ):
                _decide(plan, done, signed.get(done.ref.hospital_id or ""), pdf, source)
                if progress:
                    progress(
                        RENDERING, len(plan.pending) + len(plan.kept), len(refs), str(done.ref)
                    )
            result = _stage_and_commit(source, plan, targets, model, pdf, draft, progress)
        finally:
            # A journal left behind (the commit was interrupted) still needs the staged files.
            if not (out / JOURNAL_FILE).exists():
                remove_folder(plan.staging)
    return replace(result, repaired=tuple(repaired))


def _dry_run(
    source: DocumentSource,
    register: Register,
    out: Path,
    refs: list[DocumentRef],
    targets: list[Hospital | None],
    model: bool,
    pdf: bool,
    progress: Progress | None,
    jobs: int | None,
) -> BuildResult:
    """Render and decide as a build would (write, keep, archive), and write nothing at all."""
    # A shared lock only where the folder exists: a dry run creates no folder and no file.
    lock = folder_lock(out, shared=True) if out.is_dir() else contextlib.nullcontext()
    with lock:
        plan = _Plan(out, out / f"{STAGING_PREFIX}dry-run", Inputs(source), dry_run=True)
        signed = {} if model else signed_index(register)
        for done in rendered_documents(source, _to_render(plan, refs, pdf, False, signed), jobs):
            _decide(plan, done, signed.get(done.ref.hospital_id or ""), pdf, source)
            if progress:
                progress(RENDERING, len(plan.pending) + len(plan.kept), len(refs), str(done.ref))
    staging = plan.rel(plan.staging)
    return BuildResult(
        out,
        tuple(p.built for p in plan.pending),
        tuple(out / h.id / MANIFEST_FILE for h in targets if h is not None),
        tuple(plan.kept),
        tuple(out / m.target for m in plan.archive if not m.target.startswith(staging)),
        ("an interrupted build in this folder would be repaired first",)
        if (out / JOURNAL_FILE).exists()
        else (),
        dry_run=True,
        unchanged=tuple(plan.unchanged),
    )


def _to_render(
    plan: _Plan,
    refs: list[DocumentRef],
    pdf: bool,
    draft: bool,
    signed: dict[str, SignedIndex],
) -> list[DocumentRef]:
    """The documents whose inputs changed since they were built; the others stay as they are.

    A document with a signed version goes through the whole decision (keep or archive).
    """
    chosen = []
    for ref in refs:
        folder = ref.folder(plan.out)
        if signed.get(ref.hospital_id or "", SignedIndex()).of(ref.stem):
            chosen.append(ref)
            continue
        entry = plan.entries(folder).get(ref.file_name)
        has_pdf = bool(entry and entry.get("pdf") and entry["pdf"].get("draft") == draft)
        if (has_pdf or not pdf) and plan.inputs.unchanged(ref, folder, entry):
            plan.unchanged.append(ref.path(plan.out))
        else:
            chosen.append(ref)
    return chosen


def _decide(
    plan: _Plan,
    done: RenderedDocument,
    signed: SignedIndex | None,
    pdf: bool,
    source: DocumentSource,
) -> None:
    """Decide for one rendered document: keep the signed original, or archive and replace."""
    ref = done.ref
    built = BuiltDocument(
        kind=ref.kind,
        hospital_id=ref.hospital_id,
        path=ref.path(plan.out),
        document_id=ref.id,
        sha256=done.sha256,
        words=done.words,
        clauses=done.clauses,
        processor_id=ref.processor_id,
        inputs=plan.inputs.record(ref, tuple(c for c, _ in done.clauses), done.excluded),
    )
    folder = ref.folder(plan.out)
    for suffix in SUFFIXES if pdf else SUFFIXES[:1]:
        refuse_blocked(ref.path(plan.out, suffix))
    if signed is None:  # a model document: nobody signs it
        _stage(plan, done, built)
        return
    versions = signed.of(ref.stem)
    here = on_disk(folder, ref.stem)
    original = here.signed_as(versions)
    if original is not None and original.document_id == ref.id:
        plan.kept.append(built)
        plan.kept_entries.setdefault(folder.name, {})[ref.file_name] = _kept_entry(
            source, folder, ref, built, here.sha256
        )
        return
    entry = manifest_entries(folder).get(ref.file_name) or {}
    signed_ids = {v.document_id for v in versions}
    mine = next((v for v in versions if v.document_id == ref.id), None)
    if (
        mine is not None
        and original is None
        and mine.sha256s
        and built.sha256 not in mine.sha256s
        and not mine.sha256s & archived_sha256s(folder, ref.stem)
    ):
        raise OutputError(
            f"{ref.id} is signed (register sha256 {', '.join(sorted(mine.sha256s))}), but "
            f"its signed original is neither in {folder} nor in its archief/; the build "
            "will not write a different file under a signed document id; nothing was written",
            hint="restore the signed original from a backup, or raise "
            "consortium.documents.version to issue a new version",
        )
    # What is here goes to archief/ when it is (or claims to be) a signed version.
    label = original.document_id if original is not None else entry.get("document_id")
    if label in signed_ids:
        for suffix in SUFFIXES:
            sha = here.sha256[suffix]
            if sha is not None:
                plan.archive.append(_archive_move(plan, folder, ref, str(label), sha, suffix))
    _stage(plan, done, built)


def _stage(plan: _Plan, done: RenderedDocument, built: BuiltDocument) -> None:
    """Write a document to the staging folder now, so that no run holds every file in memory."""
    if not plan.dry_run:
        write_atomic(plan.staged(built.path), done.data)
    plan.pending.append(_Pending(done.ref, built, done.meta))


def _archive_move(
    plan: _Plan, folder: Path, ref: DocumentRef, document_id: str, sha: str, suffix: str
) -> Move:
    """Move a file to archief/ under a name no other file has; never over another file."""
    source = folder / f"{ref.stem}{suffix}"
    archive = folder / ARCHIVE_FOLDER
    if archive.exists() and not archive.is_dir():
        raise OutputError(
            f"cannot archive into {archive}: it is not a folder; nothing was written",
            hint="move it out of the way and build again",
        )
    target = archive / archive_name(ref.stem, document_id, sha, suffix)
    if target.exists():
        if target.is_file() and sha256_of(target) == sha:
            # archief/ holds these very bytes already: this copy leaves with the staging folder
            discard = plan.staging / ".archived" / folder.name / target.name
            return Move(plan.rel(source), plan.rel(discard), sha)
        target = archive / f"{ref.stem}-{document_id}-{sha}{suffix}"
        if target.exists():
            raise OutputError(
                f"cannot archive {source}: {target} exists and differs; nothing was written",
                hint="compare the two files; the archive is never overwritten",
            )
    return Move(plan.rel(source), plan.rel(target), sha)


def _kept_entry(
    source: DocumentSource,
    folder: Path,
    ref: DocumentRef,
    built: BuiltDocument,
    shas: dict[str, str | None],
) -> dict[str, Any]:
    """The manifest entry of a kept signed document, from the files as they are on disk."""
    previous = manifest_entries(folder).get(ref.file_name)
    pdf_sha = shas[".pdf"]
    if (
        previous
        and previous.get("document_id") == ref.id
        and previous.get("sha256") == shas[".docx"]
        and (previous.get("pdf") or {}).get("sha256") == pdf_sha
    ):
        return previous
    # The manifest is missing or damaged: say what the register and the files say.
    entry: dict[str, Any] = (
        entry_of(source, built)
        if built.sha256 == shas[".docx"]
        else {
            "kind": ref.kind,
            "processor": ref.processor_id,
            "file": ref.file_name,
            "document_id": ref.id,
            "template": None,
            "clauses": None,
        }
    )
    entry["sha256"] = shas[".docx"]
    entry["recovered"] = True
    entry["pdf"] = (
        None
        if pdf_sha is None
        else {
            "file": ref.pdf_name,
            "sha256": pdf_sha,
            "draft": None,
            "fields": [r.field_name for r in signature_roles(source.portfolio, ref)],
        }
    )
    return entry


def _stage_and_commit(
    source: DocumentSource,
    plan: _Plan,
    targets: list[Hospital | None],
    model: bool,
    pdf: bool,
    draft: bool,
    progress: Progress | None = None,
) -> BuildResult:
    """Write everything into the staging folder, verify it, then commit."""
    pdfs = write_pdfs(source, plan, draft, progress) if pdf and not model else {}
    written = tuple(replace(p.built, pdf=pdfs.get(p.built.path)) for p in plan.pending)
    installs: list[tuple[Path, str]] = [(b.path, b.sha256) for b in written]
    installs += [(b.path.with_suffix(".pdf"), b.pdf["sha256"]) for b in written if b.pdf]
    manifests = []
    for hospital in targets:
        if hospital is None:
            continue
        folder = plan.out / hospital.id
        data = manifest_bytes(
            source,
            folder,
            hospital.id,
            [b for b in written if b.hospital_id == hospital.id],
            plan.kept_entries.get(hospital.id, {}),
            set(),
            plan.entries(folder),
        )
        manifests.append(folder / MANIFEST_FILE)
        if sha256_or_none(folder / MANIFEST_FILE) == hashlib.sha256(data).hexdigest():
            continue  # nothing in the folder changed: the manifest stays as it is
        write_atomic(plan.staged(folder / MANIFEST_FILE), data)
        installs.append((folder / MANIFEST_FILE, hashlib.sha256(data).hexdigest()))
    moves = list(plan.archive)
    for path, sha in installs:
        staged = plan.staged(path)
        if sha256_of(staged) != sha:  # verify what was written before it goes anywhere
            raise OutputError(
                f"{staged} does not read back as written; nothing was written",
                hint="check the disk of the output folder",
            )
        # The file this replaces waits in the staging folder until the commit is done.
        backup = plan.staging / ".replaced" / path.relative_to(plan.out)
        moves.append(Move(plan.rel(staged), plan.rel(path), sha, backup=plan.rel(backup)))
    commit(plan.out, moves)
    archived = tuple(
        plan.out / m.target
        for m in plan.archive
        if not m.target.startswith(plan.rel(plan.staging))
    )
    return BuildResult(
        plan.out,
        written,
        tuple(manifests),
        tuple(plan.kept),
        archived,
        unchanged=tuple(plan.unchanged),
    )


def write_pdfs(
    source: DocumentSource, plan: _Plan, draft: bool, progress: Progress | None = None
) -> dict[Path, dict[str, Any]]:
    """Convert the staged DOCX files, then add properties and signature fields."""
    results = {}
    work = plan.staging / ".convert"
    total = len(plan.pending)
    names = {plan.staged(p.built.path): p.built.path for p in plan.pending}
    done: list[Path] = []

    def converted_one(staged: Path) -> None:
        done.append(staged)
        if progress:
            progress(CONVERTING, len(done), total, str(names[staged].with_suffix(".pdf")))

    converted = convert_to_pdf(
        list(names), work / "pdf", work_dir=work, converted_one=converted_one
    )
    for number, item in enumerate(plan.pending, 1):
        built, meta = item.built, item.meta
        data, results[built.path] = signable_pdf(
            source,
            item.ref,
            converted[plan.staged(built.path)].read_bytes(),
            meta,
            source_sha256=built.sha256,
            draft=draft,
        )
        path = built.path.with_suffix(".pdf")
        write_atomic(plan.staged(path), data)
        if progress:
            progress(PREPARING, number, total, str(path))
    return results
