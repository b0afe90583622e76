"""Terms from the data, traced into the document so that `check` can read them back.

Every number, amount and date in a document's context carries the field it came from
(`ziekenhuis.retention.results_years`). The formatting filters keep that field on what they
return, the Jinja finalizer brackets the text with the field, and the writer puts a bookmark
around it. A lawyer who changes "24 uur" into "72 uur" in Word then changes a marked term.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

# Private-use characters: a term's text is written TERM_START field TERM_SEP text TERM_END in
# rendered clause text; data values may not contain them (see inputs.fields).
TERM_START, TERM_SEP, TERM_END = "\ue015", "\ue016", "\ue017"


class TermInt(int):
    """A whole number from the data, with the field it came from."""

    term_field: str

    def __new__(cls, value: int, field: str) -> TermInt:
        """The number `value` from `field`."""
        self = super().__new__(cls, value)
        self.term_field = field
        return self


class TermDecimal(Decimal):
    """An amount or percentage from the data, with the field it came from."""

    term_field: str

    def __new__(cls, value: Decimal, field: str) -> TermDecimal:
        """The amount `value` from `field`."""
        self = super().__new__(cls, value)
        self.term_field = field
        return self


class TermDate(date):
    """A date from the data (or computed from it), with the field it came from."""

    term_field: str

    def __new__(cls, value: date, field: str) -> TermDate:
        """The day `value` from `field`."""
        self = super().__new__(cls, value.year, value.month, value.day)
        self.term_field = field
        return self


class TermText(str):
    """A formatted term ("24 uur", "1 maart 2027"), with the field it came from."""

    term_field: str

    def __new__(cls, value: str, field: str) -> TermText:
        """The text `value` of the term from `field`."""
        self = super().__new__(cls, value)
        self.term_field = field
        return self


# Values trace returns as they are, by exact type: most of a context is text, and these need
# neither a path nor a look at their attributes (booleans choose text; bool has no subclasses).
_UNTRACED = frozenset({str, bool, type(None)})


def trace(value: Any, path: str) -> Any:
    """`value` with every number, amount and date below it carrying its field path."""
    if isinstance(value, dict):
        return {
            key: item
            if type(item) in _UNTRACED
            else trace(item, f"{path}.{key}" if path else str(key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            item if type(item) in _UNTRACED else trace(item, f"{path}[{index}]")
            for index, item in enumerate(value)
        ]
    if type(value) in _UNTRACED:
        return value
    if hasattr(value, "term_field") or hasattr(value, "field"):
        return value  # placeholders and terms are marked already
    if isinstance(value, int):
        return TermInt(value, path)
    if isinstance(value, Decimal):
        return TermDecimal(value, path)
    if isinstance(value, date):
        return TermDate(value, path)
    return value


def keeps_term(function: Callable[..., Any]) -> Callable[..., Any]:
    """A formatting filter that returns a term when it formats one."""

    @functools.wraps(function)
    def wrapper(value: Any, *args: Any, **kwargs: Any) -> Any:
        result = function(value, *args, **kwargs)
        field = getattr(value, "term_field", None)
        if field is not None and isinstance(result, str) and not hasattr(result, "field"):
            return TermText(result, field)
        return result

    return wrapper


def field_of(value: Any) -> str | None:
    """The field a rendered value came from, if it is a term."""
    return getattr(value, "term_field", None)
