"""Differences between two texts by words, short enough for one finding."""

from __future__ import annotations

import difflib

CONTEXT_WORDS = 3
SHOWN_CHANGES = 3
MAX_PIECE = 80


def word_changes(before: str, after: str) -> str:
    """The changed words of `after` against `before`: `...lead [-old-] {+new+} tail...`."""
    old, new = before.split(), after.split()
    changes = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False)
               .get_opcodes() if op[0] != "equal"]
    pieces = []
    for _, i1, i2, j1, j2 in changes[:SHOWN_CHANGES]:
        lead = " ".join(old[max(0, i1 - CONTEXT_WORDS):i1])
        tail = " ".join(old[i2:i2 + CONTEXT_WORDS])
        removed = f"[-{_clip(' '.join(old[i1:i2]))}-]" if i2 > i1 else ""
        added = f"{{+{_clip(' '.join(new[j1:j2]))}+}}" if j2 > j1 else ""
        pieces.append(" ".join(p for p in ("..." + lead if lead else "", removed, added,
                                           tail + "..." if tail else "") if p))
    if len(changes) > SHOWN_CHANGES:
        pieces.append(f"and {len(changes) - SHOWN_CHANGES} more change(s)")
    return "; ".join(pieces)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_PIECE else text[:MAX_PIECE - 3].rstrip() + "..."
