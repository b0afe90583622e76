"""Placeholders for the model documents (`build --model`).

In a model document every hospital-specific value is shown as its field name, for example
`[ziekenhuis.legal_name]`, and highlighted, so that the national legal workgroup reviews the text
itself rather than one hospital's version of it.
"""

from __future__ import annotations

import functools
from typing import Any

from .terms import TERM_END, TERM_SEP, TERM_START, field_of

# Private-use characters bracket a placeholder in rendered clause text, so that the DOCX writer
# can highlight it; data values may not contain them (see models._CONTROL).
START, END = "\ue000", "\ue001"

# A value from the data is literal text, never clause markup: while the clause text is parsed,
# the characters that mean something to the parser (bold, table cells, headings, list items,
# cell colours, paragraph breaks) stand in private-use form inside values; `literal` restores
# them in each run. Data values may not contain these characters (see inputs.fields).
_MARKUP = "*|#-!"
_STAND_INS = "\ue010\ue011\ue012\ue013\ue014"
_ESCAPE = str.maketrans({**dict(zip(_MARKUP, _STAND_INS, strict=True)), "\n": " ", "\r": " "})
_RESTORE = str.maketrans(dict(zip(_STAND_INS, _MARKUP, strict=True)))


class Placeholder(str):
    """A string standing for a field: `Placeholder('ziekenhuis.kvk')` reads `[ziekenhuis.kvk]`."""

    field: str

    def __new__(cls, field: str, text: str | None = None) -> Placeholder:
        """A placeholder named after `field`, reading `text` (default `[field]`)."""
        self = super().__new__(cls, text if text is not None else f"[{field}]")
        self.field = field
        return self


def passes_placeholder(function):
    """Let a formatting filter return a placeholder unchanged instead of formatting it."""

    @functools.wraps(function)
    def wrapper(value, *args, **kwargs):
        if isinstance(value, Placeholder):
            return value
        return function(value, *args, **kwargs)

    return wrapper


def placeholderize(value: Any, prefix: str) -> Any:
    """Replace every leaf of a context value by a placeholder named after its path.

    Lists keep one item; booleans keep their value so that conditions still choose a text.
    """
    if isinstance(value, dict):
        return {key: placeholderize(item, f"{prefix}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [placeholderize(value[0], f"{prefix}[]")] if value else []
    if isinstance(value, bool) or value is None:
        return value
    return Placeholder(prefix)


def mark(value: Any) -> Any:
    """Jinja `finalize`: every value literal text; placeholders and terms bracketed."""
    if isinstance(value, Placeholder):
        return f"{START}{str(value).translate(_ESCAPE)}{END}"
    if value is None or isinstance(value, bool):
        return value
    text = str(value).translate(_ESCAPE)
    field = field_of(value)
    return f"{TERM_START}{field}{TERM_SEP}{text}{TERM_END}" if field else text


def literal(text: str) -> str:
    """Text of a run with the markup characters of its values restored."""
    return text.translate(_RESTORE)
