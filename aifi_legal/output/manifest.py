"""The manifest of a hospital's output folder.

`OUT/<hospital>/manifest.json` records, per file, the document id, the sha256 of the DOCX (and
of its PDF), the template and the clause versions it was made from, and the data file's sha256.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from .._version import __version__
from ..documents import AMENDMENT_FOLDER, KINDS, MODEL_FOLDER, DocumentRef
from ..source import DocumentSource
from .files import sha256_of, sha256_or_none

MANIFEST_FILE = "manifest.json"


def json_text(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)`, in half the time.

    The standard library indents in Python with a chain of generators; a manifest (a few
    hundred small tables per hospital) is written, or compared, on every build. Values other
    than plain JSON (str keys, str, int, float, bool, None, lists, tuples, dicts) go to the
    standard library as a whole.
    """
    try:
        return _indented(value, "")
    except _NotPlain:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


class _NotPlain(Exception):
    pass


_SCALARS = frozenset({int, float, bool, type(None)})


def _indented(value: Any, indent: str) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        if not value:
            return "{}"
        if any(type(key) is not str for key in value):
            raise _NotPlain
        inner = indent + "  "
        items = [
            f"{inner}{encode_basestring(key)}: {_indented(value[key], inner)}"
            for key in sorted(value)
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = indent + "  "
        items = [inner + _indented(item, inner) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    if kind in _SCALARS:
        return json.dumps(value)
    raise _NotPlain


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
    inputs: dict[str, Any] | None = None  # what it was rendered from (output.inputs)

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


def manifest_bytes(
    source: DocumentSource,
    folder: Path,
    hospital_id: str,
    built: list[BuiltDocument],
    kept: dict[str, dict[str, Any]],
    gone: set[str],
    earlier: dict[str, dict[str, Any]] | None = None,
) -> bytes:
    """The folder's new manifest.

    `built` and `kept` entries, and the earlier entries of files that stay (not rebuilt, not in
    `gone`, still there). `earlier`: the folder's manifest entries, if read already.
    """
    rebuilt = {doc.path.name for doc in built} | set(kept)
    documents = {
        name: doc
        for name, doc in (manifest_entries(folder) if earlier is None else earlier).items()
        if name not in rebuilt and name not in gone and (folder / name).is_file()
    }
    documents.update(kept)
    for doc in built:
        documents[doc.path.name] = entry_of(source, doc)
    manifest = {
        "generator": f"aifi-legal {__version__}",
        "hospital": hospital_id,
        "data": {"file": source.workspace.data.name, "sha256": source.data_sha256},
        "documents": [documents[k] for k in sorted(documents)],
    }
    return (json_text(manifest) + "\n").encode("utf-8")


def entry_of(source: DocumentSource, doc: BuiltDocument) -> dict[str, Any]:
    """The manifest entry of one built document."""
    template = source.workspace.templates / KINDS[doc.kind].template
    return {
        "kind": doc.kind,
        "processor": doc.processor_id,
        "file": doc.path.name,
        "document_id": doc.document_id,
        "sha256": doc.sha256,
        "pdf": doc.pdf,
        "template": {"file": template.name, "sha256": sha256_of(template)},
        "clauses": [
            {"id": cid, "version": version, "sha256": source.library[cid].sha256}
            for cid, version in doc.clauses
        ],
        "inputs": doc.inputs,
    }


def verify_entry(folder: Path, entry: dict[str, Any]) -> list[tuple[Path, str, str | None]]:
    """The files of a manifest entry whose bytes differ from it: (path, recorded, actual).

    `actual` is None for a file that is gone.
    """
    wrong = []
    files = [(entry.get("file"), entry.get("sha256"))]
    if entry.get("pdf"):
        files.append((entry["pdf"].get("file"), entry["pdf"].get("sha256")))
    for name, recorded in files:
        if not name or not recorded:
            continue
        actual = sha256_or_none(folder / name)
        if actual != recorded:
            wrong.append((folder / name, recorded, actual))
    return wrong


def amendment_manifest(
    source: DocumentSource, hospital_id: str, entries: list[dict[str, Any]]
) -> bytes:
    """The manifest of a folder `amend` wrote: its addenda, as `manifest_entries` reads them."""
    manifest = {
        "generator": f"aifi-legal {__version__}",
        "hospital": hospital_id,
        "data": {"file": source.workspace.data.name, "sha256": source.data_sha256},
        "documents": sorted(entries, key=lambda e: e["file"]),
    }
    return (json_text(manifest) + "\n").encode("utf-8")


def amendment_entries(hospital_folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The addenda `amend` wrote for one hospital: (numbered folder, manifest entry), in order."""
    found = []
    below = hospital_folder / AMENDMENT_FOLDER
    if below.is_dir():
        for folder in sorted(p for p in below.iterdir() if p.is_dir()):
            for entry in manifest_entries(folder).values():
                if isinstance(entry.get("amendment"), dict):
                    found.append((folder, entry))
    return found


def amendment_ref(hospital_id: str, folder: Path, entry: dict[str, Any]) -> DocumentRef:
    """The reference of an addendum from its manifest entry (the base version from its id)."""
    version = str(entry["amendment"]["base_id"]).rsplit("-V", 1)[-1]
    return DocumentRef(
        str(entry["kind"]), hospital_id, version, entry.get("processor"), amendment=folder.name
    )


def amendment_refs(out: Path, hospital_ids: Iterable[str]) -> dict[str, DocumentRef]:
    """Every addendum written below `out` for these hospitals: document id -> its reference."""
    return {
        str(entry["document_id"]): amendment_ref(hospital, folder, entry)
        for hospital in hospital_ids
        for folder, entry in amendment_entries(out / hospital)
    }
