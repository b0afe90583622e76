"""Placeholders for the model documents (`build --model`).

In a model document every hospital-specific value is shown as its field name, for example
`[ziekenhuis.legal_name]`, and highlighted, so that the national legal workgroup reviews the text
itself rather than one hospital's version of it.
"""

from __future__ import annotations

import functools
from typing import Any

# Private-use characters bracket a placeholder in rendered clause text, so that the DOCX writer
# can highlight it; data values may not contain them (see models._CONTROL).
START, END = "\ue000", "\ue001"


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
    """Jinja `finalize`: bracket placeholders so the writer can highlight them."""
    if isinstance(value, Placeholder):
        return f"{START}{value}{END}"
    return value
