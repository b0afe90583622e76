"""People's names compared as people read them: one Unicode form, any case, without titles.

The register, `sign` and `intake` compare a signatory's name in the data with a name typed on
the command line or printed in a certificate. "drs. Bart van 't Veld", "Bart van 't Veld" and
"B. van 't Veld" name one person; "Bart van Veld" does not.
"""

from __future__ import annotations

import re
import unicodedata

# Academic and professional titles and forms of address, written before or after a name.
TITLES = frozenset(
    {
        "dr",
        "drs",
        "mr",
        "ir",
        "ing",
        "prof",
        "bc",
        "ba",
        "ma",
        "msc",
        "bsc",
        "mba",
        "phd",
        "llm",
        "ra",
        "em",
        "dhr",
        "mevr",
        "jhr",
        "jkvr",
        "mw",
        "de heer",
        "mevrouw",
    }
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|['’][^\W_]+", re.UNICODE)


def normal_text(text: str) -> str:
    """Text in one Unicode form (NFC) with whitespace folded: the form values are stored in."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def name_key(name: str) -> tuple[str, ...]:
    """The words of a name, case and accents folded, titles and punctuation dropped."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c)).replace("’", "'")
    words = [w for w in _WORD.findall(plain) if w.strip("'") not in TITLES]
    return tuple(words)


def same_name(expected: str, given: str) -> bool:
    """Whether `given` names the person `expected` names (initials may stand for names)."""
    want, have = name_key(expected), name_key(given)
    if not want or len(want) != len(have):
        return False
    for a, b in zip(want, have, strict=True):
        if a == b:
            continue
        short, long = sorted((a, b), key=len)
        if len(short) != 1 or not long.startswith(short):
            return False
    # Initials alone never identify anyone: the last word (the surname) must be written out.
    return len(want[-1]) > 1 and len(have[-1]) > 1 and want[-1] == have[-1]
