"""What a document is: its kind and its identity.

`DocumentRef` is the one owner of a document's id, file name and folder; nothing else derives
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError, did_you_mean

# Folder names below the output folder that are not hospitals.
MODEL_FOLDER = "model"
ARCHIVE_FOLDER = "archief"
RESERVED_NAMES = (MODEL_FOLDER, ARCHIVE_FOLDER)
# Below a hospital's folder: what `amend` writes after signing, in numbered folders
# (`wijzigingen/001-2027-06-01/`).
AMENDMENT_FOLDER = "wijzigingen"
ADDENDUM_SUFFIX = "-wijzigingsovereenkomst"  # file stem of an addendum: <agreement>-<suffix>
NOTICE_SUFFIX = "-kennisgeving-subverwerker"  # file stem of a sub-processor notice, likewise
CHANGE_REPORT = "wijzigingen"  # file stem of a change report (.txt and .json)
MODEL_KEY = "MODEL"  # the hospital part of a model document's id


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document in a hospital's set, and how it presents itself."""

    name: str  # file stem and the value of `only`
    title: str  # title on the title page and in the header
    noun: str  # how the document refers to itself in running text
    code: str  # part of the document id
    template: str  # file name in templates/
    parties: tuple[str, ...]  # context keys of the parties that sign, in signing order
    per_processor: bool = False  # one document per processor the hospital contracts with
    contents: bool = False  # opens with a table of contents (the long documents)


KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        DocumentKind(
            "intentieverklaring",
            "Intentieverklaring",
            "deze intentieverklaring",
            "IVK",
            "intentieverklaring.docx",
            ("ziekenhuis", "aifi"),
        ),
        DocumentKind(
            "deelnameovereenkomst",
            "Deelnameovereenkomst",
            "deze overeenkomst",
            "DNO",
            "deelnameovereenkomst.docx",
            ("ziekenhuis", "aifi"),
        ),
        DocumentKind(
            "verwerkersovereenkomst",
            "Verwerkersovereenkomst",
            "deze verwerkersovereenkomst",
            "VWO",
            "verwerkersovereenkomst.docx",
            ("ziekenhuis", "verwerker"),
            per_processor=True,
            contents=True,
        ),
        DocumentKind(
            "dpia",
            "Gegevensbeschermingseffectbeoordeling (DPIA)",
            "deze DPIA",
            "DPIA",
            "dpia.docx",
            ("ziekenhuis",),
            contents=True,
        ),
    )
}

# The legal checklists (legal-reference.md §8) a kind's clauses must cover.
CHECKLIST_SIZES = {"verwerkersovereenkomst": ("DPA", 29), "dpia": ("DPIA", 24)}
CHECKLISTS: dict[str, tuple[str, ...]] = {
    kind: tuple(f"{prefix}-{n:02d}" for n in range(1, size + 1))
    for kind, (prefix, size) in CHECKLIST_SIZES.items()
}


def kinds(only: str | Iterable[str] = ()) -> list[str]:
    """The kinds named in `only` (one name or several), in set order; all kinds when empty.

    Raises UsageError for a name that is not a kind.
    """
    names = [only] if isinstance(only, str) else list(dict.fromkeys(only))
    for name in names:
        if name not in KINDS:
            raise UsageError(
                f"unknown document kind {name!r}",
                argument="only",
                value=name,
                hint=did_you_mean(name, list(KINDS), listing="kinds"),
            )
    return [k for k in KINDS if not names or k in names]


@dataclass(frozen=True, order=True)
class DocumentRef:
    """One document of the set: a kind, for a hospital (None: the model), for a processor."""

    kind: str
    hospital_id: str | None
    version: str
    processor_id: str | None = None
    # An addendum (wijzigingsovereenkomst) to this agreement, by the numbered folder `amend`
    # wrote it in (`001-2027-06-01`); None for the agreement itself.
    amendment: str | None = None

    @property
    def document_kind(self) -> DocumentKind:
        """The kind's description."""
        return KINDS[self.kind]

    @property
    def is_model(self) -> bool:
        """Whether this is the model document of its kind (no hospital)."""
        return self.hospital_id is None

    @property
    def id(self) -> str:
        """`AIFI-DNO-ST-JOZEF-DALWIJK-V1.0`: stable for the same kind, hospital and version.

        A processor agreement adds `--<processor>`: a slug never holds two hyphens in a row,
        so hospital `rijn` with processor `stede-cloud` and `rijn-stede` with `cloud` differ.
        An addendum adds `-W<NNN>` (its folder's number) to the id of the agreement it amends.
        """
        hospital = MODEL_KEY if self.hospital_id is None else self.hospital_id.upper()
        processor = f"--{self.processor_id.upper()}" if self.processor_id else ""
        addendum = f"-W{self.amendment[:3]}" if self.amendment else ""
        return f"AIFI-{self.document_kind.code}-{hospital}{processor}-V{self.version}{addendum}"

    @property
    def stem(self) -> str:
        """The file name without extension: `dpia`, `verwerkersovereenkomst-nordlicht`."""
        stem = self.kind
        if self.document_kind.per_processor and self.processor_id:
            stem = f"{self.kind}-{self.processor_id}"
        return stem + ADDENDUM_SUFFIX if self.amendment else stem

    @property
    def file_name(self) -> str:
        """The DOCX file name."""
        return f"{self.stem}.docx"

    @property
    def pdf_name(self) -> str:
        """The PDF file name."""
        return f"{self.stem}.pdf"

    @property
    def folder_name(self) -> str:
        """The hospital's folder below the output folder (`model` for a model document)."""
        return self.hospital_id or MODEL_FOLDER

    def folder(self, out: str | Path) -> Path:
        """The folder this document is written to below `out`."""
        if self.amendment:
            return Path(out) / self.folder_name / AMENDMENT_FOLDER / self.amendment
        return Path(out) / self.folder_name

    def path(self, out: str | Path, suffix: str = ".docx") -> Path:
        """The file this document is written to below `out`."""
        return self.folder(out) / f"{self.stem}{suffix}"

    @property
    def base(self) -> DocumentRef:
        """The agreement an addendum amends (the document itself for any other)."""
        return DocumentRef(self.kind, self.hospital_id, self.version, self.processor_id)

    def __str__(self) -> str:
        if self.amendment:
            return f"{self.folder_name}/{AMENDMENT_FOLDER}/{self.amendment}/{self.file_name}"
        return f"{self.folder_name}/{self.file_name}"
