"""The manifest of a hospital's output folder, and the archive of signed originals.

`OUT/<hospital>/manifest.json` records, per file, the document id, the sha256 of the DOCX (and
of its PDF), the template and the clause versions it was made from, and the data file's sha256.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from ..documents import ARCHIVE_FOLDER, KINDS, MODEL_FOLDER
from ..source import DocumentSource
from .files import sha256_of, write_atomic

MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class BuiltDocument:
    """One generated file."""

    kind: str
    hospital_id: str | None  # None for a model document
    path: Path
    document_id: str
    sha256: str
    words: int
    clauses: tuple[tuple[str, str], ...]  # (id, version) in document order
    processor_id: str | None = None  # the other party of a processor agreement
    pdf: dict[str, Any] | None = None  # {"file", "sha256", "draft", "fields"} with a PDF

    def __repr__(self) -> str:
        who = self.hospital_id or MODEL_FOLDER
        return f"<BuiltDocument {self.kind} {who}: {self.path} ({self.words} words)>"


def manifest_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """The documents recorded in a hospital folder's manifest.json, by file name."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return {}
    try:
        return {d["file"]: d for d in json.loads(path.read_text("utf-8"))["documents"]}
    except (ValueError, KeyError, TypeError):
        return {}


def write_manifest(source: DocumentSource, folder: Path, hospital_id: str,
                   built: list[BuiltDocument]) -> Path:
    """Record `built` in the folder's manifest, keeping the entries of files not rebuilt."""
    path = folder / MANIFEST_FILE
    rebuilt = {doc.path.name for doc in built}
    documents = {name: doc for name, doc in manifest_entries(folder).items()
                 if name not in rebuilt and (folder / name).is_file()}
    for doc in built:
        template = source.workspace.templates / KINDS[doc.kind].template
        documents[doc.path.name] = {
            "kind": doc.kind,
            "processor": doc.processor_id,
            "file": doc.path.name,
            "document_id": doc.document_id,
            "sha256": doc.sha256,
            "pdf": doc.pdf,
            "template": {"file": template.name, "sha256": sha256_of(template)},
            "clauses": [{"id": cid, "version": version,
                         "sha256": source.library[cid].sha256} for cid, version in doc.clauses],
        }
    manifest = {
        "generator": f"aifi-legal {__version__}",
        "hospital": hospital_id,
        "data": {"file": source.workspace.data.name, "sha256": source.data_sha256},
        "documents": [documents[k] for k in sorted(documents)],
    }
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True)
                        + "\n").encode("utf-8"))
    return path


def archive(folder: Path, stem: str, document_id: str) -> None:
    """Move a signed document (DOCX and PDF) to archief/ before a new version is written."""
    target = folder / ARCHIVE_FOLDER
    target.mkdir(exist_ok=True)
    for suffix in (".docx", ".pdf"):
        source = folder / f"{stem}{suffix}"
        if source.exists():
            os.replace(source, target / f"{stem}-{document_id}{suffix}")
