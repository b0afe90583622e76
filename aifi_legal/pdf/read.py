"""Reading PDFs with pypdf: document properties, page text, signature fields, page diffs.

pypdf's log messages and warnings are kept away from the user; every problem a damaged or
foreign file causes raises :class:`PdfError`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pypdf

from ..errors import PdfError
from ..textdiff import clip, word_hunks

_QUIET_LOGGERS = ("pypdf", "pyhanko", "pyhanko_certvalidator")
# Malformed files can nest or loop their form fields; deeper than this is not ours.
MAX_FIELD_DEPTH = 32


@dataclass(frozen=True)
class FieldState:
    """A signature field as the file declares it (no cryptography involved)."""

    field_name: str
    signed: bool
    sub_filter: str | None
    signing_time: str | None
    byte_range: tuple[int, ...] | None


@dataclass(frozen=True)
class PageChange:
    """A page whose text differs between two PDFs."""

    page: int
    diff: str


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep pypdf's and pyHanko's log messages and warnings away from the user."""
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def reading(what: str = "the file") -> Iterator[None]:
    """Turn pypdf's errors on a broken or foreign file into PdfError (pypdf reads lazily)."""
    try:
        with quiet():
            yield
    except PdfError:
        raise
    except (
        pypdf.errors.PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        AssertionError,
    ) as exc:
        raise PdfError(
            f"{what} is not a readable PDF: {exc}",
            hint="check that it is the PDF file, not a scan or another format",
        ) from None


def reader_of(pdf: bytes, what: str = "the file") -> pypdf.PdfReader:
    """A pypdf reader for PDF bytes; PdfError for anything that is not a readable PDF."""
    if not isinstance(pdf, (bytes, bytearray)):
        raise PdfError(f"{what}: expected the PDF's bytes, got {type(pdf).__name__}")
    if b"%PDF-" not in bytes(pdf[:1024]):
        raise PdfError(
            f"{what} is not a PDF (no %PDF- header)",
            hint="check that it is the PDF file, not a Word document or a scan",
        )
    with reading(what):
        reader = pypdf.PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted:
            raise PdfError(
                f"{what} is encrypted", hint="ask for the PDF without a password or restrictions"
            )
        reader.pages  # noqa: B018 - parses the page tree now, inside the error handling
    return reader


def read_document_info(pdf: bytes) -> dict[str, str]:
    """The document information dictionary (/Title, /AIFIDocumentId, ...) as text."""
    reader = reader_of(pdf)
    with reading():
        info: dict[Any, Any] = dict(reader.metadata or {})
        return {
            str(key): str(value.get_object() if hasattr(value, "get_object") else value)
            for key, value in info.items()
        }


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, whitespace folded to single spaces."""
    reader = reader_of(pdf)
    with reading():
        return [_fold(page.extract_text()) for page in reader.pages]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def compare_pages(original: bytes, returned: bytes) -> list[PageChange]:
    """The pages whose text differs, added and removed pages included, each with a diff."""
    before = page_texts(original)
    after = page_texts(returned)
    changes = []
    for index in range(max(len(before), len(after))):
        if index >= len(before):
            changes.append(PageChange(index + 1, "+ page added: " + clip(after[index], 160)))
        elif index >= len(after):
            changes.append(PageChange(index + 1, "- page removed: " + clip(before[index], 160)))
        elif before[index] != after[index]:
            changes.append(PageChange(index + 1, _word_diff(before[index], after[index])))
    return changes


def _word_diff(before: str, after: str, context: int = 5, hunks: int = 8) -> str:
    """A short diff by words: a few words of context, then the removed and added words.

    By words, not lines: one changed word can re-wrap a whole paragraph in the PDF.
    """
    found = word_hunks(before, after, context)
    lines: list[str] = []
    for hunk in found[:hunks]:
        lines.append(f"@@ word {hunk.word} @@")
        if hunk.lead:
            lines.append(f"  ...{hunk.lead}")
        if hunk.removed:
            lines.append("- " + clip(hunk.removed, 160))
        if hunk.added:
            lines.append("+ " + clip(hunk.added, 160))
        if hunk.tail:
            lines.append(f"  {hunk.tail}...")
    if len(found) > hunks:
        lines.append(f"... and {len(found) - hunks} more changes on this page")
    return "\n".join(lines)


def signature_fields(pdf: bytes) -> list[FieldState]:
    """Every signature field (/FT /Sig) of the AcroForm, kids included, signed or empty."""
    reader = reader_of(pdf)
    with reading():
        return [field_state(name, field) for name, field in sig_fields(reader)]


def field_state(name: str, field: Any) -> FieldState:
    """A field's state from its dictionary: signed when it has a signature value."""
    value: Any = field.get("/V")
    value = value.get_object() if value is not None else None
    if (
        value is None
        or not hasattr(value, "get")
        or ("/ByteRange" not in value and "/Contents" not in value)
    ):
        return FieldState(name, False, None, None, None)
    sub_filter = value.get("/SubFilter")
    signing_time = value.get("/M")
    byte_range = value.get("/ByteRange")
    return FieldState(
        name,
        True,
        str(sub_filter) if sub_filter is not None else None,
        str(signing_time) if signing_time is not None else None,
        tuple(int(x) for x in byte_range.get_object()) if byte_range is not None else None,
    )


def sig_fields(reader) -> list[tuple[str, Any]]:
    """(full name, terminal field dict) of the signature fields, in AcroForm order."""
    acroform = reader.root_object.get("/AcroForm")
    if acroform is None:
        return []
    found: list[tuple[str, Any]] = []
    seen: set[int] = set()

    def walk(node: Any, prefix: str, inherited_type: Any, depth: int) -> None:
        node = node.get_object()
        if id(node) in seen or depth > MAX_FIELD_DEPTH:  # malformed files can loop
            return
        seen.add(id(node))
        partial = node.get("/T")
        name = (
            f"{prefix}.{partial}"
            if prefix and partial is not None
            else str(partial)
            if partial is not None
            else prefix
        )
        field_type = node.get("/FT", inherited_type)
        kids = [kid.get_object() for kid in node.get("/Kids", [])]
        if any("/T" in kid for kid in kids):
            for kid in kids:
                walk(kid, name, field_type, depth + 1)
        elif field_type == "/Sig":
            found.append((name, node))

    for field in acroform.get_object().get("/Fields", []):
        walk(field, "", None, 0)
    return found
