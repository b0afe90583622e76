"""The package's shape: imports run one way, modules stay small, the facade stays on top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "aifi_legal"
MAX_LINES = 450


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every aifi_legal module `name` imports, at any depth of the file (lazy imports count)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("aifi_legal"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("aifi_legal"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, set(known)) for name, path in known.items()}


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_no_module_is_over_the_size_limit():
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert not long


def test_the_facade_is_imported_only_by_the_top():
    users = {name for name, targets in graph().items() if "aifi_legal.project" in targets}
    assert users <= {"aifi_legal", "aifi_legal.cli"}


def test_only_the_cli_imports_click_and_nothing_below_it_prints_or_exits():
    for name, path in modules().items():
        tree = ast.parse(path.read_text("utf-8"))
        imported = {
            a.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for a in (
                node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
            )
        }
        called = {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        if name == "aifi_legal.cli":
            continue
        assert "click" not in imported, name
        assert "print" not in called and "exit" not in called, name


def test_lower_layers_do_not_import_higher_ones():
    # inputs -> assembly -> word -> output/pdf/checks/register -> project -> cli
    floors = {
        "inputs": 1,
        "assembly": 2,
        "word": 3,
        "source": 4,
        "pdf": 4,
        "output": 5,
        "checks": 5,
        "register": 5,
        "project": 6,
        "cli": 7,
    }
    for name, targets in graph().items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in floors:
            continue
        for target in targets:
            other = target.split(".")
            if len(other) > 1 and other[1] in floors and other[1] != parts[1]:
                assert floors[other[1]] <= floors[parts[1]] or (
                    parts[1] == "pdf" and target == "aifi_legal.output.files"
                ), (name, target)


def test_the_command_line_starts_without_the_document_stack():
    # `aifi-legal --help` imports click and the CLI's own choices, not the library: the Word,
    # PDF and signing stack (and pydantic) load when a command runs.
    code = (
        "import sys, aifi_legal.cli; "
        "print(sorted(m for m in ('docx', 'docxtpl', 'lxml', 'pypdf', 'pyhanko', 'pydantic', "
        "'aifi_legal.project') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
