"""Assembling a document from the clause library: choose, number, render and parse clauses.

The result is a plain structure of paragraphs and tables (no DOCX yet), so that numbering,
references and definitions can be tested without Word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateSyntaxError

from ..errors import ClauseError, Problem
from .clauses import Clause, ClauseLibrary
from .jinja import RenderTimeout, compile_clause, condition_holds, render
from .placeholders import END, START, literal
from .terms import TERM_END, TERM_SEP, TERM_START

# --- the structure ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """A piece of text with one formatting: bold, or a model document's placeholder."""

    text: str
    bold: bool = False
    placeholder: bool = False
    term: str | None = None   # the data field the text states, e.g. verwerker.deletion_days


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


@dataclass(frozen=True)
class RenderedClause:
    """One clause as it appears in a document: its number, heading and blocks."""

    clause: Clause
    number: str | None  # "7" for an article, "2" for an annex, None otherwise
    heading: str | None
    blocks: tuple[Block, ...]
    references: tuple[str, ...] = ()  # ids of the clauses its text refers to with ref()

    def term_runs(self) -> list[Run]:
        """The runs that state a term from the data, in the order the writer writes them."""
        found = []
        for block in self.blocks:
            cells = [c for row in block.rows for c in row] if isinstance(block, Table) else [block]
            found += [run for cell in cells for run in cell.runs if run.term]
        return found

    def plain_text(self) -> str:
        """Heading, paragraphs (with labels) and table cells, space-separated.

        This is the text a reader of the DOCX finds between the clause's bookmarks.
        """
        pieces = [self.heading or self.clause.head.title] if (
            self.heading or self.clause.head.section in ("partijen", "overwegingen",
                                                         "ondertekening")) else []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                pieces.append(block.text)
            else:
                pieces.extend(cell.text for row in block.rows for cell in row)
        return " ".join(" ".join(pieces).replace("\xa0", " ").split())


@dataclass(frozen=True)
class AssembledDocument:
    """The numbered, rendered clauses of one document, and the context they were rendered with."""

    kind: str
    clauses: tuple[RenderedClause, ...]
    excluded: tuple[str, ...]  # ids of clauses whose condition was false
    context: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def section(self, name: str) -> list[RenderedClause]:
        """The rendered clauses of one section (`artikel`, `bijlage`, ...)."""
        return [c for c in self.clauses if c.clause.head.section == name]

    def text(self) -> str:
        """The document's clause text, one paragraph a line (tables as ` | `-joined rows)."""
        lines = []
        for rendered in self.clauses:
            if rendered.heading:
                lines.append(rendered.heading)
            for block in rendered.blocks:
                if isinstance(block, Paragraph):
                    lines.append(block.text)
                else:
                    lines.extend(" | ".join(cell.text for cell in row) for row in block.rows)
        return "\n".join(lines)


def _error_line(exc: BaseException, clause: Clause) -> int | None:
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(clause.path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# The numbered sections, and how a reference to one of them reads in running text.
REFERENCE_WORDS = {"artikel": "artikel", "hoofdstuk": "hoofdstuk", "bijlage": "Bijlage"}


class ReferenceError_(Exception):
    """Raised inside a template by ref(); turned into a ClauseError with the referring line."""


# --- assembly ---------------------------------------------------------------------------------

def assemble(library: ClauseLibrary, kind: str, context: dict[str, Any],
             *, who: str = "") -> AssembledDocument:
    """Choose the clauses of `kind` whose condition holds, number them, and render them.

    `who` names the hospital in error messages. Raises ClauseError listing every failing clause.
    """
    problems: list[Problem] = []
    candidates = library.for_kind(kind)
    if not candidates:
        raise ClauseError([Problem(library.root, None, "", f"the clause library has no clause "
                                   f"for the {kind}", "a document without clauses would be "
                                   "empty; check the clause folder")])
    included: list[Clause] = []
    excluded: list[Clause] = []
    for clause in candidates:
        if clause.head.condition is None:
            included.append(clause)
            continue
        try:
            holds = condition_holds(clause.head.condition, context)
        except Exception as exc:  # syntax or undefined name in the condition
            problems.append(Problem(clause.path, None, "condition",
                                    f"condition {clause.head.condition!r} fails{who}: {exc}"))
            continue
        (included if holds else excluded).append(clause)
    if problems:
        raise ClauseError(problems)
    if not included:
        raise ClauseError([Problem(library.root, None, "", f"no clause of the library applies "
                                   f"to this {kind}{who}", "check the clauses' conditions")])

    numbers: dict[str, str] = {}
    counters = {section: 0 for section in REFERENCE_WORDS}
    for clause in included:
        section = clause.head.section
        if section in counters:
            counters[section] += 1
            numbers[clause.id] = str(counters[section])

    referring: list[str | None] = [None]  # the clause being rendered
    references: dict[str, list[str]] = {}

    def ref(target: str) -> str:
        if referring[0] is not None:
            references.setdefault(referring[0], []).append(target)
        if target in numbers:
            return f"{REFERENCE_WORDS[library[target].head.section]} {numbers[target]}"
        if target in library.clauses:
            reason = ("is not included for this document" if target in {c.id for c in excluded}
                      else "is not part of this document or has no number")
            raise ReferenceError_(f"refers to clause {target!r}, which {reason}")
        raise ReferenceError_(f"refers to clause {target!r}, which does not exist")

    rendered_context = {**context, "ref": ref}
    referring[0] = next((c.id for c in included if c.head.definitions), None)
    definitions = _collect_definitions(included, rendered_context, problems, who)
    result = []
    for clause in included:
        referring[0] = clause.id
        try:
            text = render(compile_clause(clause.body, clause, "body"), rendered_context)
        except Exception as exc:
            problems.append(_render_problem(exc, clause, who))
            continue
        number = numbers.get(clause.id)
        blocks = _parse(text, clause.head.section, number)
        if clause.head.definitions:
            blocks += definitions
        result.append(RenderedClause(clause, number, _heading(clause, number), tuple(blocks),
                                     tuple(dict.fromkeys(references.get(clause.id, ())))))
    if problems:
        raise ClauseError(problems)
    return AssembledDocument(kind, tuple(result), tuple(c.id for c in excluded), context)


def _render_problem(exc: BaseException, clause: Clause, who: str, line: int | None = None,
                    path: str = "") -> Problem:
    if isinstance(exc, (ReferenceError_, RenderTimeout)):
        message = f"clause {clause.id!r} {exc}{who}"
    elif isinstance(exc, TemplateSyntaxError):
        message = f"template syntax error: {exc.message}"
    else:
        message = f"{type(exc).__name__}: {exc}{who}"
    return Problem(clause.path, line or _error_line(exc, clause), path, message)


def _heading(clause: Clause, number: str | None) -> str | None:
    section = clause.head.section
    if section == "artikel":
        return f"Artikel {number}. {clause.head.title}"
    if section == "hoofdstuk":
        return f"{number}. {clause.head.title}"
    if section == "bijlage":
        return f"Bijlage {number}. {clause.head.title}"
    return None


def _sort_key(term: str) -> str:
    return unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode().lower()


def _collect_definitions(included: list[Clause], context: dict[str, Any],
                         problems: list[Problem], who: str) -> list[Block]:
    terms: dict[str, tuple[Clause, str]] = {}
    for clause in included:
        for term, source in clause.head.defines.items():
            line = clause.define_lines.get(term)
            if term in terms:
                other = terms[term][0]
                problems.append(Problem(clause.path, line, f"defines.{term}",
                                        f"term {term!r} is also defined by clause {other.id!r} "
                                        f"({other.path.name})"))
                continue
            try:
                # Pad so that Jinja's line numbers are the file's.
                padded = "\n" * ((line or 1) - 1) + source
                text = render(compile_clause(padded, clause, f"define:{term}"), context)
            except Exception as exc:
                problems.append(_render_problem(exc, clause, who, line, f"defines.{term}"))
                continue
            terms[term] = (clause, text.strip())
    ordered = sorted(terms, key=_sort_key)
    blocks: list[Block] = []
    for index, term in enumerate(ordered):
        end = "." if index == len(ordered) - 1 else ";"
        definition = terms[term][1].rstrip(".;")
        runs = (Run(term, bold=True), Run(": "), *_runs(definition + end))
        blocks.append(Paragraph("item", runs, _letter(index)))
    return blocks


# --- parsing rendered text ----------------------------------------------------------------------

def _letter(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    label = letters[index % 26]
    if index >= 26:
        label = letters[index // 26 - 1] + label
    return f"{label}."


_INLINE = re.compile(rf"(\*\*|{START}|{END}|{TERM_START}[^{TERM_SEP}]*{TERM_SEP}|{TERM_END})")


def _runs(text: str) -> tuple[Run, ...]:
    """Split text into runs on `**bold**`, placeholder brackets and term brackets."""
    runs: list[Run] = []
    bold = placeholder = False
    term: str | None = None
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
        elif piece:
            runs.append(Run(literal(piece), bold, placeholder, term))
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
        cells.append(Cell(_runs(raw[match.end():] if match else raw), fill))
    return tuple(cells)


def _is_rule(line: str) -> bool:
    return bool(re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?", line.strip()))


def _parse(text: str, section: str, number: str | None = None) -> list[Block]:
    """Turn rendered clause text into paragraphs, lists and tables for `section`.

    `number` is the article number the members are numbered under.
    """
    blocks: list[Block] = []
    items = 0
    chunks = re.split(r"\n[ \t]*\n", text.strip("\n"))
    plain_role = {"partijen": "text", "overwegingen": "recital", "artikel": "member",
                  "hoofdstuk": "text", "ondertekening": "text", "bijlage": "text"}[section]

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
                pending.append(Paragraph(plain_role, _runs(" ".join(current))))
                if plain_role in ("member", "recital"):
                    member_count += 1
                items = 0
            elif kind == "item" and current:
                label = f"{items + 1}." if section == "partijen" else _letter(items)
                pending.append(Paragraph("item", _runs(" ".join(current)), label))
                items += 1
            elif kind == "table" and rows:
                pending.append(Table(tuple(rows)))
            current, kind, rows = [], None, []

        for line in lines:
            stripped = line.strip()
            if stripped.startswith("## "):
                flush()
                items = 0  # a list under a new subheading starts again at a.
                pending.append(Paragraph("subheading", _runs(stripped[3:].strip())))
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
