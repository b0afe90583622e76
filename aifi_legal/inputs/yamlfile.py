"""Reading YAML without surprises.

YAML 1.1 silently turns `no` into False, `0123` into an octal number and `2026-03-01` into a date,
and its tags can construct arbitrary Python objects. For contract data none of that is wanted:
we compose the node tree (which constructs nothing), refuse every tag that is not plain data,
refuse duplicate keys, and keep each scalar exactly as the user typed it, as text. The pydantic
models then decide what a text means. Alongside the data we keep the line of every field path so
that errors can point at the line to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem

# Tags a plain data file may carry, explicitly or by YAML's own resolution.
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_NULL_TAG = "tag:yaml.org,2002:null"

# Limits that make hostile input an error rather than a hang: far above any real data file
# (the example hospitals.yaml has about 30,000 characters, 2,400 values, 7 levels).
MAX_CHARACTERS = 5_000_000
MAX_NODES = 500_000
MAX_DEPTH = 40


def format_path(parts: tuple[Any, ...]) -> str:
    """`('hospitals', 2, 'kvk')` -> `hospitals[2].kvk`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class LineMap:
    """Line numbers (1-based) of the nodes of one YAML document, by field path."""

    def __init__(self) -> None:
        self._lines: dict[tuple[Any, ...], int] = {}
        self._key_lines: dict[tuple[Any, ...], int] = {}

    def add(self, path: tuple[Any, ...], line: int, key_line: int | None = None) -> None:
        """Record the line of the value at `path` (and of its key)."""
        self._lines[path] = line
        if key_line is not None:
            self._key_lines[path] = key_line

    def line(self, path: tuple[Any, ...]) -> int | None:
        """The line of the value at `path`, or of its nearest ancestor that exists."""
        path = tuple(path)
        while True:
            if path in self._key_lines:
                return self._key_lines[path]
            if path in self._lines:
                return self._lines[path]
            if not path:
                return None
            path = path[:-1]


def load_yaml(text: str, file: Path | None) -> tuple[Any, LineMap, list[Problem]]:
    """Parse YAML text into plain dicts, lists, strings and None.

    Returns the data, the line map and the problems found (syntax errors, forbidden tags,
    duplicate keys). With a syntax error the data is None.
    """
    lines = LineMap()
    problems: list[Problem] = []
    if len(text) > MAX_CHARACTERS:
        problems.append(
            Problem(
                file,
                None,
                "",
                f"the file is larger than {MAX_CHARACTERS:,} characters",
                "a data file this size is not one we made",
            )
        )
        return None, lines, problems
    try:
        problems.extend(_hazards(text, file))
        if problems:
            return None, lines, problems
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = exc.problem or str(exc)
        if exc.context:
            message = f"{exc.context}, {message}"
        problems.append(
            Problem(
                file,
                line,
                "",
                f"YAML syntax error: {message}",
                "check indentation and quoting on this line and the one before",
            )
        )
        return None, lines, problems
    except yaml.YAMLError as exc:  # reader errors: bad encoding, control characters
        problems.append(Problem(file, None, "", f"YAML error: {exc}"))
        return None, lines, problems
    if node is None:
        return None, lines, problems
    data = _convert(node, (), file, lines, problems)
    return data, lines, problems


def _hazards(text: str, file: Path | None) -> list[Problem]:
    """Aliases, nesting and sizes that turn a small file into a huge or endless one.

    Checked on the event stream, which PyYAML produces without recursion or expansion, before
    the node tree is composed.
    """
    problems = []
    depth = 0
    for nodes, event in enumerate(yaml.parse(text, Loader=yaml.SafeLoader), start=1):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            problems.append(
                Problem(
                    file,
                    line,
                    "",
                    f"YAML alias *{event.anchor} is not supported",
                    "write the value out in full",
                )
            )
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                problems.append(
                    Problem(
                        file, line, "", f"the data is nested more than {MAX_DEPTH} levels deep"
                    )
                )
                break
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        if nodes > MAX_NODES:
            problems.append(
                Problem(file, line, "", f"the file has more than {MAX_NODES:,} values")
            )
            break
    return problems


def _convert(
    node: yaml.Node,
    path: tuple[Any, ...],
    file: Path | None,
    lines: LineMap,
    problems: list[Problem],
) -> Any:
    line = node.start_mark.line + 1
    if path not in lines._lines:
        lines.add(path, line)
    if node.tag not in _PLAIN_TAGS:
        problems.append(
            Problem(
                file,
                line,
                format_path(path),
                f"YAML tag {node.tag!r} is not allowed",
                "data files hold plain text, lists and mappings; remove the tag",
            )
        )
        return None
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG and node.style is None:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, i), file, lines, problems) for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        format_path(path),
                        "a mapping key must be plain text",
                    )
                )
                continue
            key = key_node.value
            if key == "<<":
                problems.append(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        format_path(path),
                        "YAML merge keys (<<) are not supported",
                        "write the fields out in full",
                    )
                )
                continue
            child = (*path, key)
            if key in result:
                problems.append(
                    Problem(
                        file,
                        key_node.start_mark.line + 1,
                        format_path(child),
                        f"duplicate key {key!r}",
                        f"it is already given on line {lines.line(child)}",
                    )
                )
                continue
            lines.add(child, value_node.start_mark.line + 1, key_node.start_mark.line + 1)
            result[key] = _convert(value_node, child, file, lines, problems)
        return result
    raise AssertionError(f"unexpected YAML node {node!r}")  # pragma: no cover
