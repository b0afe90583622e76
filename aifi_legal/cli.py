"""The `aifi-legal` command.

The only module that imports click: each command parses its options, makes one library call
and prints the result. Exit codes: see aifi_legal.errors.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._version import __version__
from .documents import KINDS
from .errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError, error_report
from .examples import EXAMPLES
from .register.events import METHODS, NOTICE_EVENTS
from .review import DEFAULT_AUTHOR

if TYPE_CHECKING:  # the library is imported when a command runs: --help stays fast
    from .project import Project

# Library keyword arguments as the command line spells them, for messages: filled from the
# commands' own options and arguments at the end of this module.
OPTIONS: dict[str, str] = {}
# Keywords whose option or argument has a name of its own on the command line.
_RENAMED = {"paths": "FILES", "target": "DIRECTORY"}
_PRESENTATION = ("fmt", "quiet", "verbose", "help")
# Help texts too long for their option's line.
_ONLY = "Build only this document kind (repeatable)."
_FORCE = "Add missing files to an existing folder; existing files are never overwritten."
_JOBS = "Worker processes that render (default: one per CPU)."
_JOBS_CHECK = "Worker processes that read the files (default: one per CPU)."
_DRY_RUN = "Say what would be written, kept and archived; write nothing."
_METHOD = "paper (a scanned wet-ink signature), simple, advanced or qualified."
_FILE = click.Path(path_type=Path, exists=True, dir_okay=False)  # a file that is there
_AMENDMENT = "For the wijzigingsovereenkomst amend wrote to it (its folder or number)."
_DAY = "Date of the change (default: today): the documents' date and the folder's name."
_EFFECTIVE = "The day the addenda take effect (default: the day of their last signature)."
_EVENTS = "sent: the day it was sent (the terms run from it); objected (give --reason); accepted."


def _translate(text: str) -> str:
    """A library message with its keyword arguments (`out=`, `force=True`) as options."""
    keyword = re.compile(r"\b(" + "|".join(OPTIONS) + r")=(True\b)?")
    return keyword.sub(lambda m: OPTIONS[m.group(1)], text)


INPUTS = (
    ("--data", "The hospitals.yaml to use."),
    ("--clauses", "Folder with the clause library."),
    ("--templates", "Folder with the Word templates."),
    ("--ledger", "The signature register (default: signatures.jsonl beside the data file)."),
)


def _project(function):
    """Add the inputs and --quiet/--verbose, and pass the project the inputs make."""

    @functools.wraps(function)
    def with_project(data, clauses, templates, ledger, quiet, verbose, **options):
        from .inputs.notes import input_notes
        from .project import load_project

        project = load_project(data, clauses, templates, ledger)
        click.get_current_context().meta["aifi.quiet"] = quiet
        if not quiet:
            for note in input_notes(project.workspace, verbose=verbose):
                click.echo(note, err=True)
        return function(project, **options)

    for name, text in reversed(INPUTS):
        with_project = click.option(name, type=click.Path(path_type=Path), help=text)(with_project)
    with_project = click.option(
        "--verbose", "-v", is_flag=True, help="Also say which inputs and register are used."
    )(with_project)
    return click.option(
        "--quiet", "-q", is_flag=True, help="Print only results and errors: no progress, no notes."
    )(with_project)


def _quiet() -> bool:
    return bool(click.get_current_context().meta.get("aifi.quiet"))


def _out(text: str, default: Path | None = Path("out")):
    """Add --out, the output folder (default: out)."""
    return click.option(
        "--out", type=click.Path(path_type=Path), default=default, show_default=True, help=text
    )


_hospitals = click.option(
    "--hospital", "hospitals", multiple=True, metavar="ID", help="Only this hospital (repeatable)."
)
_group = click.option("--group", type=int, metavar="N", help="Only implementation group N.")


def _selection(out: str, *more):
    """Add --out, --hospital and --group (which hospitals, built where), then `more` options."""
    options = (_out(out), _hospitals, _group, *more)
    return lambda function: functools.reduce(lambda f, o: o(f), reversed(options), function)


def _as_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written as YYYY-MM-DD") from None


def _today(text: str = "Judge overdue items on this date."):
    """Add --today, a date written YYYY-MM-DD (default: today)."""
    return click.option("--today", metavar="YYYY-MM-DD", callback=_as_date, help=text)


def _format(*choices: str):
    """Add --format: text for a terminal, or one of the machine formats."""
    text = f"text for a terminal, {' or '.join(choices[1:])} for other tools."
    kind = click.Choice(list(choices))
    return click.option("--format", "fmt", type=kind, default="text", show_default=True, help=text)


class _Cli(click.Group):
    """Turns aifi-legal errors into messages and exit codes, in one place, never tracebacks."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`aifi-legal clauses | head`): stop quietly, and keep
            # Python from complaining when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_OK)
        except (Exception, KeyboardInterrupt) as exc:
            lines, code = error_report(exc)
            if code == EXIT_INTERNAL and os.environ.get("AIFI_LEGAL_DEBUG"):
                raise  # a bug: AIFI_LEGAL_DEBUG=1 shows the traceback
            lines = [_translate(line) for line in lines]
            if isinstance(exc, UsageError) and exc.argument in OPTIONS:
                lines[0] += f" ({OPTIONS[exc.argument]})"
            for line in lines:
                click.echo(line, err=True)
            ctx.exit(code)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aifi-legal")
def cli() -> None:
    """Generate, check and track the legal documents of the hospitals that join AIFI.

    Without --data, a hospitals.yaml in the current folder is used, else the shipped example.
    Exit codes: 0 ok, 1 findings, 2 bad input or usage, 3 internal error, 4 cannot write or
    LibreOffice failed, 130 interrupted.
    """


@cli.command()
@_project
@_format("text", "json")
def validate(project: Project, fmt: str) -> None:
    """Check the data, the clause library and the templates; write nothing."""
    summary = project.validate()
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(
        f"OK: {summary['hospitals']} hospitals, {summary['clauses']} clauses; "
        f"{summary['documents']} documents render without errors."
    )


@cli.command()
@_project
@_out("Output folder; documents go to OUT/<hospital id>/<kind>.docx.")
@_hospitals
@click.option("--group", type=int, metavar="N", help="Build only implementation group N.")
@click.option("--only", multiple=True, type=click.Choice(list(KINDS)), help=_ONLY)
@click.option("--model", is_flag=True, help="Write each kind once to OUT/model/, fields marked.")
@click.option("--pdf", is_flag=True, help="Also write PDFs with signature fields (LibreOffice).")
@click.option("--draft", is_flag=True, help="With --pdf: stamp CONCEPT on every page.")
@click.option("--dry-run", is_flag=True, help=_DRY_RUN)
@click.option("--jobs", type=click.IntRange(min=1), metavar="N", help=_JOBS)
@_format("text", "json")
def build(project: Project, out: Path, fmt: str, **options: Any) -> None:
    """Generate the documents for every (or the selected) hospital."""
    quiet = _quiet()
    result = project.build(out, progress=None if quiet else _progress, **options)
    click.echo(result.to_json() if fmt == "json" else result.to_text(details=not quiet), nl=False)


def _progress(stage: str, done: int, total: int, item: str) -> None:
    """A bar per stage on a terminal, a line per finished file in a log (stderr both)."""
    if not sys.stderr.isatty():
        click.echo(f"{stage} {done}/{total}: {item}", err=True)
        return
    bar = "#" * (30 * done // max(1, total))
    click.echo(f"\r{stage.capitalize():<11}[{bar:<30}] {done}/{total}", err=True, nl=done == total)


@cli.command()
@_project
@click.argument("hospital")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option("--signatory", help="Name of the signatory, as in the data.")
@click.option("--date", metavar="YYYY-MM-DD", help="Date of signing (default: today).")
@click.option("--method", type=click.Choice(list(METHODS)), help=_METHOD)
@click.option(
    "--file", type=_FILE, help="The evidence (a scan or signed PDF); its sha256 is recorded."
)
@click.option("--processor", metavar="ID", help="The processor of a verwerkersovereenkomst.")
@click.option(
    "--event",
    type=click.Choice(["signed", "declined", "revoked", "sent"]),
    default="signed",
    show_default=True,
    help="What happened: a signature, a refusal, a withdrawn signature, or the "
    "document sent for signing.",
)
@click.option("--note", help="A remark to keep with the event.")
@click.option("--amendment", metavar="NNN-DATE|WNNN", help=_AMENDMENT)
@_out("The folder the documents were built in.")
@_format("text", "json")
def sign(project: Project, hospital: str, kind: str, fmt: str, **options: Any) -> None:
    """Record a signature by hand (or a document sent, declined or revoked)."""
    from .register.record import evidence_warning, recorded_text

    recorded = project.record(hospital, kind, **options)
    text = recorded_text(recorded, project.workspace.ledger)
    click.echo(recorded.model_dump_json(indent=2) if fmt == "json" else text)
    warning = evidence_warning(options.get("method"), options.get("file"))
    if warning:
        click.echo(f"Warning: {warning}.", err=True)


@cli.command()
@_project
@click.argument("files", nargs=-1, required=True, type=_FILE)
@_out("The folder the PDFs were built in.")
@click.option(
    "--trust-root",
    "trust_roots",
    multiple=True,
    metavar="CERT",
    type=_FILE,
    help="A certificate (DER or PEM) whose signatures count as trusted and are "
    "recorded as advanced (repeatable); others are recorded as simple.",
)
@click.option(
    "--accept-signer",
    "accept_signers",
    multiple=True,
    metavar="NAME",
    help="A certificate name to record although it is not the field's signatory "
    "(repeatable): a deliberate exception, kept in the event's note.",
)
@_format("text", "json")
def intake(project: Project, files: tuple[Path, ...], fmt: str, **options: Any) -> None:
    """Verify returned signed PDFs and record their signatures.

    A file that is unknown, altered, or carries a broken signature is refused and nothing of
    it is recorded (exit code 1).
    """
    report = project.intake(files, **options)
    click.echo(report.to_json() if fmt == "json" else report.to_text(), nl=False)
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FINDINGS)


@cli.command(name="status")
@_project
@_selection("The folder the documents were built in.", _today(), _format("text", "json", "csv"))
def status_command(project: Project, out: Path, fmt: str, **options: Any) -> None:
    """Who has signed what (per hospital, document and group); notices and DPIA reviews due."""
    report = project.status(out, **options)
    render = {"text": report.to_text, "json": report.to_json, "csv": report.to_csv}[fmt]
    click.echo(render(), nl=False)


@cli.command()
@_project
@_selection("The folder the PDFs were built in.")
@click.option(
    "--to-dir", type=click.Path(path_type=Path), help="Write the e-mails to PATH/<hospital>/."
)
@_today("Date the reminders (default: today): file names, Date header, sent events.")
@click.option("--record", is_flag=True, help="Record a sent event per reminder in the register.")
@_format("text", "json")
def remind(project: Project, out: Path, fmt: str, **options: Any) -> None:
    """E-mail (.eml, the PDF attached) each signatory whose turn it is to sign.

    E-mails go to OUT/<hospital>/herinneringen/. Exit code 0, also when nothing is due.
    """
    report = project.remind(out, **options)
    click.echo(report.to_json() if fmt == "json" else report.to_text(), nl=False)


@cli.command()
@_project
@click.option(
    "--html",
    required=True,
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the page here.",
)
@_selection("The folder the documents were built in.", _today())
def report(project: Project, html: Path, **options: Any) -> None:
    """One HTML page for the progress meeting: groups, planning, signing states, findings."""
    project.report(html=html, **options)
    click.echo(f"Wrote {html}.")


@cli.command(name="check")
@_project
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@_out("Check every OUT/<hospital>/*.docx (default: out, when no FILES are given).", None)
@click.option("--jobs", type=click.IntRange(min=1), metavar="N", help=_JOBS_CHECK)
@_format("text", "json")
def check_command(project: Project, files: tuple[Path, ...], fmt: str, **options: Any) -> None:
    """Check documents as they are now (complete, consistent, covered); exit 1 on an error."""
    if not files and options["out"] is None:
        options["out"] = Path("out")
    report = project.check(files, **options)
    click.echo(report.to_json() if fmt == "json" else report.to_text(), nl=False)
    if report.errors:
        raise click.exceptions.Exit(EXIT_FINDINGS)


@cli.command()
@_project
@click.argument("old", metavar="OLD_DIR", type=click.Path(path_type=Path))
@click.argument("new", metavar="NEW_DIR", type=click.Path(path_type=Path))
@_hospitals
@_out("Write a redline DOCX and a change report per changed document here.", None)
@click.option(
    "--signed", is_flag=True, help="Compare with what each hospital signed (OLD_DIR's originals)."
)
@click.option("--author", default=DEFAULT_AUTHOR, show_default=True, help="Author of the changes.")
@_format("text", "json")
def diff(project: Project, old: Path, new: Path, fmt: str, **options: Any) -> None:
    """Compare two builds document by document: changed clauses by word, and redlines."""
    report = project.diff(old, new, **options)
    click.echo(report.to_json() if fmt == "json" else report.to_text(), nl=False)


@cli.command()
@_project
@_selection(
    "The folder the signed documents were built in.",
    click.option("--today", "--date", "today", metavar="YYYY-MM-DD", callback=_as_date, help=_DAY),
    click.option("--effective", metavar="YYYY-MM-DD", callback=_as_date, help=_EFFECTIVE),
    click.option("--pdf", is_flag=True, help="Also write each addendum as a PDF to sign."),
    _format("text", "json"),
)
def amend(project: Project, out: Path, fmt: str, **options: Any) -> None:
    """What a change requires of the signed documents: amendments, notices, DPIA review."""
    plan = project.amend(out, **options)
    click.echo(plan.to_json() if fmt == "json" else plan.to_text(), nl=False)


@cli.command()
@_project
@click.argument("document_id")
@click.option("--event", required=True, type=click.Choice(list(NOTICE_EVENTS)), help=_EVENTS)
@click.option("--date", metavar="YYYY-MM-DD", help="The day it happened (default: today).")
@click.option("--reason", help="Why the hospital objected (needed with --event objected).")
@_out("The folder amend wrote the notices in.")
@_format("text", "json")
def notice(project: Project, document_id: str, fmt: str, **options: Any) -> None:
    """Record a sub-processor notice sent to the hospital, objected to or accepted."""
    recorded = project.notice(document_id, **options)
    from .register.notices import recorded_notice_text

    text = recorded_notice_text(recorded, project.workspace.ledger)
    click.echo(recorded.model_dump_json(indent=2) if fmt == "json" else text)


@cli.command(name="lint")
@_project
@_format("text", "json")
def lint_command(project: Project, fmt: str) -> None:
    """Check the clause library and templates: syntax, fields, conditions, coverage.

    Exit code 1 when any finding is an error.
    """
    report = project.lint()
    click.echo(report.to_json() if fmt == "json" else report.to_lint_text(), nl=False)
    if report.errors:
        raise click.exceptions.Exit(EXIT_FINDINGS)


@cli.command(name="clauses")
@_project
@_format("text", "json")
def list_clauses(project: Project, fmt: str) -> None:
    """List the clause library: id, version, documents, section and condition."""
    rows = json.dumps(project.clause_records(), indent=2, ensure_ascii=False) + "\n"
    click.echo(rows if fmt == "json" else project.library.to_text(), nl=False)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of hospitals.yaml (for editors that validate while typing)."""
    from .inputs.portfolio import json_schema

    click.echo(json_schema(), nl=False)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help=_FORCE)
def init(directory: Path, force: bool) -> None:
    """Create a workspace: a copy of hospitals.yaml, clauses/ and templates/ to edit."""
    from .inputs.workspace import init_workspace

    click.echo(init_workspace(directory, force=force).created_text(directory))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    try:
        cli.main(args=argv, prog_name="aifi-legal", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return EXIT_OK


def _spelled(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.metavar or str(param.name).upper()


for _name, _command in cli.commands.items():
    _command.epilog = f"Example: {EXAMPLES[_name]}"
    for _param in _command.params:
        if _param.name and _param.name not in _PRESENTATION:
            OPTIONS.setdefault(_param.name, _spelled(_param))
OPTIONS.update(_RENAMED)
