"""The notice of a new or changed sub-processor that a signed processor agreement promises.

The processor agreement (clause vwo-subverwerkers) lets the processor add or replace a
sub-processor only after a notice to the hospital's FG and project lead, with the term to
object. The notice states the sub-processors as the agreement's annex will state them after
the change (only the rows that are new or changed against the signed annex), the last day to
object and the first day the sub-processor may process, computed from the agreement's own
terms in the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..assembly.assemble import REFERENCE_WORDS, RenderedClause
from ..assembly.blocks import Table
from ..assembly.formatting import datum, termijn
from ..source import DocumentSource
from ..word.reader import normalise, read_docx
from .letters import Section, letter_docx, text

SUBPROCESSOR_ARTICLE = "vwo-subverwerkers"
SUBPROCESSOR_ANNEX = "vwo-bijlage-subverwerkers"
NOTICE_TITLE = "Kennisgeving van een nieuwe of gewijzigde Subverwerker"


def notice_docx(
    source: DocumentSource,
    hospital: str,
    processor: str,
    signed_docx: Path,
    notice: Any,
    number: int,
) -> tuple[bytes, str]:
    """The notice as DOCX bytes (in the processor agreement's template), and its document id."""
    ref = source.ref(hospital, "verwerkersovereenkomst", processor)
    current = source.assemble(ref)
    signed = read_docx(signed_docx)
    by_id = {rendered.clause.id: rendered for rendered in current.clauses}
    article = _named(by_id[SUBPROCESSOR_ARTICLE])
    annex = by_id[SUBPROCESSOR_ANNEX]
    table = next(block for block in annex.blocks if isinstance(block, Table))
    header = [normalise(cell.text) for cell in table.rows[0]]
    signed_rows = {
        tuple(row)
        for found in signed.tables
        if found and [normalise(c) for c in found[0]] == header
        for row in found[1:]
    }
    changed = [r for r in table.rows[1:] if tuple(normalise(c.text) for c in r) not in signed_rows]
    context = current.context
    document_id = f"{signed.document_id or ref.id}-K{number:03d}"  # K: kennisgeving
    signed_id = signed.document_id or ref.id
    sections = _sections(context, signed_id, article, _named(annex), table, changed, notice)
    data = letter_docx(
        source,
        ref.kind,
        context,
        title=NOTICE_TITLE,
        noun="deze kennisgeving",
        when=notice.sent,
        document_id=document_id,
        sections=sections,
    )
    return data, document_id


def _sections(
    context: dict[str, Any],
    signed_id: str,
    article: str,
    annex: str,
    table: Table,
    changed: list[Any],
    notice: Any,
) -> list[Section]:
    hospital, processor = context["ziekenhuis"], context["verwerker"]
    fg, lead = hospital["contacts"]["privacy_officer"], hospital["contacts"]["project_lead"]
    terms = processor["terms"]
    days = termijn(processor["objection_days"], "dagen")
    return [
        (
            "partijen",
            "Aan en van",
            [
                text(
                    f"Aan: {hospital['legal_name']}, ter attentie van {fg['name']} "
                    f"(functionaris gegevensbescherming, {fg['email']}) en {lead['name']} "
                    f"(projectleider, {lead['email']})."
                ),
                text(f"Van: {processor['legal_name']}, {processor['contact']['name']}."),
                text(
                    f"Betreft: kennisgeving als bedoeld in {article} van de "
                    f"verwerkersovereenkomst {signed_id} tussen partijen."
                ),
            ],
        ),
        (
            "hoofdstuk",
            "De Subverwerker",
            [
                text(
                    "De Verwerker is voornemens de volgende Subverwerker in te schakelen, of "
                    f"de gegevens over haar te wijzigen, zoals zij na deze wijziging in {annex} "
                    "van de verwerkersovereenkomst staat:"
                ),
                Table((table.rows[0], *changed)),
            ],
        ),
        (
            "hoofdstuk",
            "Bezwaar en ingangsdatum",
            [
                text(
                    f"De Verwerkingsverantwoordelijke kan binnen {days} na ontvangst van deze "
                    f"kennisgeving, dat is tot en met {datum(notice.objection_until)}, "
                    "gemotiveerd bezwaar maken bij de Verwerker. Zolang een bezwaar niet is "
                    "opgelost, zet de Verwerker de Subverwerker niet in voor Persoonsgegevens "
                    "van de Verwerkingsverantwoordelijke."
                ),
                text(
                    "Zonder tijdig bezwaar schakelt de Verwerker de Subverwerker niet eerder in "
                    f"dan op {datum(notice.earliest_start)}."
                ),
            ],
        ),
        (
            "hoofdstuk",
            "Waarborgen en DPIA",
            [
                text(
                    "De Verwerker legt de Subverwerker bij schriftelijke overeenkomst in wezen "
                    "dezelfde verplichtingen inzake gegevensbescherming op als de "
                    "verwerkersovereenkomst hem oplegt, en beoordeelt vooraf of zij voldoende "
                    "garanties biedt. Op verzoek verstrekt hij binnen "
                    f"{termijn(terms['information_workdays'], 'Werkdagen')} een afschrift van "
                    "die bepalingen en van zijn beoordeling."
                ),
                text(
                    "De Verwerkingsverantwoordelijke beoordeelt of deze wijziging aanleiding "
                    "geeft zijn DPIA te herbeoordelen."
                ),
            ],
        ),
    ]


def _named(rendered: RenderedClause) -> str:
    """How the notice names an article or annex: `artikel 9 (Subverwerkers)`."""
    word = REFERENCE_WORDS[rendered.clause.head.section]
    return f"{word} {rendered.number} ({rendered.clause.head.title})"
