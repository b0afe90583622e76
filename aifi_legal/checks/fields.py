"""The fields a clause uses, followed through its Jinja syntax tree and looked up in the context.

A loop variable takes the shape of the list's first item, `selectattr`, `map` and friends keep or
change the shape as Jinja does; a value whose shape is not known (a macro argument, a computed
value) is accepted. What is not found is reported with the closest known name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from jinja2 import nodes

from ..assembly.jinja import ENV

# Names every clause may use besides the context: Jinja's own and ours.
GLOBAL_NAMES = {
    "ref",
    "loop",
    "range",
    "dict",
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "caller",
    "varargs",
    "kwargs",
}
ANY = object()  # a value whose fields we do not know (macro arguments, computed values)


class _Scope:
    def __init__(self, names: dict[str, Any], parent: _Scope | None = None):
        self.names = names
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        raise KeyError(name)


class _Analyser:
    """Walks a Jinja syntax tree and reports fields that the context does not have."""

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self.problems: list[tuple[int, str]] = []

    def run(self, tree: nodes.Node) -> list[tuple[int, str]]:
        self.visit(tree, _Scope(dict(self.schema)))
        return self.problems

    def visit(self, node: nodes.Node, scope: _Scope) -> Any:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            return method(node, scope)
        for child in node.iter_child_nodes():
            self.visit(child, scope)
        return ANY

    def visit_Name(self, node: nodes.Name, scope: _Scope) -> Any:
        if node.ctx != "load":
            return ANY
        try:
            return scope.lookup(node.name)
        except KeyError:
            if node.name not in GLOBAL_NAMES:
                self._unknown(node, node.name, list(self._visible(scope)))
            return ANY

    def visit_Getattr(self, node: nodes.Getattr, scope: _Scope) -> Any:
        return self._field(node, self.visit(node.node, scope), node.attr)

    def visit_Getitem(self, node: nodes.Getitem, scope: _Scope) -> Any:
        value = self.visit(node.node, scope)
        self.visit(node.arg, scope)
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return self._field(node, value, node.arg.value)
        return value[0] if isinstance(value, list) and value else ANY

    def visit_For(self, node: nodes.For, scope: _Scope) -> Any:
        iterable = self.visit(node.iter, scope)
        item = iterable[0] if isinstance(iterable, list) and iterable else ANY
        inner = _Scope({}, scope)
        self._bind(node.target, item, inner)
        if node.test is not None:
            self.visit(node.test, inner)
        for child in node.body:
            self.visit(child, inner)
        for child in node.else_:
            self.visit(child, scope)
        return ANY

    def visit_Assign(self, node: nodes.Assign, scope: _Scope) -> Any:
        self._bind(node.target, self.visit(node.node, scope), scope)
        return ANY

    def visit_Macro(self, node: nodes.Macro, scope: _Scope) -> Any:
        scope.names[node.name] = ANY
        inner = _Scope({arg.name: ANY for arg in node.args}, scope)
        for child in node.body:
            self.visit(child, inner)
        return ANY

    def visit_Filter(self, node: nodes.Filter, scope: _Scope) -> Any:
        value = self.visit(node.node, scope) if node.node is not None else ANY
        for arg in node.args:
            self.visit(arg, scope)
        for kwarg in node.kwargs:
            self.visit(kwarg.value, scope)
        if node.name not in ENV.filters:
            self.problems.append((node.lineno, f"unknown filter {node.name!r}"))
        attribute = None
        if node.name == "map":
            attribute = next(
                (
                    k.value.value
                    for k in node.kwargs
                    if k.key == "attribute" and isinstance(k.value, nodes.Const)
                ),
                None,
            )
        elif (
            node.name in ("selectattr", "rejectattr", "sort", "groupby", "sum")
            and node.args
            and isinstance(node.args[0], nodes.Const)
        ):
            attribute = node.args[0].value
        if attribute and isinstance(value, list) and value and isinstance(value[0], dict):
            found = value[0]
            for part in str(attribute).split("."):  # Jinja allows dotted attribute paths
                found = self._field(node, found, part)
            return [found] if node.name == "map" else value
        if node.name in (
            "list",
            "sort",
            "unique",
            "reverse",
            "selectattr",
            "rejectattr",
            "select",
            "reject",
        ):
            return value
        if node.name == "first":
            return value[0] if isinstance(value, list) and value else ANY
        return ANY

    def _field(self, node: nodes.Node, value: Any, attr: str) -> Any:
        if isinstance(value, dict):
            if attr in value:
                return value[attr]
            self._unknown(node, attr, list(value))
            return ANY
        return ANY

    def _bind(self, target: nodes.Node, value: Any, scope: _Scope) -> None:
        if isinstance(target, nodes.Name):
            scope.names[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self._bind(item, ANY, scope)

    def _visible(self, scope: _Scope) -> Iterator[str]:
        current: _Scope | None = scope
        while current is not None:
            yield from current.names
            current = current.parent

    def _unknown(self, node: nodes.Node, name: str, known: list[str]) -> None:
        names = [str(k) for k in known]
        # A prefix counts as close too: `liability` for `liability_cap`.
        close = (
            difflib.get_close_matches(name, names, n=1)
            or [k for k in names if name.startswith(k) or k.startswith(name)][:1]
        )
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.problems.append((node.lineno, f"{name!r} is not in the data{hint}"))


def unknown_fields(tree: nodes.Node, schema: dict[str, Any]) -> list[tuple[int, str]]:
    """(line, message) for each name or field the tree uses that the context does not have."""
    return _Analyser(schema).run(tree)
