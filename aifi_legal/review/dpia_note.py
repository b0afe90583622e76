"""The note that opens a review of a hospital's DPIA after a change (art. 35(11) GDPR).

Addressed to the FG by the DPIA's document manager (the hospital's legal contact, as the DPIA's
own review clause names them): what triggers the review, which chapters of the DPIA read
differently with the current data, and that the FG's advice is sought before the change is
used for patients' data.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from ..assembly.blocks import Block
from ..assembly.formatting import datum
from ..source import DocumentSource
from ..word.conventions import STYLES
from ..word.reader import normalise, read_docx
from .letters import Section, items, letter_docx, text

NOTE_TITLE = "Herbeoordeling van de DPIA"
RISK_CHAPTER = "dpia-risicos"  # the clause that assesses each risk under a subheading
_RISK = re.compile(r"^(R\d+)\. (.+)$")


def affected_risks(base: Path, current: Path) -> list[str]:
    """The risks the current DPIA assesses anew against `base`: new, changed or gone.

    A risk is its subheading in the chapter on risks (`R7. Title`) and the text under it;
    risks are matched by title, since their numbers follow from which ones apply.
    """
    old, new = _risks(base), _risks(current)
    found = []
    for title, (number, text_now) in new.items():
        if title not in old:
            found.append(f"{number}. {title} (nieuw)")
        elif old[title][1] != text_now:
            found.append(f"{number}. {title} (anders beoordeeld)")
    found += [
        f"{number}. {title} (vervalt)" for title, (number, _) in old.items() if title not in new
    ]
    return found


def _risks(path: Path) -> dict[str, tuple[str, str]]:
    """Title -> (number, the assessment's text) of each risk in a DPIA."""
    risks: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for paragraph in read_docx(path).body():
        if paragraph.clause != RISK_CHAPTER:
            continue
        match = _RISK.match(paragraph.text)
        if match and paragraph.style == STYLES["subheading"]:
            current = match.group(2)
            risks[current] = (match.group(1), [])
        elif paragraph.style == STYLES["subheading"]:
            current = None
        elif current is not None:
            risks[current][1].append(paragraph.text)
    return {title: (n, normalise(" ".join(lines))) for title, (n, lines) in risks.items()}


def dpia_note_docx(
    source: DocumentSource,
    hospital: str,
    triggers: list[str],
    chapters: list[str],
    risks: list[str],
    base_id: str,
    number: int,
    when: date,
) -> tuple[bytes, str]:
    """The review note as DOCX bytes (in the DPIA's template), and its document id."""
    ref = source.ref(hospital, "dpia")
    context = source.assemble(ref).context
    party = context["ziekenhuis"]
    fg, manager = party["contacts"]["privacy_officer"], party["contacts"]["legal"]
    document_id = f"{base_id}-H{number:03d}"  # H: herbeoordeling
    affected: list[Block]
    risk_lines: list[Block] = []
    if risks:
        risk_lines = [text("Met de huidige gegevens worden deze risico's anders beoordeeld:")]
        risk_lines += items(risks)
    if chapters:
        affected = [
            text("Met de huidige gegevens luiden deze hoofdstukken van de DPIA anders:"),
            *items(chapters),
            *risk_lines,
            text(
                "De herbeoordeling stelt per hoofdstuk vast of de beschrijving, de risico's, "
                "de maatregelen en het restrisico nog kloppen, en legt de uitkomst vast in een "
                "nieuwe versie van de DPIA."
            ),
        ]
    else:
        affected = [
            text(
                "Geen hoofdstuk van de DPIA luidt met de huidige gegevens anders dan in de "
                "laatst opgestelde versie. De herbeoordeling stelt vast of de risico's, de "
                "maatregelen en het restrisico bij de gewijzigde verwerking nog passen."
            )
        ]
    sections: list[Section] = [
        (
            "partijen",
            "Aan en van",
            [
                text(
                    f"Aan: {fg['name']}, functionaris gegevensbescherming van "
                    f"{party['legal_name']} ({fg['email']})."
                ),
                text(f"Van: {manager['name']}, {manager['function']}, documentbeheerder."),
                text(
                    f"Betreft: herbeoordeling van de DPIA {base_id} (artikel 35, elfde lid, AVG), "
                    f"aanleiding van {datum(when)}."
                ),
            ],
        ),
        (
            "hoofdstuk",
            "Aanleiding",
            [
                text(
                    "De volgende wijzigingen van de overeenkomsten en de verwerking geven "
                    "aanleiding de DPIA opnieuw te beoordelen:"
                ),
                *items(triggers),
            ],
        ),
        ("hoofdstuk", "Betrokken hoofdstukken", affected),
        (
            "hoofdstuk",
            "Advies van de FG",
            [
                text(
                    "De documentbeheerder vraagt het advies van de functionaris "
                    "gegevensbescherming over de herbeoordeelde DPIA (artikel 35, tweede lid, "
                    "AVG). Het advies, de reactie daarop en de afwijkingen worden in de DPIA "
                    "vastgelegd."
                ),
                text(
                    "Het Ziekenhuis verwerkt voor de wijziging geen gegevens van patiënten "
                    "voordat de herbeoordeling is afgerond en de DPIA opnieuw is vastgesteld."
                ),
            ],
        ),
    ]
    data = letter_docx(
        source,
        "dpia",
        context,
        title=NOTE_TITLE,
        noun="deze notitie",
        when=when,
        document_id=document_id,
        sections=sections,
    )
    return data, document_id
