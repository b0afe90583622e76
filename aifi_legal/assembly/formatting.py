"""Dutch legal formatting of dates, amounts, numbers and enumerations (Babel, nl_NL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from .placeholders import Placeholder, passes_placeholder

LOCALE = "nl_NL"


@passes_placeholder
def datum(value: date) -> str:
    """`date(2026, 3, 1)` -> `1 maart 2026`."""
    return format_date(value, format="long", locale=LOCALE)


@passes_placeholder
def bedrag(value: Decimal | int | str) -> str:
    """`Decimal('1250')` -> `€ 1.250,00` (with a no-break space after the euro sign)."""
    return format_currency(Decimal(str(value)), "EUR", locale=LOCALE)


def opsomming(items, conjunction: str = "en") -> str:
    """`['A', 'B', 'C']` -> `A, B en C`; `opsomming(items, 'of')` -> `A, B of C`."""
    items = [item for item in items]
    if any(isinstance(item, Placeholder) for item in items):
        text = _join(items, conjunction)
        return Placeholder(text, text)
    return _join(items, conjunction)


def _join(items: list, conjunction: str) -> str:
    items = [str(item) for item in items]
    if not items:
        raise ValueError("opsomming needs at least one item")
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


_UNITS = [
    "nul",
    "een",
    "twee",
    "drie",
    "vier",
    "vijf",
    "zes",
    "zeven",
    "acht",
    "negen",
    "tien",
    "elf",
    "twaalf",
    "dertien",
    "veertien",
    "vijftien",
    "zestien",
    "zeventien",
    "achttien",
    "negentien",
]
_TENS = {
    20: "twintig",
    30: "dertig",
    40: "veertig",
    50: "vijftig",
    60: "zestig",
    70: "zeventig",
    80: "tachtig",
    90: "negentig",
}


@passes_placeholder
def woorden(value: int) -> str:
    """A whole number from 0 to 100 in Dutch words: `5` -> `vijf`, `24` -> `vierentwintig`."""
    number = int(value)
    if not 0 <= number <= 100:
        raise ValueError(f"woorden supports 0 to 100, got {number}")
    if number == 100:
        return "honderd"
    if number < 20:
        return _UNITS[number]
    tens, unit = divmod(number, 10)
    if unit == 0:
        return _TENS[tens * 10]
    link = "ën" if _UNITS[unit].endswith("e") else "en"
    return f"{_UNITS[unit]}{link}{_TENS[tens * 10]}"


def add_months(value: date, months: int) -> date:
    """The same day `months` later (clamped to the month's end), for planning dates."""
    if isinstance(value, Placeholder):
        return Placeholder(f"{value.field} + {months} maanden")
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    for day in (value.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def last_day_before(value: date) -> date:
    """The day before `value`: the inclusive end of a period that `value` starts after."""
    if isinstance(value, Placeholder):
        return value
    return value - timedelta(days=1)


def wettelijk(value):
    """Mark a term fixed by law (`{{ "72 uur" | wettelijk }}`): the text is returned unchanged.

    A term such as the 72 hours of article 33 AVG or the 20 years of article 7:454 BW is not
    data: it follows from the law. Writing it through this filter tells the reader of the clause,
    and the lint rule for literal numbers, that the number is statutory on purpose.
    """
    return value


# Singular and plural of the units a term is written in.
_UNIT_FORMS = {
    "minuut": ("minuut", "minuten"),
    "minuten": ("minuut", "minuten"),
    "uur": ("uur", "uur"),
    "dag": ("dag", "dagen"),
    "dagen": ("dag", "dagen"),
    "Werkdag": ("Werkdag", "Werkdagen"),
    "Werkdagen": ("Werkdag", "Werkdagen"),
    "week": ("week", "weken"),
    "weken": ("week", "weken"),
    "maand": ("maand", "maanden"),
    "maanden": ("maand", "maanden"),
    "jaar": ("jaar", "jaar"),
}


def termijn(value: int, unit: str) -> str:
    """A term from the data with its unit, as Dutch contracts write it.

    The number in words up to twenty, in digits above:
    `termijn(10, 'Werkdagen')` -> `tien Werkdagen`,
    `termijn(1, 'maanden')` -> `één maand`, `termijn(24, 'uur')` -> `24 uur`.
    """
    if unit not in _UNIT_FORMS:
        raise ValueError(f"termijn: unknown unit {unit!r} (known: {', '.join(_UNIT_FORMS)})")
    singular, plural = _UNIT_FORMS[unit]
    if isinstance(value, Placeholder):
        return Placeholder(value.field, f"{value} {plural}")
    number = int(value)
    if number == 1:
        return f"één {singular}"
    words = woorden(number) if number <= 20 else str(number)
    return f"{words} {plural}"


@passes_placeholder
def procent(value: Decimal | int | str) -> str:
    """`Decimal('99.5')` -> `99,5%`; `Decimal('21')` -> `21%`."""
    number = Decimal(str(value)).normalize()
    text = format(number, "f").replace(".", ",")
    return f"{text}%"


@passes_placeholder
def getal(value: Decimal | int | str) -> str:
    """A count as Dutch text writes it: `18000` -> `18.000`, `450` -> `450`."""
    return format_decimal(Decimal(str(value)), locale=LOCALE)


FILTERS = {
    "datum": datum,
    "bedrag": bedrag,
    "opsomming": opsomming,
    "woorden": woorden,
    "plus_maanden": add_months,
    "wettelijk": wettelijk,
    "termijn": termijn,
    "procent": procent,
    "getal": getal,
}
