"""The value types of hospitals.yaml: text, KvK numbers, postcodes, slugs, dates, amounts.

Each refuses what a document cannot carry or the tool does not accept, with a message that
names the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

# Characters that cannot appear in a DOCX, and the private-use ones assembly.placeholders
# reserves for placeholders and literal values.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\ue01f\ufffe\uffff]")


def _text(value: str) -> str:
    # One Unicode form (NFC), so that a name typed in NFD is the same name.
    value = unicodedata.normalize("NFC", value)
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    if not value:
        raise PydanticCustomError("empty_text", "must not be empty")
    if _CONTROL.search(value):
        raise PydanticCustomError(
            "control_character", "contains a control character that cannot appear in a document"
        )
    return value


def fail(kind: str, message: str, value: object = None) -> PydanticCustomError:
    """An error whose message names the offending value where it says {value}."""
    text = message.replace("{value}", repr(value))
    return PydanticCustomError(kind, text.replace("{", "{{").replace("}", "}}"))


def _pattern(regex: str, message: str) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise fail("pattern", message, value)
        return value

    return check


def _postcode(value: str) -> str:
    match = re.fullmatch(r"([1-9][0-9]{3}) ?([A-Za-z]{2})", value.strip())
    if not match:
        raise fail(
            "postcode",
            "{value} is not a Dutch postcode (four digits and two letters, for example 3511 AB)",
            value,
        )
    return f"{match.group(1)} {match.group(2).upper()}"


Text = Annotated[str, AfterValidator(_text)]
KvK = Annotated[str, AfterValidator(_pattern(r"[0-9]{8}", "{value} is not 8 digits"))]
Postcode = Annotated[str, AfterValidator(_postcode)]
Email = Annotated[
    str,
    AfterValidator(
        _pattern(
            r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            "{value} is not an e-mail address",
        )
    ),
]
Version = Annotated[
    str, AfterValidator(_pattern(r"\d+\.\d+", "{value} is not a version such as 1.0"))
]
# An id names folders and files and is part of document ids: short enough for any file system.
MAX_SLUG = 40
Slug = Annotated[
    str,
    AfterValidator(
        _pattern(
            rf"(?=.{{1,{MAX_SLUG}}}$)[a-z0-9]+(-[a-z0-9]+)*",
            "{value} is not a slug (lower-case letters, digits and single hyphens, at most "
            f"{MAX_SLUG} characters, for example 'st-jozef-dalwijk')",
        )
    ),
]


def _strict_date(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise fail("date_format", "{value} is not a date written as YYYY-MM-DD", value)
    return value


IsoDate = Annotated[date, BeforeValidator(_strict_date)]
Amount = Annotated[Decimal, Field(ge=0, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]


def _dicom_tags(value: str) -> str:
    """One or more DICOM tags such as '(0010,0010)' or '(0008,0020) tot en met (0008,0033)'."""
    tag = r"\([0-9A-Fa-fx]{4},[0-9A-Fa-fx]{4}\)"
    if not re.fullmatch(rf"{tag}((, | en | tot en met ){tag})*", value.strip()):
        raise fail(
            "dicom_tag",
            "{value} is not a DICOM tag written as (gggg,eeee), or several separated by ', '",
            value,
        )
    return value.strip()


DicomTags = Annotated[str, AfterValidator(_dicom_tags)]


# Countries of the European Economic Area, as written in the data (Dutch names).
EEA_COUNTRIES = {
    "belgië",
    "bulgarije",
    "cyprus",
    "denemarken",
    "duitsland",
    "estland",
    "finland",
    "frankrijk",
    "griekenland",
    "hongarije",
    "ierland",
    "italië",
    "kroatië",
    "letland",
    "litouwen",
    "luxemburg",
    "malta",
    "nederland",
    "oostenrijk",
    "polen",
    "portugal",
    "roemenië",
    "slovenië",
    "slowakije",
    "spanje",
    "tsjechië",
    "zweden",
    "ijsland",
    "liechtenstein",
    "noorwegen",
}


DocumentKindName = Literal[
    "intentieverklaring", "deelnameovereenkomst", "verwerkersovereenkomst", "dpia"
]


class Model(BaseModel):
    """Base of every data model: unknown fields refused, values frozen, text stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
