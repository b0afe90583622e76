"""The command line is a thin layer: every option maps to a library keyword, everything has
help, every command has a README row."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from unittest import mock

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT

from aifi_legal import Project
from aifi_legal import cli as cli_module
from aifi_legal.cli import OPTIONS, cli

INPUTS = {"data", "clauses", "templates", "ledger"}
# Options that shape what the command line prints, not what the library does.
PRESENTATION = {"fmt", "quiet", "verbose"}
# CLI parameter names that the library spells otherwise.
RENAMED = {"when": "date"}
# Commands that call a module function instead of a Project method (where it is defined: the
# CLI imports the library when a command runs).
FUNCTIONS = {
    "init": "aifi_legal.inputs.workspace.init_workspace",
    "schema": "aifi_legal.inputs.portfolio.json_schema",
}


def sample(param: click.Parameter, tmp_path: Path) -> str | None:
    """A value for `param` that differs from its default."""
    if isinstance(param, click.Option) and param.is_flag:
        return None
    kind = param.type
    if isinstance(kind, click.Choice):
        return str(kind.choices[-1])
    if isinstance(kind, click.types.IntParamType):
        return "7"
    if isinstance(kind, click.Path):
        path = tmp_path / f"{param.name}.txt"
        path.write_text("x")
        return str(path)
    if param.name in ("today", "when", "effective"):
        return "2027-03-04"
    return f"{param.name}-value"


def invocation(name: str, command: click.Command, tmp_path: Path) -> tuple[list[str], dict]:
    argv, given = [name], {}
    for param in command.params:
        if param.name == "help" or param.name in INPUTS:
            continue
        value = sample(param, tmp_path)
        if isinstance(param, click.Argument):
            argv.append(value)
        elif isinstance(param, click.Option) and param.is_flag:
            argv.append(param.opts[0])
            value = True
        else:
            argv += [param.opts[0], value]
        given[param.name] = value
    return argv, given


def converted(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return {value, date.fromisoformat(value)}
    if isinstance(value, str) and value.isdigit():
        return {value, int(value)}
    if isinstance(value, str):
        return {value, Path(value), (value,), (Path(value),)}
    return {value}


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_reaches_its_library_keyword(name, tmp_path, monkeypatch):
    command = cli.commands[name]
    argv, given = invocation(name, command, tmp_path)
    project = mock.create_autospec(Project, instance=True)
    loader = mock.Mock(return_value=project)
    monkeypatch.setattr("aifi_legal.project.load_project", loader)
    function = mock.MagicMock(return_value="{}")
    if name in FUNCTIONS:
        monkeypatch.setattr(FUNCTIONS[name], function)
    CliRunner().invoke(cli, argv)
    calls = (
        function.call_args_list
        if name in FUNCTIONS
        else [c for c in project.method_calls if not c[0].startswith("_")]
    )
    assert calls, f"{name} made no library call"
    _, args, kwargs = calls[0] if name not in FUNCTIONS else ("", *calls[0])
    passed = list(args) + list(kwargs.values())
    for param, value in given.items():
        if param in PRESENTATION:
            continue
        keyword = RENAMED.get(param, param)
        options = converted(value)
        if keyword in kwargs:
            assert kwargs[keyword] in options or str(kwargs[keyword]) in options, (param, kwargs)
        else:
            assert any(a in options for a in passed if not isinstance(a, mock.Mock)), (
                f"{name}: {param}={value!r} reached no keyword ({args}, {kwargs})"
            )
    if name not in FUNCTIONS:
        loader.assert_called_once_with(None, None, None, None)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_and_option_has_help_and_an_example_row(name):
    command = cli.commands[name]
    assert command.help and command.help.strip()
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts[0]} has no help text"
    shown = CliRunner().invoke(cli, [name, "--help"]).output
    assert f"Example: aifi-legal {name} " in shown, f"{name} --help shows no example"
    readme = (ROOT / "README.md").read_text("utf-8")
    assert re.search(rf"^\| `aifi-legal {name}\b", readme, re.MULTILINE), (
        f"README has no row for `aifi-legal {name}`"
    )


def test_library_keywords_in_messages_are_shown_as_options():
    assert cli_module._translate("pass force=True, or name out=") == "pass --force, or name --out"
    for keyword, option in OPTIONS.items():
        assert cli_module._translate(f"{keyword}=") == option


def test_help_names_the_exit_codes():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for code in ("0 ok", "1 findings", "2 bad input or usage", "3 internal error", "130"):
        assert code in " ".join(result.output.split())
