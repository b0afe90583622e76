"""Differences between two texts by words: one comparison, two ways to show it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT_WORDS = 3
SHOWN_CHANGES = 3
MAX_PIECE = 80


@dataclass(frozen=True)
class Hunk:
    """One change by words: where it starts, the words around it, what went and what came."""

    word: int  # 1-based position of the first changed word in `before`
    lead: str
    removed: str
    added: str
    tail: str


def word_hunks(before: str, after: str, context: int = CONTEXT_WORDS) -> list[Hunk]:
    """Every change of `after` against `before`, by words (a re-wrapped line is no change)."""
    old, new = before.split(), after.split()
    return [
        Hunk(
            i1 + 1,
            " ".join(old[max(0, i1 - context) : i1]),
            " ".join(old[i1:i2]),
            " ".join(new[j1:j2]),
            " ".join(old[i2 : i2 + context]),
        )
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(
            None, old, new, autojunk=False
        ).get_opcodes()
        if op != "equal"
    ]


def word_changes(before: str, after: str) -> str:
    """The changed words of `after` against `before`: `...lead [-old-] {+new+} tail...`."""
    hunks = word_hunks(before, after)
    pieces = [hunk_text(hunk) for hunk in hunks[:SHOWN_CHANGES]]
    if len(hunks) > SHOWN_CHANGES:
        pieces.append(f"and {len(hunks) - SHOWN_CHANGES} more change(s)")
    return "; ".join(pieces)


def hunk_text(hunk: Hunk) -> str:
    """One change in words: `...lead [-removed-] {+added+} tail...`."""
    removed = f"[-{clip(hunk.removed)}-]" if hunk.removed else ""
    added = f"{{+{clip(hunk.added)}+}}" if hunk.added else ""
    lead = "..." + hunk.lead if hunk.lead else ""
    tail = hunk.tail + "..." if hunk.tail else ""
    return " ".join(p for p in (lead, removed, added, tail) if p)


def clip(text: str, limit: int = MAX_PIECE) -> str:
    """`text`, cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
