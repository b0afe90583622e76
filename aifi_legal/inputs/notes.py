"""What a run says about its inputs: which files it read, and plainly when they are the example."""

from __future__ import annotations

from pathlib import Path

from .workspace import Workspace, packaged_defaults


def input_notes(
    workspace: Workspace, *, verbose: bool = False, cwd: Path | None = None
) -> list[str]:
    """Lines naming the inputs when they are not the current folder's (always with `verbose`)."""
    here = (cwd or Path.cwd()).resolve()
    notes = []
    if workspace.data.resolve().parent == packaged_defaults().resolve():
        notes.append(
            f"Note: using the shipped example data ({workspace.data}): fictional hospitals. "
            "Give your own data file, or make a workspace with `aifi-legal init DIR`."
        )
    paths = (workspace.data, workspace.clauses, workspace.ledger)
    if verbose or any(path.resolve().parent != here for path in paths):
        notes.append(
            f"Using data {workspace.data}, clauses {workspace.clauses}, templates "
            f"{workspace.templates}, register {workspace.ledger}."
        )
    return notes
