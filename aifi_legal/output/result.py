"""What a build wrote (or, in a dry run, would write): for a terminal, JSON and a notebook."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..documents import MODEL_FOLDER
from ..htmltable import html_table
from .manifest import BuiltDocument

_RECORD_KEYS = ("hospital", "kind", "document_id", "words", "path")


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    out: Path
    documents: tuple[BuiltDocument, ...]
    manifests: tuple[Path, ...] = field(default=())
    kept: tuple[BuiltDocument, ...] = ()  # signed documents left as they were
    archived: tuple[Path, ...] = ()  # files moved to archief/ by this build
    repaired: tuple[str, ...] = ()  # what this build repaired of an interrupted one
    dry_run: bool = False  # nothing was written: this is what the build would do
    unchanged: tuple[Path, ...] = ()  # built before from the same inputs: left as they were

    def __repr__(self) -> str:
        hospitals = {d.hospital_id for d in self.documents if d.hospital_id}
        return (
            f"<BuildResult {len(self.documents)} documents for {len(hospitals)} hospitals "
            f"in {self.out}>"
        )

    def to_text(self, *, details: bool = True) -> str:
        """What was built, kept and archived, one line each (`details`), and a summary line."""
        lines = [f"Repaired: {note}." for note in self.repaired]
        for d in self.documents:
            extra = f", {d.pdf['file']}" if d.pdf else ""
            verb = "would write " if self.dry_run else ""
            lines.append(f"  {d.path}  {verb}({d.words} words, {d.document_id}{extra})")
        lines += [
            f"  {d.path}  kept: signed ({d.document_id}); amend says what a change "
            "needs, or raise consortium.documents.version to issue a new version"
            for d in self.kept
        ]
        lines += [
            f"  {path}  {'would be ' if self.dry_run else ''}archived: the signed original "
            "of an earlier version"
            for path in self.archived
        ]
        per_kind = Counter(d.kind for d in self.documents)
        kinds = ", ".join(f"{kind}: {count}" for kind, count in per_kind.items())
        hospitals = {d.hospital_id for d in self.documents if d.hospital_id}
        who = f"{len(hospitals)} hospital(s)" if hospitals or not self.documents else "the model"
        kept = f"; {len(self.kept)} signed document(s) kept" if self.kept else ""
        if self.unchanged:
            kept += f"; {len(self.unchanged)} unchanged (same data, clauses and template)"
        summary = (
            f"Built {len(self.documents)} document(s) for {who} in {self.out} ({kinds}){kept}."
        )
        if self.dry_run:
            summary = f"Dry run: would build{summary[5:-1]}; nothing was written."
        return "\n".join([*lines, summary] if details else [summary]) + "\n"

    def to_json(self) -> str:
        """What was built, kept, archived and repaired, as JSON with the objects' field names."""
        data = {
            "out": self.out,
            "documents": [asdict(d) for d in self.documents],
            "kept": [asdict(d) for d in self.kept],
            "unchanged": list(self.unchanged),
            "archived": list(self.archived),
            "repaired": list(self.repaired),
            "manifests": list(self.manifests),
        }
        return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"

    def records(self) -> list[dict[str, Any]]:
        """One dict per document, ready for `pandas.DataFrame(result.records())`."""
        return [
            {
                "hospital": d.hospital_id or MODEL_FOLDER,
                "kind": d.kind,
                "document_id": d.document_id,
                "path": str(d.path),
                "words": d.words,
                "sha256": d.sha256,
            }
            for d in self.documents
        ]

    def _repr_html_(self) -> str:
        return html_table(_RECORD_KEYS, self.records())
