"""Letters that follow a signed document: written in its kind's template, sent, not signed.

A sub-processor notice and a DPIA review note are short documents of numbered chapters after
an unnumbered address block; they reuse the document writer (styles, title page, header and
footer with their own document id) without a signature table or a table of contents.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ..assembly.assemble import AssembledDocument, RenderedClause
from ..assembly.blocks import Block, Paragraph, Run, item_label
from ..assembly.clauses import Clause, ClauseHead
from ..documents import KINDS
from ..source import DocumentSource
from ..word.render import render_docx

# (section, title, blocks): "partijen" for the address block, "hoofdstuk" for a chapter.
Section = tuple[str, str, list[Block]]


def text(words: str) -> Paragraph:
    """One paragraph of running text."""
    return Paragraph("text", (Run(words),))


def items(lines: list[str]) -> list[Block]:
    """A lettered list (a., b., ...), numbered by Word as the documents' own lists are."""
    return [Paragraph("item", (Run(line),), item_label(i)) for i, line in enumerate(lines)]


def letter_docx(
    source: DocumentSource,
    kind: str,
    context: dict[str, Any],
    *,
    title: str,
    noun: str,
    when: date,
    document_id: str,
    sections: list[Section],
) -> bytes:
    """The letter as reproducible DOCX bytes, in the template of `kind`."""
    clauses = []
    chapter = 0
    for index, (section, heading, blocks) in enumerate(sections):
        head = ClauseHead(
            id=f"brief-{index}",
            version="1.0.0",
            title=heading,
            documents=[kind],
            section=section,
            order=index,
        )
        number = None
        if section == "hoofdstuk":
            chapter += 1
            number = str(chapter)
        rendered_heading = f"{number} {heading}" if number else None
        clause = Clause(head, "", Path(title), 1, "")
        clauses.append(RenderedClause(clause, number, rendered_heading, tuple(blocks)))
    meta = {
        **context["document"],
        "title": title,
        "noun": noun,
        "date": when,
        "signed": False,  # sent, not signed: no signature table
        "id": document_id,
    }
    document = AssembledDocument(kind, tuple(clauses), (), {**context, "document": meta})
    template = source.workspace.templates / KINDS[kind].template
    return render_docx(template, document, contents=False)
