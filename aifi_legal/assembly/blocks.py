"""The plain structure of an assembled document, and the parser that makes it from clause text.

A rendered clause is Markdown-like text (numbered members, lettered items, `## ` subheadings,
`|` tables, `**bold**`, placeholders and terms marked by control characters); `parse_blocks`
turns it into paragraphs and tables, so that the writer never sees markup.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .placeholders import END, START, literal
from .terms import TERM_END, TERM_SEP, TERM_START

# --- the structure ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A piece of text with one formatting: bold, or a model document's placeholder."""

    text: str
    bold: bool = False
    placeholder: bool = False
    term: str | None = None  # the data field the text states, e.g. verwerker.deletion_days
    ref: str | None = None  # the clause a cross-reference points at; the text is its number


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; `role` names its style in the template (see docxwriter.STYLES)."""

    role: str
    runs: tuple[Run, ...]
    label: str | None = None  # a number or letter written before the text ("7.1", "a.")

    @property
    def text(self) -> str:
        """The label and the text, as a reader sees them."""
        body = "".join(r.text for r in self.runs)
        return f"{self.label} {body}" if self.label else body


# Cell colours a clause may ask for with a `!name ` prefix in a table cell.
CELL_COLOURS = {"groen": "C6EFCE", "oranje": "FFEB9C", "rood": "FFC7CE", "grijs": "E7E6E6"}


@dataclass(frozen=True)
class Cell:
    """One table cell: its runs and an optional background colour."""

    runs: tuple[Run, ...]
    fill: str | None = None  # a hex colour from CELL_COLOURS

    @property
    def text(self) -> str:
        """The cell's text."""
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Table:
    """A table as a clause writes it in Markdown-like rows."""

    rows: tuple[tuple[Cell, ...], ...]  # row 0 is the header


Block = Paragraph | Table


# --- numbers and cross-references ---------------------------------------------------------------

# How the number of a heading reads, per numbered section: the same in the assembled text, in
# Word's numbering (word.numbering) and in a cross-reference to the heading, which Word and
# LibreOffice show as the number with these words.
HEADING_NUMBERS = {"artikel": "Artikel {}", "hoofdstuk": "{}", "bijlage": "Bijlage {}"}
# Words written before a cross-reference whose number alone does not say what it numbers.
REFERENCE_PREFIX = {"hoofdstuk": "hoofdstuk "}
# Private-use characters: a cross-reference is written REF_START clause REF_SEP number REF_END
# in rendered clause text, and becomes a Word field; data values may not contain them.
REF_START, REF_SEP, REF_END = "\ue018", "\ue019", "\ue01a"


class Reference(str):
    """A rendered cross-reference; a filter that changes its case is an error, not a no-op.

    Word and LibreOffice show the heading's number as it is numbered ("Artikel 12"), whatever
    the text around it did, so `| lower` or `| capitalize` would only disagree with the PDF.
    """

    def _refuse(self, *args: object, **kwargs: object) -> str:
        shown = self.split(REF_SEP)[-1].rstrip(REF_END)
        raise ValueError(
            f"a cross-reference shows the number as Word numbers the heading ({shown!r}); "
            "remove the filter that changes its case"
        )

    lower = upper = capitalize = title = swapcase = casefold = _refuse


def reference(section: str, number: str, target: str) -> Reference:
    """The rendered text of a cross-reference to clause `target`, numbered `number`."""
    shown = HEADING_NUMBERS[section].format(number)
    prefix = REFERENCE_PREFIX.get(section, "")
    return Reference(f"{prefix}{REF_START}{target}{REF_SEP}{shown}{REF_END}")


# --- parsing rendered text ----------------------------------------------------------------------


def item_label(index: int) -> str:
    """The letter of the `index`th item (from 0), as Word numbers it: `a.` ... `z.`, `aa.`."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return f"{letters[index % 26] * (index // 26 + 1)}."


_INLINE = re.compile(
    rf"(\*\*|{START}|{END}|{TERM_START}[^{TERM_SEP}]*{TERM_SEP}|{TERM_END}"
    rf"|{REF_START}[^{REF_SEP}]*{REF_SEP}|{REF_END})"
)


def inline_runs(text: str) -> tuple[Run, ...]:
    """Split text into runs on `**bold**`, placeholder brackets and term brackets."""
    runs: list[Run] = []
    bold = placeholder = False
    term: str | None = None
    ref: str | None = None
    for piece in _INLINE.split(text):
        if piece == "**":
            bold = not bold
        elif piece == START:
            placeholder = True
        elif piece == END:
            placeholder = False
        elif piece.startswith(TERM_START):
            term = piece[1:-1]
        elif piece == TERM_END:
            term = None
        elif piece.startswith(REF_START):
            ref = literal(piece[1:-1])
        elif piece == REF_END:
            ref = None
        elif piece:
            runs.append(Run(literal(piece), bold, placeholder, term, ref))
    return tuple(runs)


_COLOUR_PREFIX = re.compile(r"!({})(?:\s+|$)".format("|".join(CELL_COLOURS)))


def _cells(line: str) -> tuple[Cell, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    cells = []
    for raw in inner.split("|"):
        raw = raw.strip()
        match = _COLOUR_PREFIX.match(raw)
        fill = CELL_COLOURS[match.group(1)] if match else None
        cells.append(Cell(inline_runs(raw[match.end() :] if match else raw), fill))
    return tuple(cells)


def _is_rule(line: str) -> bool:
    return bool(re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?", line.strip()))


def parse_blocks(text: str, section: str, number: str | None = None) -> list[Block]:
    """Turn rendered clause text into paragraphs, lists and tables for `section`.

    `number` is the article number the members are numbered under.
    """
    return list(_parsed(text, section, number))


# A clause that reads the same for many hospitals (no data in it, or the same data) is parsed
# once: the blocks are immutable, and the same text always gives the same blocks.
@functools.lru_cache(maxsize=1024)
def _parsed(text: str, section: str, number: str | None) -> tuple[Block, ...]:
    return tuple(_parse(text, section, number))


@functools.lru_cache(maxsize=1024)
def parsed_words(text: str, section: str, number: str | None = None) -> int:
    """The words of `parse_blocks(text, section, number)` (see count_words), kept per text."""
    return count_words(_parsed(text, section, number))


def count_words(blocks: tuple[Block, ...] | list[Block]) -> int:
    """The words of blocks as a document's text lists them.

    A paragraph a line, a table row a line with its cells joined by ` | ` (each bar a word).
    """
    count = 0
    for block in blocks:
        if isinstance(block, Paragraph):
            count += len(block.text.split())
        else:
            count += sum(len(" | ".join(c.text for c in row).split()) for row in block.rows)
    return count


def _parse(text: str, section: str, number: str | None) -> list[Block]:
    blocks: list[Block] = []
    items = 0
    chunks = re.split(r"\n[ \t]*\n", text.strip("\n"))
    plain_role = {
        "partijen": "text",
        "overwegingen": "recital",
        "artikel": "member",
        "hoofdstuk": "text",
        "ondertekening": "text",
        "bijlage": "text",
    }[section]

    pending: list[Block] = []
    member_count = 0

    for chunk in chunks:
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        current: list[str] = []
        kind = None  # "text" | "item" | "table"
        rows: list[tuple[Cell, ...]] = []

        def flush() -> None:
            nonlocal current, kind, rows, items, member_count
            if kind == "text" and current:
                pending.append(Paragraph(plain_role, inline_runs(" ".join(current))))
                if plain_role in ("member", "recital"):
                    member_count += 1
                items = 0
            elif kind == "item" and current:
                label = f"{items + 1}." if section == "partijen" else item_label(items)
                pending.append(Paragraph("item", inline_runs(" ".join(current)), label))
                items += 1
            elif kind == "table" and rows:
                pending.append(Table(tuple(rows)))
            current, kind, rows = [], None, []

        for line in lines:
            stripped = line.strip()
            if stripped.startswith("## "):
                flush()
                items = 0  # a list under a new subheading starts again at a.
                pending.append(Paragraph("subheading", inline_runs(stripped[3:].strip())))
            elif stripped.startswith("|"):
                if kind != "table":
                    flush()
                    kind = "table"
                if not _is_rule(stripped):
                    rows.append(_cells(stripped))
            elif stripped.startswith("- "):
                flush()
                kind = "item"
                current = [stripped[2:].strip()]
            elif kind == "item" and line.startswith((" ", "\t")):
                current.append(stripped)
            else:
                if kind != "text":
                    flush()
                    kind = "text"
                current.append(stripped)
        flush()

    # Number the members of an article (7.1, 7.2) only when there is more than one, and the
    # recitals always (A, B, C).
    counter = 0
    for block in pending:
        if isinstance(block, Paragraph) and block.role == "recital":
            if block.text.endswith(":"):  # a lead-in or lead-out line, not a recital
                block = Paragraph("text", block.runs)
            else:
                block = Paragraph("recital", block.runs, f"{chr(ord('A') + counter)}.")
                counter += 1
        elif isinstance(block, Paragraph) and block.role == "member" and member_count > 1:
            counter += 1
            block = Paragraph("member", block.runs, f"{number}.{counter}")
        blocks.append(block)
    return blocks
