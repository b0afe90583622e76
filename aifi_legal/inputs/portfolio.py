"""Loading and validating hospitals.yaml, with every problem reported at once."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..documents import KINDS
from ..errors import DataError, Problem, did_you_mean
from ..names import normal_text
from .fields import SchemaGenerator
from .models import Portfolio
from .parties import Party
from .validation import problems_from
from .yamlfile import MAX_CHARACTERS, LineMap, format_path, load_yaml


@dataclass(frozen=True)
class LoadedPortfolio:
    """A validated portfolio together with where it came from."""

    portfolio: Portfolio
    path: Path
    sha256: str

    def __repr__(self) -> str:
        p = self.portfolio
        return (
            f"<LoadedPortfolio {self.path.name}: {len(p.hospitals)} hospitals in "
            f"{len(p.groups)} groups, solutions {[s.id for s in p.solutions]}>"
        )


def load_portfolio(path: str | Path) -> LoadedPortfolio:
    """Read and validate a hospitals.yaml file.

    Raises :class:`DataError` listing every problem (file, line, field path, what was expected).
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise DataError(
                [
                    Problem(
                        path,
                        None,
                        "",
                        "is a folder, not a data file",
                        "give the hospitals.yaml inside it",
                    )
                ]
            )
        if path.stat().st_size > MAX_CHARACTERS:
            raise DataError(
                [Problem(path, None, "", f"the file is larger than {MAX_CHARACTERS:,} bytes")]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError([Problem(path, None, "", "file not found")]) from None
    except OSError as exc:
        raise DataError(
            [Problem(path, None, "", f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [Problem(path, line, "", "the file is not UTF-8 text", "save it as UTF-8")]
        ) from None
    portfolio = parse_portfolio(text, path)
    return LoadedPortfolio(portfolio, path, hashlib.sha256(raw).hexdigest())


def parse_portfolio(text: str, path: Path) -> Portfolio:
    """Validate YAML text as a portfolio; `path` is only used in messages."""
    data, lines, problems = load_yaml(text, path)
    if problems:
        raise DataError(problems)
    if data is None:
        raise DataError(
            [
                Problem(
                    path,
                    None,
                    "",
                    "the file is empty",
                    "start from `aifi-legal init` or the example hospitals.yaml",
                )
            ]
        )
    if not isinstance(data, dict):
        raise DataError(
            [
                Problem(
                    path,
                    1,
                    "",
                    "expected a mapping with the keys consortium, groups, solutions and hospitals",
                )
            ]
        )
    problems.extend(_cross_checks(data, path, lines))
    try:
        portfolio = Portfolio.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, path, lines, Portfolio))
        portfolio = None
    if portfolio is not None:
        problems.extend(_authority_problems(portfolio, path, lines))
    if problems:
        raise DataError(sorted(set(problems), key=lambda p: (p.line or 0, p.path, p.message)))
    assert portfolio is not None
    return portfolio


def json_schema() -> str:
    """The JSON Schema of hospitals.yaml, for editors that validate YAML while typing."""
    schema = Portfolio.model_json_schema(schema_generator=SchemaGenerator)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "aifi-legal hospitals.yaml"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# --- checks across records ----------------------------------------------------------------------


def _authority_problems(portfolio: Portfolio, path: Path, lines: LineMap) -> list[Problem]:
    """Every party of every document must have signatories who can bind it for that kind."""
    problems = []
    for kind, document in KINDS.items():
        parties: list[tuple[tuple[str | int, ...], Party]] = [
            (("hospitals", i), h) for i, h in enumerate(portfolio.hospitals)
        ]
        if "aifi" in document.parties:
            parties.append((("consortium",), portfolio.consortium))
        if "verwerker" in document.parties:
            parties += [(("processors", i), p) for i, p in enumerate(portfolio.processors)]
        for prefix, party in parties:
            message = party.authority_problem(kind)
            if message:
                loc = (*prefix, "signatories")
                problems.append(
                    Problem(
                        path,
                        lines.line(loc),
                        format_path(loc),
                        message,
                        "add a signatory, or widen a proxy's `signs`",
                    )
                )
    return problems


def _items(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _comparable(value: str) -> object:
    """A raw value as records are compared: a number as its value, text in NFC, any case."""
    text = normal_text(value)
    return int(text) if text.isdigit() else text.casefold()


def _texts(data: dict[str, Any], key: str, field: str) -> list[str]:
    """The text values of `field` in the list of records under `key`."""
    return [item[field] for _, item in _items(data, key) if isinstance(item.get(field), str)]


def _cross_checks(data: dict[str, Any], path: Path, lines: LineMap) -> list[Problem]:
    """Checks that relate records to each other.

    They work on the raw data so that they are reported together with the field errors.
    """
    problems = []

    def duplicates(key: str, field: str, what: str) -> None:
        seen: dict[object, int] = {}
        for i, item in _items(data, key):
            raw = item.get(field)
            if not isinstance(raw, str):
                continue
            # Numbers are one number however written (1 and 01); names in one Unicode form.
            value = _comparable(raw)
            if value in seen:
                loc = (key, i, field)
                problems.append(
                    Problem(
                        path,
                        lines.line(loc),
                        format_path(loc),
                        f"duplicate {what} {raw!r}",
                        f"{key}[{seen[value]}] has the same {what}",
                    )
                )
            else:
                seen[value] = i

    duplicates("hospitals", "id", "hospital id")
    duplicates("hospitals", "kvk", "KvK number")
    duplicates("hospitals", "legal_name", "legal name")
    duplicates("solutions", "id", "solution id")
    duplicates("processors", "id", "processor id")
    duplicates("groups", "number", "group number")

    offered = _texts(data, "solutions", "id")
    processors = _texts(data, "processors", "id")
    groups = _texts(data, "groups", "number")
    for i, hospital in _items(data, "hospitals"):
        chosen = hospital.get("solutions")
        if isinstance(chosen, list):
            for j, solution in enumerate(chosen):
                if isinstance(solution, str) and offered and solution not in offered:
                    loc: tuple[str | int, ...] = ("hospitals", i, "solutions", j)
                    hint = did_you_mean(solution, offered, listing="the consortium offers")
                    problems.append(
                        Problem(
                            path,
                            lines.line(loc),
                            format_path(loc),
                            f"solution {solution!r} is not offered by the consortium",
                            hint,
                        )
                    )
            for name, count in Counter(c for c in chosen if isinstance(c, str)).items():
                if count > 1:
                    loc = ("hospitals", i, "solutions")
                    problems.append(
                        Problem(
                            path,
                            lines.line(loc),
                            format_path(loc),
                            f"solution {name!r} is listed {count} times",
                        )
                    )
        chosen_processors = hospital.get("processors")
        if isinstance(chosen_processors, list):
            for j, processor in enumerate(chosen_processors):
                if isinstance(processor, str) and processors and processor not in processors:
                    loc = ("hospitals", i, "processors", j)
                    problems.append(
                        Problem(
                            path,
                            lines.line(loc),
                            format_path(loc),
                            f"processor {processor!r} is not defined under processors",
                            "defined processors: " + ", ".join(processors),
                        )
                    )
        group = hospital.get("group")
        if (
            isinstance(group, str)
            and groups
            and _comparable(group) not in {_comparable(g) for g in groups}
        ):
            loc = ("hospitals", i, "group")
            problems.append(
                Problem(
                    path,
                    lines.line(loc),
                    format_path(loc),
                    f"group {group} is not defined under groups",
                    "defined groups: " + ", ".join(groups),
                )
            )
    return problems
