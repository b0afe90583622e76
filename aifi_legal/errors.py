"""The exception hierarchy of aifi-legal.

Every error raised on purpose derives from :class:`AifiLegalError` and carries the exit code the
command line ends with; the CLI turns it into readable lines in one place. Nothing below the CLI
prints or exits.

Exit codes: 0 ok; 1 findings (from check, lint, a refused intake); 2 bad input or usage;
3 an internal error (a bug); 4 the environment failed (a file cannot be written, LibreOffice is
missing or fails); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_ENVIRONMENT = 4
EXIT_INTERRUPTED = 130


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

    exit_code = EXIT_USAGE
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
    """One or more problems in an input file (data, clause, template, register), together."""

    def __init__(self, problems: list[Problem], *, what: str = "input", hint: str | None = None):
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} in the {what}", hint=hint)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """The summary line, one line per problem, then the hint."""
        out = [f"{self.message}:"] + [f"  {p}" for p in self.problems]
        if self.hint:
            out.append(f"Hint: {self.hint}")
        return out


class DataError(InputError):
    """hospitals.yaml (or another data file) is not valid."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            problems,
            what="data file",
            hint="fix the data file; `aifi-legal schema` gives the expected format",
        )


class ClauseError(InputError):
    """A clause file is malformed, or rendering a clause failed."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            problems,
            what="clause library",
            hint="fix the clause file named above; `aifi-legal clauses` lists the library",
        )


class TemplateError(InputError):
    """A Word template is missing, unreadable or does not render."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            problems,
            what="templates",
            hint="restore the template with `aifi-legal init` or fix it in Word",
        )


class LedgerError(InputError):
    """The signature register has lines that cannot be read or placed."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            problems,
            what="signature register",
            hint="the register is append-only: restore the damaged lines from a "
            "backup, never delete them",
        )


class UsageError(AifiLegalError):
    """The caller asked for something that does not exist or does not fit.

    `argument` names the keyword argument at fault (the CLI shows its option instead) and
    `value` what was given.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        argument: str | None = None,
        value: object = None,
    ):
        super().__init__(message, hint=hint)
        self.argument = argument
        self.value = value


class OutputError(AifiLegalError):
    """Writing the output failed; nothing was left half-written."""

    exit_code = EXIT_ENVIRONMENT


class PdfError(AifiLegalError):
    """A PDF could not be read or checked (a damaged or foreign file)."""


class ConversionError(PdfError):
    """LibreOffice is missing, failed or timed out; no PDF was written."""

    exit_code = EXIT_ENVIRONMENT


class NotADocx(AifiLegalError):
    """A file is not a readable DOCX (not a zip, or without word/document.xml)."""


def did_you_mean(
    value: str, known: list[str] | tuple[str, ...], *, listing: str = "known"
) -> str | None:
    """A hint for an unknown name: the closest known one, else the list of known names."""
    import difflib

    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if known:
        return f"{listing}: " + ", ".join(known)
    return None


def error_report(exc: BaseException) -> tuple[list[str], int]:
    """How an error reads for a person (first line prefixed), and the exit code it gives."""
    if isinstance(exc, AifiLegalError):
        lines = exc.lines()
        return [f"Error: {lines[0]}", *lines[1:]], exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return ["Interrupted."], EXIT_INTERRUPTED
    if isinstance(exc, OSError):  # the file system refused: not a bug, not bad data
        where = f"{exc.filename}: " if exc.filename else ""
        return [f"Error: cannot access {where}{exc.strerror or exc}"], EXIT_ENVIRONMENT
    return [
        f"Internal error: {type(exc).__name__}: {exc}",
        "This is a bug in aifi-legal. Run again with AIFI_LEGAL_DEBUG=1 for details and "
        "report it.",
    ], EXIT_INTERNAL
