"""What a built document was made from, so that a build leaves an unchanged document alone.

A manifest entry records, per document, the inputs it was rendered from: the generator's
version, the template's sha256, the data it reads (its hospital and the shared parts of the
data: consortium, groups, solutions, processors), the sha256 of each clause it contains, the
condition of each clause of its kind it left out, and the DPIA's risk register. A document
whose recorded inputs are the current ones, and whose file is still the one built, is not
rendered again. A change in one clause so renders only the documents that contain it (or
whose kind gained a clause, or whose left-out clause changed its condition).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..assembly.clauses import Clause
from ..documents import KINDS, DocumentRef
from ..source import DocumentSource
from .files import sha256_or_none, sha256_text
from .manifest import verify_entry


def condition_sha256(clause: Clause) -> str:
    """What decides whether a left-out clause stays out: its condition and where it goes."""
    head = clause.head
    return _condition_sha256(head.condition, tuple(head.documents), head.section)


@functools.lru_cache(maxsize=1024)
def _condition_sha256(condition: str | None, documents: tuple[str, ...], section: str) -> str:
    return sha256_text(json.dumps([condition, list(documents), section], default=str))


@dataclass
class Inputs:
    """The current inputs of the documents of one build, each worked out once."""

    source: DocumentSource
    _templates: dict[str, str | None] = field(default_factory=dict)
    _shared: str | None = None
    _hospitals: dict[str, str] = field(default_factory=dict)
    _risks: str | None = ""  # "": not read yet

    def template(self, kind: str) -> str | None:
        """The sha256 of the kind's template as it is now."""
        if kind not in self._templates:
            path = self.source.workspace.templates / KINDS[kind].template
            self._templates[kind] = sha256_or_none(Path(path))
        return self._templates[kind]

    def data(self, hospital_id: str) -> str:
        """The sha256 of the data a hospital's documents read."""
        if hospital_id not in self._hospitals:
            portfolio = self.source.portfolio
            if self._shared is None:
                shared = portfolio.model_dump(mode="json", exclude={"hospitals"})
                self._shared = json.dumps(shared, sort_keys=True, default=str)
            own = portfolio.hospital(hospital_id).model_dump(mode="json")
            self._hospitals[hospital_id] = sha256_text(
                self._shared + json.dumps(own, sort_keys=True, default=str)
            )
        return self._hospitals[hospital_id]

    def risks(self) -> str | None:
        """The sha256 of the risk register, if the library has one (read once)."""
        if self._risks == "":
            path = self.source.library.risk_file
            self._risks = sha256_or_none(path) if path else None
        return self._risks

    def record(
        self, ref: DocumentRef, included: tuple[str, ...], excluded: tuple[str, ...]
    ) -> dict[str, Any]:
        """The inputs of a document just rendered, as its manifest entry keeps them."""
        clauses = self.source.library.clauses
        return {
            "generator": __version__,
            "template": self.template(ref.kind),
            "data": self.data(ref.hospital_id) if ref.hospital_id else None,
            "included": {cid: clauses[cid].sha256 for cid in included},
            "excluded": {cid: condition_sha256(clauses[cid]) for cid in excluded},
            "risks": self.risks(),
        }

    def unchanged(self, ref: DocumentRef, folder: Path, entry: dict[str, Any] | None) -> bool:
        """Whether the document in `folder` was built from exactly the current inputs."""
        recorded = (entry or {}).get("inputs")
        if not entry or not isinstance(recorded, dict) or entry.get("document_id") != ref.id:
            return False
        if ref.hospital_id is None:  # a model document reads an example hospital: always anew
            return False
        if (
            recorded.get("generator") != __version__
            or recorded.get("template") != self.template(ref.kind)
            or recorded.get("risks") != self.risks()
            or recorded.get("data") != self.data(ref.hospital_id)
        ):
            return False
        included, excluded = recorded.get("included"), recorded.get("excluded")
        if not isinstance(included, dict) or not isinstance(excluded, dict):
            return False
        kind = {clause.id: clause for clause in self.source.library.for_kind(ref.kind)}
        if set(kind) != set(included) | set(excluded):
            return False  # a clause of the kind came or went
        if any(kind[cid].sha256 != sha for cid, sha in included.items()):
            return False
        if any(condition_sha256(kind[cid]) != sha for cid, sha in excluded.items()):
            return False
        return not verify_entry(folder, entry)  # and the files are the ones built
