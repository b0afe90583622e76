"""Loading and validating hospitals.yaml, with every problem reported at once."""

from __future__ import annotations

import difflib
import hashlib
import json
import typing
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import DataError, Problem
from .kinds import KINDS
from .models import Portfolio
from .yamlfile import LineMap, format_path, load_yaml


@dataclass(frozen=True)
class LoadedPortfolio:
    """A validated portfolio together with where it came from."""

    portfolio: Portfolio
    path: Path
    sha256: str

    def __repr__(self) -> str:
        p = self.portfolio
        return (f"<LoadedPortfolio {self.path.name}: {len(p.hospitals)} hospitals in "
                f"{len(p.groups)} groups, solutions {[s.id for s in p.solutions]}>")


def load_portfolio(path: str | Path) -> LoadedPortfolio:
    """Read and validate a hospitals.yaml file.

    Raises :class:`DataError` listing every problem (file, line, field path, what was expected).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError([Problem(path, None, "", "file not found")]) from None
    except OSError as exc:
        raise DataError([Problem(path, None, "",
                                 f"cannot read the file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DataError([Problem(path, line, "", "the file is not UTF-8 text",
                                 "save it as UTF-8")]) from None
    portfolio = parse_portfolio(text, path)
    return LoadedPortfolio(portfolio, path, hashlib.sha256(raw).hexdigest())


def parse_portfolio(text: str, path: Path) -> Portfolio:
    """Validate YAML text as a portfolio; `path` is only used in messages."""
    data, lines, problems = load_yaml(text, path)
    if problems:
        raise DataError(problems)
    if data is None:
        raise DataError([Problem(path, None, "", "the file is empty",
                                 "start from `aifi-legal init` or the example hospitals.yaml")])
    if not isinstance(data, dict):
        raise DataError([Problem(path, 1, "", "expected a mapping with the keys consortium, "
                                 "groups, solutions and hospitals")])
    problems.extend(_cross_checks(data, path, lines))
    try:
        portfolio = Portfolio.model_validate(data)
    except ValidationError as exc:
        problems.extend(_convert_errors(exc, path, lines))
        portfolio = None
    if portfolio is not None:
        problems.extend(_authority_problems(portfolio, path, lines))
    if problems:
        raise DataError(sorted(set(problems), key=lambda p: (p.line or 0, p.path, p.message)))
    assert portfolio is not None
    return portfolio


def json_schema() -> str:
    """The JSON Schema of hospitals.yaml, for editors that validate YAML while typing."""
    schema = Portfolio.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "aifi-legal hospitals.yaml"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# --- error conversion ---------------------------------------------------------------------------

def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


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
}


_BOUNDS = {"greater_than_equal": "at least", "less_than_equal": "at most",
           "greater_than": "more than", "less_than": "less than"}


def _convert_errors(exc: ValidationError, path: Path, lines: LineMap) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        value = error.get("input")
        hint = None
        if kind == "extra_forbidden":
            field = str(loc[-1])
            message = f"unknown field {field!r}"
            known = _known_fields(loc[:-1])
            close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
            if close:
                hint = f"did you mean {close[0]!r}?"
            elif known:
                hint = "expected one of: " + ", ".join(sorted(known))
        elif kind in _MESSAGES:
            message = _MESSAGES[kind].format(input=_describe(value))
        elif kind == "enum" or kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            message = f"{_describe(value)} is not allowed; expected {expected}"
        elif kind == "too_short":
            message = f"needs at least {error['ctx']['min_length']} item(s)"
        elif kind in _BOUNDS:
            bound = next(iter(error.get("ctx", {}).values()), "")
            message = f"must be {_BOUNDS[kind]} {bound}, got {value}"
        else:
            message = error["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, "):]
        problems.append(Problem(path, lines.line(loc), format_path(loc), message, hint))
    return problems


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


def _known_fields(loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model that sits at `loc` in a portfolio."""
    model: Any = Portfolio
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return []
        model = _unwrap(field.annotation)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
    return list(model.model_fields)


# --- checks across records ----------------------------------------------------------------------

def _authority_problems(portfolio: Portfolio, path: Path, lines: LineMap) -> list[Problem]:
    """Every party of every document must have signatories who can bind it for that kind."""
    problems = []
    for kind, document in KINDS.items():
        parties = [(("hospitals", i), h) for i, h in enumerate(portfolio.hospitals)]
        if "aifi" in document.parties:
            parties.append((("consortium",), portfolio.consortium))
        if "verwerker" in document.parties:
            parties += [(("processors", i), p) for i, p in enumerate(portfolio.processors)]
        for prefix, party in parties:
            message = party.authority_problem(kind)
            if message:
                loc = (*prefix, "signatories")
                problems.append(Problem(path, lines.line(loc), format_path(loc), message,
                                        "add a signatory, or widen a proxy's `signs`"))
    return problems


def _items(data: dict, key: str) -> list[tuple[int, dict]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _cross_checks(data: dict, path: Path, lines: LineMap) -> list[Problem]:
    """Checks that relate records to each other; they work on the raw data so that they are
    reported together with the field errors."""
    problems = []

    def duplicates(key: str, field: str, what: str) -> None:
        seen: dict[str, int] = {}
        for i, item in _items(data, key):
            value = item.get(field)
            if not isinstance(value, str):
                continue
            if value in seen:
                loc = (key, i, field)
                problems.append(Problem(path, lines.line(loc), format_path(loc),
                                        f"duplicate {what} {value!r}",
                                        f"{key}[{seen[value]}] has the same {what}"))
            else:
                seen[value] = i

    duplicates("hospitals", "id", "hospital id")
    duplicates("hospitals", "kvk", "KvK number")
    duplicates("hospitals", "legal_name", "legal name")
    duplicates("solutions", "id", "solution id")
    duplicates("processors", "id", "processor id")
    duplicates("groups", "number", "group number")

    offered = [s.get("id") for _, s in _items(data, "solutions") if isinstance(s.get("id"), str)]
    processors = [p.get("id") for _, p in _items(data, "processors")
                  if isinstance(p.get("id"), str)]
    groups = [g.get("number") for _, g in _items(data, "groups")
              if isinstance(g.get("number"), str)]
    for i, hospital in _items(data, "hospitals"):
        chosen = hospital.get("solutions")
        if isinstance(chosen, list):
            for j, solution in enumerate(chosen):
                if isinstance(solution, str) and offered and solution not in offered:
                    loc = ("hospitals", i, "solutions", j)
                    close = difflib.get_close_matches(solution, offered, n=1)
                    hint = f"did you mean {close[0]!r}?" if close else \
                        "the consortium offers: " + ", ".join(offered)
                    problems.append(Problem(path, lines.line(loc), format_path(loc),
                                            f"solution {solution!r} is not offered by the "
                                            "consortium", hint))
            for name, count in Counter(c for c in chosen if isinstance(c, str)).items():
                if count > 1:
                    loc = ("hospitals", i, "solutions")
                    problems.append(Problem(path, lines.line(loc), format_path(loc),
                                            f"solution {name!r} is listed {count} times"))
        chosen_processors = hospital.get("processors")
        if isinstance(chosen_processors, list):
            for j, processor in enumerate(chosen_processors):
                if isinstance(processor, str) and processors and processor not in processors:
                    loc = ("hospitals", i, "processors", j)
                    problems.append(Problem(path, lines.line(loc), format_path(loc),
                                            f"processor {processor!r} is not defined under "
                                            "processors", "defined processors: " +
                                            ", ".join(processors)))
        group = hospital.get("group")
        if isinstance(group, str) and groups and group.strip() not in groups:
            loc = ("hospitals", i, "group")
            problems.append(Problem(path, lines.line(loc), format_path(loc),
                                    f"group {group} is not defined under groups",
                                    "defined groups: " + ", ".join(groups)))
    return problems
