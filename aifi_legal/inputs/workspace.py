"""Where the data, clauses and templates come from, and `init` of a new workspace.

A workspace is a folder with `hospitals.yaml`, `clauses/` and `templates/`; `init` adds
`hospitals.schema.json`, the JSON Schema an editor checks the data file against. Each command looks
for its inputs in this order: the path given explicitly; the folder beside the data file (so
`--data ws/hospitals.yaml` also uses `ws/clauses` and `ws/templates` when they exist); the
current folder when it holds a `hospitals.yaml`; and last the example set shipped in the package.
The signature register (signatures.jsonl) lives beside the data file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import OutputError, UsageError
from .portfolio import json_schema

DATA_FILE = "hospitals.yaml"
SCHEMA_FILE = "hospitals.schema.json"
# The first line of a workspace's data file: the YAML extension of VS Code (and any editor that
# uses yaml-language-server) then checks the file against the schema beside it.
SCHEMA_MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"
LEDGER_FILE = "signatures.jsonl"
CLAUSES_DIR = "clauses"
TEMPLATES_DIR = "templates"


def packaged_defaults() -> Path:
    """The folder holding the shipped hospitals.yaml, clauses/ and templates/."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "defaults"
    if (installed / DATA_FILE).is_file():
        return installed
    # Running from a source checkout or an editable install: the repository root.
    return package.parent


@dataclass(frozen=True)
class Workspace:
    """Where one run's inputs are: the data file, clause folder, templates and register."""

    data: Path
    clauses: Path
    templates: Path
    ledger: Path

    def created_text(self, directory: str | Path) -> str:
        """What `init` says about the workspace it made in `directory`."""
        return (
            f"Created workspace {directory}: {self.data.name}, {SCHEMA_FILE} (for your editor), "
            f"clauses/, templates/.\nUse it with: cd {directory} && aifi-legal build"
        )

    def __repr__(self) -> str:
        return (
            f"<Workspace data={self.data} clauses={self.clauses} templates={self.templates} "
            f"ledger={self.ledger}>"
        )


def resolve(
    data: str | Path | None = None,
    clauses: str | Path | None = None,
    templates: str | Path | None = None,
    ledger: str | Path | None = None,
    *,
    cwd: Path | None = None,
) -> Workspace:
    """Find the data file, clause folder, template folder and signature register.

    See the module docstring for the order. The register lives beside the data file; for the
    shipped example, whose folder may not be writable, in the current folder.
    """
    cwd = cwd or Path.cwd()
    defaults = packaged_defaults()
    if data is not None:
        data_path = Path(data)
        home = data_path.parent
    elif (cwd / DATA_FILE).is_file():
        data_path = cwd / DATA_FILE
        home = cwd
    else:
        data_path = defaults / DATA_FILE
        home = defaults

    def pick(explicit, name: str) -> Path:
        if explicit is not None:
            return Path(explicit)
        if (home / name).is_dir():
            return home / name
        return defaults / name

    if ledger is not None:
        ledger_path = Path(ledger)
    elif home == defaults and data is None:
        ledger_path = cwd / LEDGER_FILE
    else:
        ledger_path = home / LEDGER_FILE
    return Workspace(
        data_path, pick(clauses, CLAUSES_DIR), pick(templates, TEMPLATES_DIR), ledger_path
    )


def init_workspace(target: str | Path, *, force: bool = False) -> Workspace:
    """Copy the shipped hospitals.yaml, clauses/ and templates/ into a new folder `target`.

    The copy of hospitals.yaml starts with SCHEMA_MODELINE, and hospitals.schema.json is written
    beside it (with `force`, each only when it is missing).
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise UsageError(
            f"{target} is a file, not a folder",
            argument="target",
            value=str(target),
            hint="choose a new folder for the workspace",
        )
    if target.exists() and any(target.iterdir()) and not force:
        raise UsageError(
            f"{target} exists and is not empty",
            argument="force",
            hint="choose a new folder, or pass force=True to add the missing "
            "files without overwriting existing ones",
        )
    source = packaged_defaults()
    try:
        target.mkdir(parents=True, exist_ok=True)
        if not (target / DATA_FILE).exists():
            _write_new(target / DATA_FILE, _with_modeline((source / DATA_FILE).read_bytes()))
        if not (target / SCHEMA_FILE).exists():
            _write_new(target / SCHEMA_FILE, json_schema().encode("utf-8"))
        for name in (CLAUSES_DIR, TEMPLATES_DIR):
            shutil.copytree(
                source / name, target / name, dirs_exist_ok=True, copy_function=_copy_missing
            )
    except (OSError, shutil.Error) as exc:
        raise OutputError(
            f"cannot create the workspace {target}: {exc}",
            hint="check that the folder is writable",
        ) from None
    return Workspace(
        target / DATA_FILE, target / CLAUSES_DIR, target / TEMPLATES_DIR, target / LEDGER_FILE
    )


def _with_modeline(data: bytes) -> bytes:
    """The data file with the schema line first (once: a file may carry it already)."""
    line = SCHEMA_MODELINE.encode("utf-8")
    return data if data.startswith(line) else line + data


def _write_new(path: Path, data: bytes) -> None:
    with path.open("xb") as file:
        file.write(data)


def _copy_missing(src: str, dst: str) -> str:
    if not Path(dst).exists():
        shutil.copy2(src, dst)
    return dst
