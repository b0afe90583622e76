"""One converter of pydantic validation errors into located problems, for every loader.

The data file, clause heads, the risk register and the signature register are all validated by
pydantic models; their errors reach the user as `file:line: field.path: what was expected`,
never as a pydantic message or traceback.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem, did_you_mean
from .yamlfile import LineMap, format_path

_MESSAGES = {
    "missing": "required field is missing",
    "string_type": "expected text, got {input}",
    "int_parsing": "expected a whole number, got {input}",
    "int_type": "expected a whole number, got {input}",
    "int_from_float": "expected a whole number, got {input}",
    "bool_parsing": "expected true or false, got {input}",
    "bool_type": "expected true or false, got {input}",
    "decimal_parsing": "expected an amount such as 1250.00, got {input}",
    "decimal_type": "expected an amount such as 1250.00, got {input}",
    "decimal_max_places": "an amount has at most 2 decimals, got {input}",
    "list_type": "expected a list, got {input}",
    "dict_type": "expected a mapping of fields, got {input}",
    "model_type": "expected a mapping of fields, got {input}",
    "model_attributes_type": "expected a mapping of fields, got {input}",
    "date_from_datetime_parsing": "{input} is not a valid date (YYYY-MM-DD)",
    "date_parsing": "{input} is not a valid date (YYYY-MM-DD)",
    "date_type": "expected a date written as YYYY-MM-DD, got {input}",
    "datetime_parsing": "{input} is not a valid time stamp",
    "datetime_from_date_parsing": "{input} is not a valid time stamp",
    "string_too_short": "must not be empty",
}

_BOUNDS = {
    "greater_than_equal": "at least",
    "less_than_equal": "at most",
    "greater_than": "more than",
    "less_than": "less than",
}


def problems_from(
    exc: ValidationError,
    file: Path | None,
    lines: LineMap | None,
    model: type[BaseModel],
    *,
    line: int | None = None,
) -> list[Problem]:
    """Every error of `exc` as a Problem at its line in `lines` (or at `line`)."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message, hint = _message(error, loc, model)
        where = lines.line(loc) if lines is not None else line
        problems.append(Problem(file, where, format_path(loc), message, hint))
    return problems


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _message(error: Any, loc: tuple[Any, ...], model: type[BaseModel]) -> tuple[str, str | None]:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        field = str(loc[-1])
        return f"unknown field {field!r}", did_you_mean(
            field, known_fields(model, loc[:-1]), listing="expected one of"
        )
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(input=_describe(value)), None
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"{_describe(value)} is not allowed; expected {expected}", None
    if kind == "string_pattern_mismatch":
        return f"{_describe(value)} does not have the form {error['ctx']['pattern']}", None
    if kind == "too_short":
        return f"needs at least {error['ctx']['min_length']} item(s)", None
    if kind == "too_long":
        return f"has more than {error['ctx']['max_length']} item(s) or characters", None
    if kind in _BOUNDS:
        bound = next(iter(error.get("ctx", {}).values()), "")
        return f"must be {_BOUNDS[kind]} {bound}, got {value}", None
    return str(error["msg"]).removeprefix("Value error, "), None


def _unwrap(annotation: Any) -> Any:
    """The model class inside `list[X]`, `X | None` or `Annotated[X, ...]`, if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is not None:
        for arg in typing.get_args(annotation):
            found = _unwrap(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
        return None
    return annotation


def known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model that sits at `loc` below `model`."""
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        inner = _unwrap(field.annotation)
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return []
        current = inner
    return sorted(current.model_fields)
