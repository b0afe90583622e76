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

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import GenerateJsonSchema, JsonDict, JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# Characters that cannot appear in a DOCX, and the private-use ones assembly.placeholders
# reserves for placeholders and literal values.
_CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\ue01f\ufffe\uffff"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")

# The forms the validators below check (with fullmatch, on the value stripped of spaces). The
# JSON Schema states the same patterns, so that an editor refuses what the tool refuses.
KVK_PATTERN = r"[0-9]{8}"
POSTCODE_PATTERN = r"([1-9][0-9]{3}) ?([A-Za-z]{2})"
EMAIL_PATTERN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
VERSION_PATTERN = r"\d+\.\d+"
# An id names folders and files and is part of document ids: short enough for any file system.
MAX_SLUG = 40
SLUG_PATTERN = rf"(?=.{{1,{MAX_SLUG}}}$)[a-z0-9]+(-[a-z0-9]+)*"
_DICOM_TAG = r"\([0-9A-Fa-fx]{4},[0-9A-Fa-fx]{4}\)"
DICOM_TAGS_PATTERN = rf"{_DICOM_TAG}((, | en | tot en met ){_DICOM_TAG})*"
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
# The schema's date pattern is narrower: what DATE_PATTERN lets through and a date can be.
_SCHEMA_DATE_PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"


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
    match = re.fullmatch(POSTCODE_PATTERN, value.strip())
    if not match:
        raise fail(
            "postcode",
            "{value} is not a Dutch postcode (four digits and two letters, for example 3511 AB)",
            value,
        )
    return f"{match.group(1)} {match.group(2).upper()}"


def _strict_date(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(DATE_PATTERN, value.strip()):
        raise fail("date_format", "{value} is not a date written as YYYY-MM-DD", value)
    return value


def _dicom_tags(value: str) -> str:
    """One or more DICOM tags such as '(0010,0010)' or '(0008,0020) tot en met (0008,0033)'."""
    if not re.fullmatch(DICOM_TAGS_PATTERN, value.strip()):
        raise fail(
            "dicom_tag",
            "{value} is not a DICOM tag written as (gggg,eeee), or several separated by ', '",
            value,
        )
    return value.strip()


# --- how the types appear in the JSON Schema -----------------------------------------------------
#
# The schema (`aifi-legal schema`) is for an editor that checks hospitals.yaml while it is typed.
# The editor resolves an unquoted value itself (YAML 1.2, or 1.1 on request): to it `12345678` is
# a number, where our loader (yamlfile.py) keeps every value as the text typed and the models
# decide what the text means. So a text type also accepts the numbers an editor makes of it, a
# number type also the text the models accept (see SchemaGenerator), and the patterns are the
# validators' own. A `pattern` applies to a string only, `minimum` and `maximum` to a number only.


def _schema(types: str | list[str], pattern: str, message: str, **extra: object) -> WithJsonSchema:
    """The JSON Schema of a text type; `patternErrorMessage` is what the editor says."""
    return WithJsonSchema(
        {"type": types, "pattern": f"^{pattern}$", "patternErrorMessage": message, **extra}
    )


# Text is not blank and has no control characters; unquoted, a phone number is a number.
Text = Annotated[
    str,
    AfterValidator(_text),
    _schema(
        ["string", "number"],
        rf"(?=[\s\S]*\S)[^{_CONTROL_CHARS}]*",
        "must not be empty or contain control characters",
    ),
]
# Unquoted, a KvK number is a number, and loses a leading zero: any number of up to 8 digits.
KvK = Annotated[
    str,
    AfterValidator(_pattern(KVK_PATTERN, "{value} is not 8 digits")),
    _schema(
        ["string", "integer"],
        KVK_PATTERN,
        '8 digits, for example "12345678"',
        minimum=0,
        maximum=99_999_999,
    ),
]
Postcode = Annotated[
    str,
    AfterValidator(_postcode),
    _schema("string", POSTCODE_PATTERN, "a Dutch postcode: four digits and two letters (3511 AB)"),
]
Email = Annotated[
    str,
    AfterValidator(_pattern(EMAIL_PATTERN, "{value} is not an e-mail address")),
    _schema("string", EMAIL_PATTERN, "an e-mail address such as naam@example.nl"),
]
# Unquoted, `1.0` is a number (and so is `2`, which the tool refuses).
Version = Annotated[
    str,
    AfterValidator(_pattern(VERSION_PATTERN, "{value} is not a version such as 1.0")),
    _schema(["string", "number"], VERSION_PATTERN, 'a version such as "1.0"', minimum=0),
]
Slug = Annotated[
    str,
    AfterValidator(
        _pattern(
            SLUG_PATTERN,
            "{value} is not a slug (lower-case letters, digits and single hyphens, at most "
            f"{MAX_SLUG} characters, for example 'st-jozef-dalwijk')",
        )
    ),
    _schema(
        ["string", "integer"],
        SLUG_PATTERN,
        f"lower-case letters, digits and single hyphens, at most {MAX_SLUG} characters",
        minimum=0,
    ),
]
# An editor has no date type: to it a date is the text as typed.
IsoDate = Annotated[
    date,
    BeforeValidator(_strict_date),
    _schema("string", _SCHEMA_DATE_PATTERN, "a date written as YYYY-MM-DD", format="date"),
]
Amount = Annotated[Decimal, Field(ge=0, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
DicomTags = Annotated[
    str,
    AfterValidator(_dicom_tags),
    _schema(
        "string",
        DICOM_TAGS_PATTERN,
        "DICOM tags written as (gggg,eeee), several separated by ', ', ' en ' or ' tot en met '",
    ),
]


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


# The text forms of a whole number and of a yes/no that the models accept (pydantic's lax
# mode: see tests/test_schema.py, which checks these against pydantic itself).
INT_TEXT = r"\s*[+-]?[0-9](_?[0-9])*(\.0+)?\s*"
BOOL_TEXT = "|".join(
    _any_case(w) for w in ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0")
)


class SchemaGenerator(GenerateJsonSchema):
    """Pydantic's JSON Schema, with numbers and yes/no as a YAML editor may see them.

    Our loader hands every value to the models as text, so `"30"` is a number of days and `yes`
    is true to the tool; an editor sees a string. A number field therefore also accepts its text
    form, a yes/no field true and false, 0 and 1 and the words pydantic reads as a yes or no.
    """

    def int_schema(self, schema: core_schema.IntSchema) -> JsonSchemaValue:
        """A whole number, or its text."""
        number = super().int_schema(schema)
        return {
            **number,
            "type": ["integer", "string"],
            "pattern": f"^{INT_TEXT}$",
            "patternErrorMessage": "a whole number",
        }

    def bool_schema(self, schema: core_schema.BoolSchema) -> JsonSchemaValue:
        """A yes or no: true or false, 0 or 1, or a word such as yes, no, on, off."""
        return {
            "type": ["boolean", "integer", "string"],
            "minimum": 0,
            "maximum": 1,
            "pattern": f"^({BOOL_TEXT})$",
            "patternErrorMessage": "true or false",
        }

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        """An amount or percentage, as a number or as text (with at most its decimals)."""
        json_schema: dict[str, object] = {"type": ["number", "string"]}
        ge, le, places = schema.get("ge"), schema.get("le"), schema.get("decimal_places")
        if ge is not None:
            json_schema["minimum"] = _number(ge)
        if le is not None:
            json_schema["maximum"] = _number(le)
        sign = r"\+?" if ge is not None and ge >= 0 else "[+-]?"
        decimals = "[0-9]*" if places is None else rf"[0-9]{{0,{places}}}0*"
        json_schema["pattern"] = rf"^\s*{sign}(?=\.?[0-9])([0-9](_?[0-9])*)?(\.{decimals})?\s*$"
        json_schema["patternErrorMessage"] = (
            "a number" if places is None else f"a number with at most {places} decimals"
        )
        return json_schema


# Rules between the fields of one record, for the JSON Schema's `if`, `then` and `else`: the model
# validators check the same.


def given(field: str, value: str | None = None) -> JsonDict:
    """The record has `field` (with `value`, if given)."""
    test: JsonDict = {"not": {"type": "null"}} if value is None else {"const": value}
    return {"required": [field], "properties": {field: test}}


def needs(*fields: str) -> JsonDict:
    """Each of `fields` is given."""
    return {"required": [*fields], "properties": {f: {"not": {"type": "null"}} for f in fields}}


def lacks(*fields: str) -> JsonDict:
    """None of `fields` is given (or each is empty)."""
    return {"properties": {f: {"type": "null"} for f in fields}}


def schema_rule(condition: JsonDict, then: JsonDict, otherwise: JsonDict) -> ConfigDict:
    """A model's config that adds `if condition then ... else otherwise` to its JSON Schema."""
    return ConfigDict(json_schema_extra={"if": condition, "then": then, "else": otherwise})


def _number(value: object) -> int | float:
    number = float(str(value))
    return int(number) if number.is_integer() else number


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
