"""The conventions the writer, the reader, the checks and the PDF share, each in one place.

Bookmark names mark clauses, style names give paragraphs their role, and the labels of the
signature table tell a reader (and the PDF's field placement) where each signatory signs.
"""

from __future__ import annotations

import re
import zlib
from datetime import date, datetime, time

# Clauses are wrapped in bookmarks named after their id: invisible to a reader, kept by Word
# and by LibreOffice through a round trip (which may add "_Copy_1" to a duplicate).
BOOKMARK_PREFIX = "aifi_"
# Terms from the data (numbers, amounts, dates) are bookmarked too, under another prefix.
TERM_PREFIX = "aifiterm_"
# A numbered heading's text is bookmarked as well, for the cross-references that point at it.
HEADING_PREFIX = "_Ref"

# Paragraph roles and the template style each is written in (by style name).
STYLES = {
    "heading": "Heading 1",
    "annex_heading": "AIFI Bijlagekop",
    "signature_heading": "AIFI Ondertekeningkop",
    "text": "AIFI Tekst",
    "member": "AIFI Lid",
    "recital": "AIFI Overweging",
    "item": "AIFI Opsomming",
    "subheading": "AIFI Tussenkop",
    "table_text": "AIFI Tabeltekst",
    "signature_party": "AIFI Ondertekening partij",
    "signature_text": "AIFI Ondertekening tekst",
    "signature_line": "AIFI Handtekeninglijn",
    "title_meta": "AIFI Titelgegevens",
    "contents_heading": "TOC Heading",
    "contents_entry": "toc 1",
    "table": "Table Grid",
}
# The heading of the table of contents.
CONTENTS_TITLE = "Inhoud"
# Styles of a table of contents: ours, Word's own ("toc 2", ...) and LibreOffice's names for
# them ("Contents 1", "Contents Heading"). A reader keeps these lines apart from the text.
_CONTENTS_STYLE = re.compile(r"(toc|contents) (\d|heading)")


def is_contents_style(name: str | None) -> bool:
    """Whether a paragraph style (by name, any case) is one of a table of contents."""
    return bool(name and _CONTENTS_STYLE.fullmatch(name.lower()))


# Headings that number articles, chapters and annexes (compared in lower case: Word and
# LibreOffice may change the case of a built-in style's name).
NUMBERED_HEADING_STYLES = frozenset(STYLES[r].lower() for r in ("heading", "annex_heading"))
HEADING_STYLES = NUMBERED_HEADING_STYLES | {STYLES["signature_heading"].lower()}

# The signature table: per signatory a signature line, then these labelled lines.
NAME, FUNCTION, AUTHORITY, PLACE, DATE = "Naam", "Functie", "Bevoegdheid", "Plaats", "Datum"
SIGNATORY_LABELS = (NAME, FUNCTION, AUTHORITY, PLACE)
DATE_LINE = f"{DATE}: ____________________"
# The reader joins a cell's paragraphs with this separator.
CELL_SEPARATOR = " / "

# Placeholders of a model document are highlighted in this colour.
HIGHLIGHT = "yellow"
HIGHLIGHT_HEX = "FFFF00"

# A document's properties and PDF carry its date at this time of day, so that the same inputs
# give the same bytes.
DOCUMENT_TIME = time(9, 0)


def bookmark_name(clause_id: str) -> str:
    """The bookmark of a clause; Word allows letters, digits and underscores, 40 at most."""
    return BOOKMARK_PREFIX + clause_id.replace("-", "_")


def clause_of_bookmark(name: str) -> str | None:
    """The clause id of an aifi_ bookmark; LibreOffice may add "_Copy_1" to a duplicate."""
    if not name.startswith(BOOKMARK_PREFIX):
        return None
    name = re.sub(r"_Copy_\d+$", "", name[len(BOOKMARK_PREFIX) :])
    return name.replace("_", "-")


def term_bookmark(clause_id: str, number: int) -> str:
    """The bookmark around the `number`th term (from 1) of a clause.

    Its own prefix, so that no reader takes it for a clause; a checksum of the clause id keeps
    it within Word's 40 characters.
    """
    return f"{TERM_PREFIX}{zlib.crc32(clause_id.encode()):08x}_{number}"


def heading_bookmark(clause_id: str) -> str:
    """The hidden bookmark around a numbered heading's text, which cross-references point at.

    Named as Word names the bookmarks of its own cross-references (`_Ref` and digits, hidden
    from the bookmark list); the digits are a checksum of the clause id.
    """
    return f"{HEADING_PREFIX}{zlib.crc32(clause_id.encode()):010d}"


def is_term_bookmark(name: str) -> bool:
    """Whether a bookmark marks a term rather than a clause."""
    return name.startswith(TERM_PREFIX)


def labelled(label: str, value: object) -> str:
    """One labelled line of the signature table: `Naam: dr. A. de Vries`."""
    return f"{label}: {value}"


def signature_anchor(name: str) -> str:
    """The text right below a signatory's signature line, where the PDF field is placed."""
    return labelled(NAME, name)


def is_signature_table(first_row: list[str]) -> bool:
    """Whether a table (given its first row of cell texts) is the signature table."""
    return any(f"{NAME}:" in cell for cell in first_row)


_NAMES = re.compile(rf"{NAME}: (.+?){re.escape(CELL_SEPARATOR)}{FUNCTION}")


def names_in_signature_cell(cell: str) -> list[str]:
    """The signatories' names in one cell of the signature table, as the reader joined it."""
    return _NAMES.findall(cell)


def document_timestamp(day: date) -> datetime:
    """The fixed moment a document's properties give for its date."""
    return datetime.combine(day, DOCUMENT_TIME)
