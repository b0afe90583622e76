"""Which files on disk are signed originals: decided by the register, never by a manifest.

A signed event records the document id and the sha256 of the file that was signed (the PDF we
sent, or the DOCX for a signature recorded by hand). A file is a signed original when its bytes
have that sha256; the DOCX a signed PDF was made from (its `/AIFISourceSha256`) belongs with it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import ARCHIVE_FOLDER
from ..errors import PdfError
from ..pdf import read_document_info
from ..register.ledger import Register
from .files import sha256_or_none

SUFFIXES = (".docx", ".pdf")


@dataclass(frozen=True)
class SignedDocument:
    """One document id with a signature that counts, and the sha256s that were signed."""

    document_id: str
    stem: str
    sha256s: frozenset[str]


@dataclass
class SignedIndex:
    """A hospital's signed documents, by file stem, from the register."""

    by_stem: dict[str, list[SignedDocument]] = field(default_factory=dict)

    def of(self, stem: str) -> list[SignedDocument]:
        """The signed documents (every version) of one file stem."""
        return self.by_stem.get(stem, [])


def signed_index(register: Register) -> dict[str, SignedIndex]:
    """Hospital id -> its signed documents; a revoked signature does not count."""
    shas: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for (hospital, document_id), latest in register.state().items():
        for event in latest.values():
            if event.event == "signed":
                key = (hospital, document_id, Path(event.document).stem)
                shas[key]
                if event.document_sha256:
                    shas[key].add(event.document_sha256)
    index: dict[str, SignedIndex] = defaultdict(SignedIndex)
    for (hospital, document_id, stem), found in shas.items():
        index[hospital].by_stem.setdefault(stem, []).append(
            SignedDocument(document_id, stem, frozenset(found))
        )
    return index


@dataclass(frozen=True)
class OnDisk:
    """The files at a document's place: sha256 by suffix (None: no file)."""

    sha256: dict[str, str | None]
    source_of_pdf: str | None  # the /AIFISourceSha256 of the PDF there, if any

    def signed_as(self, documents: list[SignedDocument]) -> SignedDocument | None:
        """The signed document whose original is here (by sha256), if any."""
        for document in documents:
            pdf, docx = self.sha256.get(".pdf"), self.sha256.get(".docx")
            if pdf in document.sha256s or docx in document.sha256s:
                return document
        return None


def on_disk(folder: Path, stem: str) -> OnDisk:
    """Read what is at `folder/stem.docx` and `folder/stem.pdf`."""
    shas = {suffix: sha256_or_none(folder / f"{stem}{suffix}") for suffix in SUFFIXES}
    source = None
    if shas[".pdf"] is not None:
        try:
            source = read_document_info((folder / f"{stem}.pdf").read_bytes()).get(
                "/AIFISourceSha256"
            )
        except (PdfError, OSError):
            source = None
    return OnDisk(shas, source)


def archived_sha256s(folder: Path, stem: str) -> set[str]:
    """The sha256 of every archived file of `stem` in the folder's archief/."""
    archive = folder / ARCHIVE_FOLDER
    if not archive.is_dir():
        return set()
    return {sha for path in archive.glob(f"{stem}-*") if (sha := sha256_or_none(path))}


def archive_name(stem: str, document_id: str, sha256: str, suffix: str) -> str:
    """The unique name of an archived file: stem, document id and the start of its sha256."""
    return f"{stem}-{document_id}-{sha256[:12]}{suffix}"
