"""Assembling a document from the clause library: choose, number, render and parse clauses.

The result is a plain structure of paragraphs and tables (no DOCX yet), so that numbering,
references and definitions can be tested without Word.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateSyntaxError

from ..errors import ClauseError, Problem
from .blocks import (
    HEADING_NUMBERS,
    Block,
    Paragraph,
    Run,
    Table,
    count_words,
    inline_runs,
    item_label,
    parse_blocks,
    parsed_words,
    reference,
)
from .clauses import Clause, ClauseLibrary
from .jinja import RenderTimeout, compile_clause, condition_holds, render
from .memo import Fingerprints, render_once

# --- the structure ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedClause:
    """One clause as it appears in a document: its number, heading and blocks."""

    clause: Clause
    number: str | None  # "7" for an article, "2" for an annex, None otherwise
    heading: str | None
    blocks: tuple[Block, ...]
    references: tuple[str, ...] = ()  # ids of the clauses its text refers to with ref()
    # The words of its blocks (blocks.count_words), when known already.
    block_words: int | None = field(default=None, compare=False)

    def word_count(self) -> int:
        """The words of its heading and blocks as AssembledDocument.text() lists them."""
        blocks = count_words(self.blocks) if self.block_words is None else self.block_words
        return (len(self.heading.split()) if self.heading else 0) + blocks

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
        pieces = (
            [self.heading or self.clause.head.title]
            if (
                self.heading
                or self.clause.head.section in ("partijen", "overwegingen", "ondertekening")
            )
            else []
        )
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

    def word_count(self) -> int:
        """The number of words of text()."""
        return sum(rendered.word_count() for rendered in self.clauses)

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


# The numbered sections, and how a finding names a place in one of them.
REFERENCE_WORDS = {"artikel": "artikel", "hoofdstuk": "hoofdstuk", "bijlage": "Bijlage"}


class ReferenceError_(Exception):
    """Raised inside a template by ref(); turned into a ClauseError with the referring line."""


# --- assembly ---------------------------------------------------------------------------------


def assemble(
    library: ClauseLibrary, kind: str, context: dict[str, Any], *, who: str = ""
) -> AssembledDocument:
    """Choose the clauses of `kind` whose condition holds, number them, and render them.

    `who` names the hospital in error messages. Raises ClauseError listing every failing clause.
    """
    problems: list[Problem] = []
    candidates = library.for_kind(kind)
    if not candidates:
        raise ClauseError(
            [
                Problem(
                    library.root,
                    None,
                    "",
                    f"the clause library has no clause for the {kind}",
                    "a document without clauses would be empty; check the clause folder",
                )
            ]
        )
    included: list[Clause] = []
    excluded: list[Clause] = []
    for clause in candidates:
        if clause.head.condition is None:
            included.append(clause)
            continue
        try:
            holds = condition_holds(clause.head.condition, context)
        except Exception as exc:  # syntax or undefined name in the condition
            problems.append(
                Problem(
                    clause.path,
                    None,
                    "condition",
                    f"condition {clause.head.condition!r} fails{who}: {exc}",
                )
            )
            continue
        (included if holds else excluded).append(clause)
    if problems:
        raise ClauseError(problems)
    if not included:
        raise ClauseError(
            [
                Problem(
                    library.root,
                    None,
                    "",
                    f"no clause of the library applies to this {kind}{who}",
                    "check the clauses' conditions",
                )
            ]
        )

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
            return reference(library[target].head.section, numbers[target], target)
        if target in library.clauses:
            reason = (
                "is not included for this document"
                if target in {c.id for c in excluded}
                else "is not part of this document or has no number"
            )
            raise ReferenceError_(f"refers to clause {target!r}, which {reason}")
        raise ReferenceError_(f"refers to clause {target!r}, which does not exist")

    rendered_context = {**context, "ref": ref}
    # What ref() returns: the numbers of this document's clauses (and their sections).
    numbering = tuple((c, library[c].head.section, n) for c, n in numbers.items())
    prints = Fingerprints(rendered_context, {"ref": numbering})

    def render_clause(source: str, clause: Clause, what: str) -> str:
        """The rendered text, and the references it makes, rendered once per fingerprint."""
        owner = referring[0]
        made = references.setdefault(owner, []) if owner is not None else []
        before = len(made)

        def render_now() -> tuple[str, tuple[str, ...]]:
            text = render(compile_clause(source, clause, what), rendered_context)
            return text, tuple(made[before:])

        text, refs = render_once((clause.path, clause.sha256, what), source, prints, render_now)
        if len(made) == before:  # reused: the references it made the first time
            made.extend(refs)
        return text

    referring[0] = next((c.id for c in included if c.head.definitions), None)
    definitions = _collect_definitions(included, render_clause, problems, who)
    result = []
    for clause in included:
        referring[0] = clause.id
        try:
            text = render_clause(clause.body, clause, "body")
        except Exception as exc:
            problems.append(_render_problem(exc, clause, who))
            continue
        number = numbers.get(clause.id)
        section = clause.head.section
        blocks = parse_blocks(text, section, number)
        words = parsed_words(text, section, number)
        if clause.head.definitions:
            blocks += definitions
            words += count_words(definitions)
        result.append(
            RenderedClause(
                clause,
                number,
                _heading(clause, number),
                tuple(blocks),
                tuple(dict.fromkeys(references.get(clause.id, ()))),
                words,
            )
        )
    if problems:
        raise ClauseError(problems)
    return AssembledDocument(kind, tuple(result), tuple(c.id for c in excluded), context)


def _render_problem(
    exc: BaseException, clause: Clause, who: str, line: int | None = None, path: str = ""
) -> Problem:
    if isinstance(exc, (ReferenceError_, RenderTimeout)):
        message = f"clause {clause.id!r} {exc}{who}"
    elif isinstance(exc, TemplateSyntaxError):
        message = f"template syntax error: {exc.message}"
    else:
        message = f"{type(exc).__name__}: {exc}{who}"
    return Problem(clause.path, line or _error_line(exc, clause), path, message)


def _heading(clause: Clause, number: str | None) -> str | None:
    section = clause.head.section
    if section in HEADING_NUMBERS and number is not None:
        return f"{HEADING_NUMBERS[section].format(number)} {clause.head.title}"
    return None


def _sort_key(term: str) -> str:
    return unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode().lower()


def _collect_definitions(
    included: list[Clause],
    render_clause: Callable[[str, Clause, str], str],
    problems: list[Problem],
    who: str,
) -> list[Block]:
    terms: dict[str, tuple[Clause, str]] = {}
    for clause in included:
        for term, source in clause.head.defines.items():
            line = clause.define_lines.get(term)
            if term in terms:
                other = terms[term][0]
                problems.append(
                    Problem(
                        clause.path,
                        line,
                        f"defines.{term}",
                        f"term {term!r} is also defined by clause {other.id!r} "
                        f"({other.path.name})",
                    )
                )
                continue
            try:
                # Pad so that Jinja's line numbers are the file's.
                padded = "\n" * ((line or 1) - 1) + source
                text = render_clause(padded, clause, f"define:{term}")
            except Exception as exc:
                problems.append(_render_problem(exc, clause, who, line, f"defines.{term}"))
                continue
            terms[term] = (clause, text.strip())
    ordered = sorted(terms, key=_sort_key)
    blocks: list[Block] = []
    for index, term in enumerate(ordered):
        end = "." if index == len(ordered) - 1 else ";"
        definition = terms[term][1].rstrip(".;")
        runs = (Run(term, bold=True), Run(": "), *inline_runs(definition + end))
        blocks.append(Paragraph("item", runs, item_label(index)))
    return blocks
