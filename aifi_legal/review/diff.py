"""`aifi-legal diff`: two builds compared document by document, with a redline of each change.

A document is matched by its hospital folder and file stem, so a new version of the same document
(another document id) is compared with the one before it. With `signed=True` the old side is what
each hospital signed: the signed original in the folder or in its `archief/`, found by the
register's sha256 (for a signed PDF, the DOCX it was made from). Nothing is written into either
build: the redlines and the change reports go to their own folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..documents import ARCHIVE_FOLDER, CHANGE_REPORT
from ..errors import UsageError
from ..output.files import sha256_or_none, write_atomic
from ..output.lock import folder_lock
from ..output.manifest import MANIFEST_FILE, manifest_entries
from ..output.signed import signed_index
from ..pdf import read_document_info
from ..register.ledger import Register
from ..word.reader import read_docx
from . import DEFAULT_AUTHOR
from .changes import ADDED, CHANGED, REMOVED, UNCHANGED, ClauseChange, clause_changes
from .redline import redline

REDLINE_SUFFIX = "-redline.docx"


@dataclass(frozen=True)
class DocumentDiff:
    """One document compared: its state, its changed clauses and where its redline is."""

    hospital: str
    stem: str
    kind: str | None
    old_id: str | None
    new_id: str | None
    state: str  # unchanged, changed, added or removed
    signed: bool  # the old document is signed: a change needs a new version or an amendment
    changes: tuple[ClauseChange, ...] = ()
    old_path: Path | None = None
    new_path: Path | None = None
    redline: Path | None = None
    tracked_changes: int = 0

    def record(self) -> dict[str, Any]:
        """The document's comparison as plain data (JSON)."""
        return {
            "hospital": self.hospital,
            "document": self.stem,
            "kind": self.kind,
            "old_id": self.old_id,
            "new_id": self.new_id,
            "state": self.state,
            "signed": self.signed,
            "old_path": str(self.old_path) if self.old_path else None,
            "new_path": str(self.new_path) if self.new_path else None,
            "redline": str(self.redline) if self.redline else None,
            "tracked_changes": self.tracked_changes,
            "changes": [c.record() for c in self.changes],
        }

    def to_text(self) -> str:
        """The document's heading line and one block per changed clause."""
        ids = self.new_id or self.old_id
        if self.old_id and self.new_id and self.old_id != self.new_id:
            ids = f"{self.old_id} -> {self.new_id}"
        signed = (
            "; SIGNED: a change needs a new version or an amendment"
            if self.signed and self.state != UNCHANGED
            else ""
        )
        head = f"{self.hospital}/{self.stem} ({ids}): {self.state}{signed}"
        if self.redline:
            head += f"\n  redline: {self.redline}"
        return "\n".join([head, *(c.to_text() for c in self.changes)])


@dataclass
class DiffReport:
    """Every compared document of two builds."""

    old: Path
    new: Path
    out: Path | None
    documents: list[DocumentDiff] = field(default_factory=list)

    @property
    def changed(self) -> list[DocumentDiff]:
        """The documents that are not unchanged."""
        return [d for d in self.documents if d.state != UNCHANGED]

    def records(self) -> list[dict[str, Any]]:
        """One dict per document, for `pandas.DataFrame(report.records())`."""
        return [d.record() for d in self.documents]

    def to_json(self) -> str:
        """The report as JSON."""
        data = {"old": str(self.old), "new": str(self.new), "documents": self.records()}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        """The report for a terminal or a mail: changed documents in full, then a summary."""
        blocks = [d.to_text() for d in self.changed]
        unchanged = len(self.documents) - len(self.changed)
        signed = sum(1 for d in self.changed if d.signed)
        summary = (
            f"{len(self.documents)} document(s) compared ({self.old} -> {self.new}): "
            f"{len(self.changed)} changed, {unchanged} unchanged"
        )
        if signed:
            summary += f"; {signed} changed document(s) already signed"
        return "\n\n".join([*blocks, summary + "."]) + "\n"

    def __repr__(self) -> str:
        return f"<DiffReport {len(self.changed)} of {len(self.documents)} documents changed>"


def diff_builds(
    register: Register,
    old: str | Path,
    new: str | Path,
    *,
    hospitals: tuple[str, ...] | list[str] = (),
    out: str | Path | None = None,
    signed: bool = False,
    author: str = DEFAULT_AUTHOR,
) -> DiffReport:
    """Compare two builds (or, with `signed`, what was signed with a build); see `Project.diff`."""
    old, new = Path(old), Path(new)
    target = Path(out) if out is not None else None
    for folder, name in ((old, "old"), (new, "new")):
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder", argument=name, value=str(folder))
        if target is not None and _within(target, folder):
            raise UsageError(
                f"the redlines would be written into the build in {folder}",
                argument="out",
                value=str(target),
                hint="name a folder of their own",
            )
    folders = _hospital_folders(old) | _hospital_folders(new)
    unknown = [h for h in hospitals if h not in folders]
    if unknown:
        raise UsageError(
            f"no documents of {', '.join(unknown)} in {old} or {new}",
            argument="hospitals",
            value=unknown,
            hint="hospitals there: " + ", ".join(sorted(folders)),
        )
    report = DiffReport(old, new, target)
    signed_ids = register.signed_documents()
    originals = signed_index(register) if signed else {}
    with folder_lock(old, shared=True), folder_lock(new, shared=True):
        for hospital in sorted(h for h in folders if not hospitals or h in hospitals):
            new_entries = _by_stem(manifest_entries(new / hospital), new / hospital)
            if signed:
                old_entries = _signed_originals(old / hospital, originals.get(hospital))
            else:
                old_entries = _by_stem(manifest_entries(old / hospital), old / hospital)
            for stem in sorted(set(old_entries) | set(new_entries)):
                report.documents.append(
                    _compare(
                        hospital,
                        stem,
                        old_entries.get(stem),
                        new_entries.get(stem),
                        signed_ids,
                        target,
                        author,
                    )
                )
    if target is not None:
        write_atomic(target / f"{CHANGE_REPORT}.json", report.to_json().encode())
        write_atomic(target / f"{CHANGE_REPORT}.txt", report.to_text().encode())
    return report


def _within(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _hospital_folders(root: Path) -> set[str]:
    return {p.parent.name for p in root.glob(f"*/{MANIFEST_FILE}")}


def _by_stem(entries: dict[str, dict[str, Any]], folder: Path) -> dict[str, Any]:
    """Manifest entries of the DOCX files, by stem; with the folder they are in."""
    return {
        Path(name).stem: entry | {"folder": folder}
        for name, entry in entries.items()
        if name.endswith(".docx")
    }


def _signed_originals(folder: Path, index) -> dict[str, dict[str, Any]]:
    """The signed original DOCX of each stem, here or in archief/ (the latest one signed)."""
    if index is None:
        return {}
    entries = manifest_entries(folder)
    candidates = [p for p in folder.glob("*") if p.suffix in (".docx", ".pdf")]
    archive = folder / ARCHIVE_FOLDER
    if archive.is_dir():
        candidates += sorted(p for p in archive.iterdir() if p.suffix in (".docx", ".pdf"))
    by_sha = {sha: p for p in candidates if (sha := sha256_or_none(p))}
    found: dict[str, dict[str, Any]] = {}
    for stem, documents in index.by_stem.items():
        for document in documents:  # in register order: a later signed version wins
            docx = _original_docx(document.sha256s, by_sha)
            if docx is None:
                continue
            entry = next(
                (e for e in entries.values() if e.get("document_id") == document.document_id),
                {},
            )
            found[stem] = {
                "document_id": document.document_id,
                "kind": entry.get("kind"),
                "clauses": entry.get("clauses", []),
                "path": docx,
                "signed": True,
            }
    return found


def _original_docx(shas: frozenset[str], by_sha: dict[str, Path]) -> Path | None:
    for sha in shas:
        path = by_sha.get(sha)
        if path is None:
            continue
        if path.suffix == ".docx":
            return path
        source = read_document_info(path.read_bytes()).get("/AIFISourceSha256")
        docx = by_sha.get(str(source)) if source else None
        if docx is not None and docx.suffix == ".docx":
            return docx
    return None


def _path(entry: dict[str, Any], stem: str) -> Path:
    return entry.get("path") or entry["folder"] / f"{stem}.docx"


def _versions(entry: dict[str, Any] | None) -> dict[str, str]:
    return {c["id"]: c["version"] for c in (entry or {}).get("clauses", []) if "id" in c}


def _compare(
    hospital: str,
    stem: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    signed_ids: set[tuple[str, str]],
    target: Path | None,
    author: str,
) -> DocumentDiff:
    old_id = old.get("document_id") if old else None
    found = DocumentDiff(
        hospital=hospital,
        stem=stem,
        kind=(new or old or {}).get("kind"),
        old_id=old_id,
        new_id=new.get("document_id") if new else None,
        state=UNCHANGED,
        signed=bool(old and (old.get("signed") or (hospital, old_id) in signed_ids)),
        old_path=_path(old, stem) if old else None,
        new_path=_path(new, stem) if new else None,
    )
    if old is None or new is None:
        return replace(found, state=ADDED if old is None else REMOVED)
    old_path, new_path = _path(old, stem), _path(new, stem)
    old_content, new_content = read_docx(old_path), read_docx(new_path)
    changes = clause_changes(old_content, new_content, _versions(old), _versions(new))
    if not changes:
        return found
    found = replace(found, state=CHANGED, changes=tuple(changes))
    if target is None:
        return found
    data, count = redline(
        old_path.read_bytes(),
        new_path.read_bytes(),
        author=author,
        when=_document_time(new_content.properties.get("modified")),
    )
    redline_path = target / hospital / f"{stem}{REDLINE_SUFFIX}"
    write_atomic(redline_path, data)
    found = replace(found, redline=redline_path, tracked_changes=count)
    report = target / hospital / f"{stem}-{CHANGE_REPORT}"
    write_atomic(report.with_suffix(".txt"), (found.to_text() + "\n").encode())
    as_json = json.dumps(found.record(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(report.with_suffix(".json"), as_json.encode())
    return found


def _document_time(value: str | None) -> datetime:
    """The moment the tracked changes carry: the new document's own date, for repeatable files."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime(1980, 1, 1)
