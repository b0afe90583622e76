"""The wijzigingsovereenkomst: the agreement that amends a signed agreement, article by article.

It is written in the signed agreement's own template and signed by the same parties (the
writer adds the same signature table): the parties as the agreement states them now, recitals
that name the signed version by its id and signing date, one article per changed provision
with its new text (a replaced article, a replaced annex or an inserted one, or a provision that
lapses), the day it takes effect, that everything else stays as signed, and the signatures.

Article and annex numbers in the addendum, also inside the new texts it quotes, are those of the
agreement as it was signed: a lawyer reads "artikel 9" in the signed PDF on the desk. An inserted
article takes the number of the one before it with a letter (`6a`), so nothing renumbers.
Cross-references in quoted text are therefore written as text, not as Word fields: the heading
they point at is in the signed agreement, not in this document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..assembly.assemble import AssembledDocument, RenderedClause
from ..assembly.blocks import Block, Cell, Paragraph, Run, Table
from ..assembly.clauses import Clause, ClauseHead, ClauseLibrary
from ..documents import KINDS, DocumentRef
from ..source import DocumentSource
from ..word.reader import DocxContent, normalise, read_docx
from .addendum_text import (
    ADDENDUM_NOUN,
    definitions,
    entry_into_force,
    lower,
    member,
    recitals,
    remaining,
    signing,
    text,
)
from .changes import DELETED, INSERTED

OVERWEGINGEN = "overwegingen"
SIGNING_TITLE = "Ondertekening"  # the heading above the signature table
_SIGNED_HEADING = re.compile(r"^(Artikel|Bijlage)\s+(\d+[a-z]?)\b")


def addendum_title(kind: str) -> str:
    """The title of a wijzigingsovereenkomst to an agreement of `kind`."""
    return f"Wijzigingsovereenkomst bij de {KINDS[kind].title}"


@dataclass(frozen=True)
class Addendum:
    """A wijzigingsovereenkomst written for one signed agreement."""

    document: str  # the amended agreement's file stem
    document_id: str  # <signed id>-W<NNN>
    base_id: str  # the signed agreement's id
    signed_on: date | None  # the last signature under the signed agreement
    amends: tuple[str, ...]  # what it amends, as the signed agreement numbers it
    path: Path | None = None

    def record(self) -> dict[str, Any]:
        """The addendum as plain data (JSON)."""
        return {
            "document": self.document,
            "document_id": self.document_id,
            "base_id": self.base_id,
            "signed_on": self.signed_on.isoformat() if self.signed_on else None,
            "amends": list(self.amends),
            "path": str(self.path) if self.path else None,
        }


@dataclass(frozen=True)
class Change:
    """One provision the addendum changes: its clause, how, and the section it stands in."""

    clause: str | None
    change: str  # inserted, deleted or changed (changes.INSERTED, ...)
    article: str  # the heading it stands under (from the comparison)
    revised: bool = False  # the model text changed (a new clause version), not only the data


def signed_numbers(content: DocxContent) -> tuple[dict[str, str], list[str]]:
    """From a signed agreement: clause id -> how its heading is numbered, and the clause order."""
    shown: dict[str, str] = {}
    order: list[str] = []
    for paragraph in content.body():
        if not paragraph.clause:
            continue
        if paragraph.clause not in order:
            order.append(paragraph.clause)
            match = _SIGNED_HEADING.match(paragraph.heading or "")
            if match:
                shown[paragraph.clause] = f"{match.group(1)} {match.group(2)}"
    return shown, order


def signed_readings(
    source: DocumentSource, ref: DocumentRef, signed_docx: Path
) -> tuple[dict[str, str], dict[str, str]]:
    """Each current clause as it would read in the signed agreement, and each signed clause.

    Both as the document reader gives them, numbered as the agreement was signed: an article
    inserted before others renumbers them and every reference to them, which changes their
    text only in numbers the addendum writes as signed. A clause that reads the same in both is
    no provision to amend; what a clause reads after an addendum is compared in these terms.
    """
    current = source.assemble(ref)
    signed = read_docx(signed_docx)
    shown, order = signed_numbers(signed)
    numbers = _inserted_numbers(
        [Change(r.clause.id, INSERTED, "") for r in current.clauses if r.clause.id not in shown],
        current,
        shown,
    )
    refs = {**shown, **numbers}
    readings = {}
    for rendered in current.clauses:
        number = refs.get(rendered.clause.id)
        if number is None or rendered.heading is None:  # the parties, the recitals: no number
            blocks = tuple(quoted(rendered.blocks, refs))
            again = RenderedClause(rendered.clause, None, rendered.heading, blocks)
            readings[rendered.clause.id] = normalise(again.plain_text())
            continue
        bare = number.split(" ", 1)[1]
        heading = f"{number} {rendered.clause.head.title}"
        blocks = tuple(quoted(rendered.blocks, refs, rendered.number, bare))
        again = RenderedClause(rendered.clause, bare, heading, blocks)
        readings[rendered.clause.id] = normalise(again.plain_text())
    return readings, {clause: signed.clause_text(clause) for clause in order}


def addendum_document(
    source: DocumentSource,
    ref: DocumentRef,
    changes: list[Change],
    signed_docx: Path,
    *,
    document_id: str,
    signed_on: date | None,
    when: date,
    effective: date | None = None,
    notice: Any = None,
) -> tuple[AssembledDocument, tuple[str, ...], tuple[str, ...]]:
    """The addendum to the signed agreement `ref`, what it amends, and the agreement's numbers.

    The numbers are the headings of the signed agreement and those the addendum inserts
    (`Artikel 6a`): what the addendum's own references may point at.
    """
    current = source.assemble(ref)
    signed = read_docx(signed_docx)
    base_id = signed.document_id or ref.id
    shown, _ = signed_numbers(signed)
    by_id = {rendered.clause.id: rendered for rendered in current.clauses}
    library = source.library
    writer = _Writer(ref.kind)
    numbers = _inserted_numbers(changes, current, shown)
    refs = {**shown, **numbers}
    amended: list[str] = []
    revised: list[str] = []  # what the model text revised, as `amended` names it
    articles: list[tuple[str, list[Block]]] = []
    annexes: list[tuple[str, list[Block], str]] = []
    for change in changes:
        section = _section(library, change, shown)
        rendered = by_id.get(change.clause or "")
        title = _title(library, change, rendered)
        assert change.clause is not None  # text outside the clauses needs no amendment
        if section == OVERWEGINGEN:
            articles.append(
                (
                    "Wijziging van de overwegingen",
                    [
                        member("De overwegingen van de Overeenkomst komen te luiden als volgt:"),
                        *quoted(rendered.blocks if rendered else (), refs),
                    ],
                )
            )
            amended.append("de overwegingen")
            if change.revised:
                revised.append("de overwegingen")
            continue
        if change.change == DELETED:
            number = shown.get(change.clause, change.article)
            word = "bij" if section == "bijlage" else "van"
            articles.append(
                (
                    f"Vervallen van {lower(number)}",
                    [
                        member(
                            f"{number} ({title}) {word} de Overeenkomst vervalt. De nummering "
                            "van de overige artikelen en bijlagen blijft ongewijzigd."
                        )
                    ],
                )
            )
            amended.append(number)
            if change.revised:
                revised.append(number)
            continue
        assert rendered is not None  # changed or inserted: the current document holds it
        if change.change == INSERTED:
            number = numbers[change.clause]
            previous = _previous(change.clause, current, shown, section)
        else:
            number = shown.get(change.clause) or refs.get(change.clause, change.article)
            previous = None
        amended.append(number)
        if change.revised:
            revised.append(number)
        bare = number.split(" ", 1)[1]
        new_text = quoted(rendered.blocks, refs, rendered.number, bare)
        if section == "bijlage":
            annex = len(annexes) + 1
            if change.change == INSERTED:
                instruction = (
                    f"Na {previous or 'de artikelen'} bij de Overeenkomst wordt een {number} "
                    f"({title}) ingevoegd, die luidt als Bijlage {annex} bij {ADDENDUM_NOUN}."
                )
                lead = f"Deze bijlage wordt {number} bij de Overeenkomst."
                heading = f"Invoeging van {number}"
            else:
                instruction = (
                    f"{number} ({title}) bij de Overeenkomst wordt vervangen door "
                    f"Bijlage {annex} bij {ADDENDUM_NOUN}."
                )
                lead = (
                    f"Deze bijlage vervangt {number} ({title}) bij de Overeenkomst met ingang "
                    f"van de inwerkingtreding van {ADDENDUM_NOUN}."
                )
                heading = f"Vervanging van {number}"
            articles.append((heading, [member(instruction)]))
            annexes.append((title, [text(lead), *new_text], change.clause))
            continue
        if change.change == INSERTED:
            instruction = (
                f"Na {lower(previous) if previous else 'de overwegingen'} van de Overeenkomst "
                "wordt een artikel ingevoegd, dat luidt als volgt:"
            )
            heading = f"Invoeging van {lower(number)}"
        else:
            instruction = f"{number} van de Overeenkomst komt te luiden als volgt:"
            heading = f"Wijziging van {lower(number)}"
        articles.append(
            (
                heading,
                [
                    member(instruction),
                    Paragraph("subheading", (Run(f"{number} {title}"),)),
                    *new_text,
                ],
            )
        )
    document_meta = {
        **current.context["document"],
        "title": addendum_title(ref.kind),
        "noun": ADDENDUM_NOUN,
        "date": when,
        "signed": True,
        "id": document_id,
        "version": base_id.rsplit("-V", 1)[-1],
    }
    context = {**current.context, "document": document_meta}
    clauses = [
        writer.kept(r, shown) for r in current.clauses if r.clause.head.section == "partijen"
    ]
    clauses.append(
        writer.clause(
            "overwegingen",
            "Overwegingen",
            recitals(ref.kind, base_id, signed_on, shown, amended, revised, notice),
        )
    )
    clauses.append(writer.article("Begrippen en nummering", definitions(base_id)))
    for heading, blocks in articles:
        clauses.append(writer.article(heading, blocks))
    clauses.append(
        writer.article("Inwerkingtreding", entry_into_force(effective, notice, shown, ref.kind))
    )
    clauses.append(writer.article("Overige bepalingen", remaining()))
    clauses.append(writer.clause("ondertekening", SIGNING_TITLE, signing()))
    for title, blocks, clause_id in annexes:
        clauses.append(writer.annex(title, blocks, clause_id))
    document = AssembledDocument(ref.kind, tuple(clauses), (), context)
    return document, tuple(amended), tuple(sorted(set(refs.values())))


def quoted(
    blocks: tuple[Block, ...] | list[Block],
    refs: dict[str, str],
    number: str | None = None,
    signed_number: str | None = None,
) -> list[Block]:
    """A new text as the addendum quotes it: labels and cross-references written as text.

    Members are relabelled from the current article `number` to the `signed_number` the text
    will have in the agreement (`9.1`, or `6a.1` for an inserted article).
    """
    found: list[Block] = []
    for block in blocks:
        if isinstance(block, Table):
            rows = tuple(
                tuple(Cell(_plain(cell.runs, refs), cell.fill) for cell in row)
                for row in block.rows
            )
            found.append(Table(rows))
            continue
        label = block.label
        if label and number and signed_number and label.startswith(f"{number}."):
            label = f"{signed_number}.{label[len(number) + 1 :]}"
        runs = _plain(block.runs, refs)
        if label:
            runs = (Run(f"{label} "), *runs)
        found.append(Paragraph("subheading" if block.role == "subheading" else "text", runs))
    return found


def _plain(
    runs: tuple[Run, ...], refs: dict[str, str], *, of_agreement: bool = False
) -> tuple[Run, ...]:
    """Cross-references as the text of the signed numbering (`Artikel 9`), not as fields.

    `of_agreement`: the text is the addendum's own, so a number says whose it is.
    """
    found = []
    for run in runs:
        if run.ref:
            number = refs.get(run.ref, run.text)
            if of_agreement:
                number += " bij" if number.startswith("Bijlage") else " van"
                number += " de Overeenkomst"
            run = Run(number, run.bold, run.placeholder, run.term)
        found.append(run)
    return tuple(found)


def _section(library: ClauseLibrary, change: Change, shown: dict[str, str]) -> str:
    clause = library.clauses.get(change.clause or "")
    if clause is not None:
        return clause.head.section
    number = shown.get(change.clause or "", change.article)
    return "bijlage" if number.startswith("Bijlage") else "artikel"


def _title(library: ClauseLibrary, change: Change, rendered: RenderedClause | None) -> str:
    if rendered is not None:
        return rendered.clause.head.title
    clause = library.clauses.get(change.clause or "")
    if clause is not None:
        return clause.head.title
    match = _SIGNED_HEADING.match(change.article)
    return change.article[match.end() :].strip() if match else change.article


def _previous(
    clause_id: str, current: AssembledDocument, shown: dict[str, str], section: str
) -> str | None:
    """The signed article or annex that an inserted one follows."""
    previous = None
    for rendered in current.clauses:
        if rendered.clause.id == clause_id:
            return previous
        if rendered.clause.head.section == section and rendered.clause.id in shown:
            previous = shown[rendered.clause.id]
    return previous


def _inserted_numbers(
    changes: list[Change], current: AssembledDocument, shown: dict[str, str]
) -> dict[str, str]:
    """The numbers inserted articles and annexes get: the one before them with a letter."""
    inserted = {c.clause for c in changes if c.change == INSERTED and c.clause}
    numbers: dict[str, str] = {}
    for section, word in (("artikel", "Artikel"), ("bijlage", "Bijlage")):
        base, letter = "0", 0
        for rendered in current.clauses:
            if rendered.clause.head.section != section:
                continue
            if rendered.clause.id in shown:
                base, letter = shown[rendered.clause.id].split(" ", 1)[1], 0
            elif rendered.clause.id in inserted:
                numbers[rendered.clause.id] = (
                    f"{word} {base}{'abcdefghijklmnopqrstuvwxyz'[letter]}"
                )
                letter += 1
    return numbers


class _Writer:
    """Makes the addendum's own clauses: heads, numbers and headings in document order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.count = {"artikel": 0, "bijlage": 0}
        self.order = 0

    def _head(self, clause_id: str, section: str, title: str) -> Clause:
        self.order += 1
        head = ClauseHead(
            id=clause_id,
            version="1.0.0",
            title=title,
            documents=[self.kind],
            section=section,
            order=self.order,
        )
        return Clause(head, "", Path(clause_id), 1, "")

    def kept(self, rendered: RenderedClause, shown: dict[str, str]) -> RenderedClause:
        """A clause of the agreement itself (the parties), its references naming the agreement."""
        blocks: list[Block] = []
        for block in rendered.blocks:
            if isinstance(block, Paragraph):
                runs = _plain(block.runs, shown, of_agreement=True)
                block = Paragraph(block.role, runs, block.label)
            blocks.append(block)
        return RenderedClause(rendered.clause, None, None, tuple(blocks))

    def clause(self, section: str, title: str, blocks: list[Block]) -> RenderedClause:
        """An unnumbered clause: the recitals or the signing clause."""
        return RenderedClause(
            self._head(f"wijziging-{section}", section, title), None, None, tuple(blocks)
        )

    def article(self, title: str, blocks: list[Block]) -> RenderedClause:
        """The next article; its members are numbered when it has more than one."""
        self.count["artikel"] += 1
        number = str(self.count["artikel"])
        clause = self._head(f"wijziging-artikel-{number}", "artikel", title)
        members = [b for b in blocks if isinstance(b, Paragraph) and b.role == "member"]
        if len(members) > 1:
            labelled, index = [], 0
            for block in blocks:
                if isinstance(block, Paragraph) and block.role == "member":
                    index += 1
                    block = Paragraph("member", block.runs, f"{number}.{index}")
                labelled.append(block)
            blocks = labelled
        return RenderedClause(clause, number, f"Artikel {number} {title}", tuple(blocks))

    def annex(self, title: str, blocks: list[Block], clause_id: str) -> RenderedClause:
        """The next annex: a replaced or inserted annex of the agreement, under its own id."""
        self.count["bijlage"] += 1
        number = str(self.count["bijlage"])
        clause = self._head(clause_id, "bijlage", title)
        return RenderedClause(clause, number, f"Bijlage {number} {title}", tuple(blocks))
