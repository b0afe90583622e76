"""The fixed Dutch text of a wijzigingsovereenkomst: recitals, definitions, entry into force.

The words are the drafting of the addendum itself; the provisions it changes and their new
text come from review/addendum.py. Every number in it is the signed agreement's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..assembly.blocks import Block, Paragraph, Run
from ..assembly.formatting import datum
from ..documents import KINDS

ADDENDUM_NOUN = "deze wijzigingsovereenkomst"
# The prefix of a kind's own clause ids: dno-slotbepalingen, vwo-subverwerkers.
CLAUSE_PREFIX = {"deelnameovereenkomst": "dno", "verwerkersovereenkomst": "vwo"}


def member(words: str) -> Paragraph:
    """One member of an article (numbered by Word when the article has more than one)."""
    return Paragraph("member", (Run(words),))


def text(words: str) -> Paragraph:
    """One paragraph of running text."""
    return Paragraph("text", (Run(words),))


def lower(number: str | None) -> str:
    """`Artikel 9` as running text writes it: `artikel 9` (an annex keeps its capital)."""
    if not number:
        return ""
    return "a" + number[1:] if number.startswith("Artikel ") else number


def recitals(
    kind: str,
    base_id: str,
    signed_on: date | None,
    shown: dict[str, str],
    amended: list[str],
    revised: list[str],
    notice: Any,
) -> list[Block]:
    """The recitals: the signed agreement, what changed, the notice, the written form."""
    title = KINDS[kind].title.lower()
    when = f"op {datum(signed_on)} " if signed_on else ""
    recitals = [
        f"Partijen hebben {when}de {title} met kenmerk {base_id} gesloten (hierna: de "
        "Overeenkomst).",
    ]
    if revised:
        recitals.append(
            "De landelijke werkgroep juridisch van het Programma heeft na de ondertekening de "
            f"modeltekst van {_listing(revised)} van de Overeenkomst herzien."
        )
    data = [name for name in amended if name not in revised]
    if data:
        recitals.append(
            "Sinds de ondertekening zijn gegevens gewijzigd waarop de Overeenkomst berust; dat "
            f"raakt {_listing(data)} van de Overeenkomst."
        )
    prefix = CLAUSE_PREFIX.get(kind, "")
    if notice is not None and notice.document_id:
        article = shown.get(f"{prefix}-subverwerkers")
        recitals.append(
            f"De Verwerker heeft de Verwerkingsverantwoordelijke met de kennisgeving "
            f"{notice.document_id} van {datum(notice.sent)} gemeld dat hij een nieuwe of "
            "gewijzigde Subverwerker wil inschakelen"
            + (f", zoals {lower(article)} van de Overeenkomst voorschrijft." if article else ".")
        )
    final = shown.get(f"{prefix}-slotbepalingen")
    recitals.append(
        (f"Volgens {lower(final)} van de Overeenkomst gelden" if final else "Er gelden")
        + " wijzigingen alleen als Partijen die schriftelijk zijn overeengekomen. Partijen "
        f"leggen de wijzigingen daarom vast in {ADDENDUM_NOUN}."
    )
    blocks: list[Block] = [text("Partijen nemen het volgende in aanmerking:")]
    blocks += [
        Paragraph("recital", (Run(words),), f"{chr(ord('A') + index)}.")
        for index, words in enumerate(recitals)
    ]
    blocks.append(text("Partijen komen als volgt overeen:"))
    return blocks


def _listing(names: list[str]) -> str:
    names = [lower(n) for n in dict.fromkeys(names)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def definitions(base_id: str) -> list[Block]:
    """The first article: the agreement's terms and its signed numbering apply."""
    return [
        member(
            f"Begrippen met een hoofdletter hebben in {ADDENDUM_NOUN} de betekenis die de "
            "Overeenkomst eraan geeft."
        ),
        member(
            "Een artikel- of bijlagenummer zonder nadere aanduiding is dat van de Overeenkomst "
            f"zoals zij is ondertekend (kenmerk {base_id}); dat geldt ook in de nieuwe teksten "
            f"die {ADDENDUM_NOUN} vaststelt. Een ingevoegd artikel of een ingevoegde bijlage "
            "krijgt het nummer van het voorgaande met een letter, zodat geen ander nummer "
            "verandert."
        ),
    ]


def entry_into_force(
    effective: date | None, notice: Any, shown: dict[str, str], kind: str
) -> list[Block]:
    """When the addendum takes effect, and when a new sub-processor may start."""
    if effective is None:
        start = (
            f"{ADDENDUM_NOUN.capitalize()} treedt in werking op de dag waarop de laatste Partij "
            "haar heeft ondertekend."
        )
    else:
        start = (
            f"{ADDENDUM_NOUN.capitalize()} treedt in werking op {datum(effective)}, of op de dag "
            "waarop de laatste Partij haar heeft ondertekend als dat later is."
        )
    blocks: list[Block] = [member(start)]
    if notice is not None:
        article = shown.get(f"{CLAUSE_PREFIX.get(kind, '')}-subverwerkers")
        under = f"{lower(article)} van de Overeenkomst en " if article else ""
        blocks.append(
            member(
                f"De Verwerker schakelt een Subverwerker die {ADDENDUM_NOUN} toevoegt of wijzigt "
                f"niet eerder in dan {under}de kennisgeving {notice.document_id} toestaan: niet "
                f"vóór {datum(notice.earliest_start)}, en niet zolang de "
                "Verwerkingsverantwoordelijke daartegen een bezwaar heeft gemaakt dat niet is "
                "opgelost."
            )
        )
    return blocks


def remaining() -> list[Block]:
    """Everything else stays as signed; the addendum is part of the agreement."""
    return [
        member("Voor het overige blijft de Overeenkomst ongewijzigd van kracht."),
        member(
            f"{ADDENDUM_NOUN.capitalize()} maakt deel uit van de Overeenkomst. Bij strijdigheid "
            f"tussen beide gaat {ADDENDUM_NOUN} voor."
        ),
        member(
            f"Op {ADDENDUM_NOUN} zijn het toepasselijk recht en de geschillenregeling van de "
            "Overeenkomst van toepassing."
        ),
    ]


def signing() -> list[Block]:
    """The signing clause above the signature table."""
    return [
        text(
            "Iedere ondertekenaar verklaart bevoegd te zijn de Partij voor wie hij of zij tekent "
            "te vertegenwoordigen, zoals vermeld in de aanhef. "
            f"{ADDENDUM_NOUN.capitalize()} wordt op papier in tweevoud of elektronisch "
            "ondertekend."
        ),
        text("Aldus overeengekomen en ondertekend:"),
    ]
