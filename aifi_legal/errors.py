"""The exception hierarchy of aifi-legal.

Every error a user can cause derives from :class:`AifiLegalError`. The CLI turns these into
readable messages and exit code 2; nothing below the CLI prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: Path | None
    line: int | None
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            shown = _shown(self.file)
            where.append(shown if self.line is None else f"{shown}:{self.line}")
        if self.path:
            where.append(self.path)
        prefix = ": ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


class AifiLegalError(Exception):
    """Base class of every error aifi-legal raises on purpose."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def lines(self) -> list[str]:
        """The message as lines for a terminal, hint last."""
        out = [self.message]
        if self.hint:
            out.append(f"Hint: {self.hint}")
        return out


class InputError(AifiLegalError):
    """One or more problems in an input file (data, clause or template), reported together."""

    def __init__(self, problems: list[Problem], *, what: str = "input", hint: str | None = None):
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} in the {what}", hint=hint)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        out = [f"{self.message}:"] + [f"  {p}" for p in self.problems]
        if self.hint:
            out.append(f"Hint: {self.hint}")
        return out


class DataError(InputError):
    """hospitals.yaml (or another data file) is not valid."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems, what="data file",
                         hint="fix the data file; run `aifi-legal schema` for the expected format")


class ClauseError(InputError):
    """A clause file is malformed, or rendering a clause failed."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems, what="clause library",
                         hint="fix the clause file named above; `aifi-legal clauses` lists "
                              "the library")


class TemplateError(InputError):
    """A Word template is missing, unreadable or does not render."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems, what="templates",
                         hint="restore the template with `aifi-legal init` or fix it in Word")


class UsageError(AifiLegalError):
    """The caller asked for something that does not exist (an unknown hospital, group or kind)."""


class OutputError(AifiLegalError):
    """Writing the output failed; nothing was left half-written."""
