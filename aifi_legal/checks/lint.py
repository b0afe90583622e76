"""`aifi-legal lint`: the clause library and templates, checked before any document exists.

- every clause and template parses;
- every name and field a clause, a defined term or a condition uses exists in the context that
  hospitals.yaml gives (checked on the Jinja syntax tree, with loop variables followed);
- no clause or risk text writes a term itself (a number with a unit, in digits or in Dutch
  words): a term comes from the data, or is marked as law with the `wettelijk` filter;
- for every possible combination of solutions, every document assembles and every checklist
  item is covered by an included clause.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, nodes

from ..assembly.compose import compose
from ..assembly.context import RISK_TEXT_FIELDS, build_context, risk_context
from ..assembly.jinja import ENV
from ..documents import CHECKLISTS, KINDS
from ..errors import ClauseError
from ..source import DocumentSource
from .findings import ERROR, WARNING, CheckReport, Finding, Level

# Names every clause may use besides the context: Jinja's own and ours.
GLOBAL_NAMES = {"ref", "loop", "range", "dict", "lipsum", "cycler", "joiner", "namespace",
                "true", "false", "none", "True", "False", "None", "caller", "varargs", "kwargs"}
TEMPLATE_VARIABLES = {"document_title", "hospital_name", "aifi_name", "processor_name",
                      "version", "date", "document_id", "group", "body"}
ANY = object()  # a value whose fields we do not know (macro arguments, computed values)

# A number with a unit, outside Jinja: a term the clause writes itself. Terms come from the data
# (one source for every document) or, when the law fixes them, are marked `| wettelijk`.
_NUMBER = (r"\d[\d.,]*|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|"
           r"dertien|veertien|vijftien|zestien|zeventien|achttien|negentien|twintig|dertig|"
           r"veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|anderhalf|enkele")
_UNIT = (r"seconden?|minuut|minuten|uur|uren|dagen|dag|werkdagen|werkdag|weken|week|maanden|"
         r"maand|jaren|jaar|kwartalen|kwartaal|procent|euro")
LITERAL_TERM = re.compile(rf"(?<![\w.,])(?:(?:{_NUMBER})\s+(?:[\w-]+\s+)?(?:{_UNIT})\b"
                          r"|\d[\d.,]*\s*%)", re.IGNORECASE)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def literal_terms(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each term a clause text writes itself, outside `{{ }}` and `{% %}`."""
    # Jinja is blanked, keeping its line breaks, so that line numbers stay the file's.
    plain = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for match in LITERAL_TERM.finditer(plain):
        yield plain.count("\n", 0, match.start()) + 1, " ".join(match.group(0).split())


class _Add(Protocol):
    def __call__(self, level: Level, rule: str, path: Path | None, line: int | None,
                 message: str, fix: str = "") -> None: ...


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
            attribute = next((k.value.value for k in node.kwargs if k.key == "attribute"
                              and isinstance(k.value, nodes.Const)), None)
        elif node.name in ("selectattr", "rejectattr", "sort", "groupby", "sum") and node.args \
                and isinstance(node.args[0], nodes.Const):
            attribute = node.args[0].value
        if attribute and isinstance(value, list) and value and isinstance(value[0], dict):
            found = value[0]
            for part in str(attribute).split("."):  # Jinja allows dotted attribute paths
                found = self._field(node, found, part)
            return [found] if node.name == "map" else value
        if node.name in ("list", "sort", "unique", "reverse", "selectattr", "rejectattr",
                         "select", "reject"):
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
        close = difflib.get_close_matches(name, names, n=1) or \
            [k for k in names if name.startswith(k) or k.startswith(name)][:1]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        self.problems.append((node.lineno, f"{name!r} is not in the data{hint}"))


def _schema(source: DocumentSource) -> dict[str, Any]:
    """The context with every field there is.

    That is the model context of a processor agreement (which has all names), plus the risk
    register's fields.
    """
    portfolio = source.portfolio
    context = build_context(portfolio, None, "verwerkersovereenkomst", portfolio.processors[0])
    # The risks' own texts are linted, not rendered, here: only their fields are needed.
    blank: dict[str, Any] = dict.fromkeys(RISK_TEXT_FIELDS, "") | {"measures": []}
    risks = [risk.model_copy(update=blank) for risk in source.library.risks]
    context.update(risk_context(risks, context, lambda *_: True))
    return context


def lint(source: DocumentSource) -> CheckReport:
    """Lint the clause library and templates; findings as a CheckReport."""
    report = CheckReport()
    schema = _schema(source)
    library = source.library

    def add(level: Level, rule: str, path: Path | None, line: int | None, message: str,
            fix: str = "") -> None:
        report.findings.append(Finding(level, rule, str(path), None, None,
                                       f"line {line}" if line else "", "file", message, fix))

    for clause in library.clauses.values():
        report.documents.append(str(clause.path))
        texts = [("body", clause.body)]
        texts += [(f"defines.{term}", "\n" * ((clause.define_lines.get(term) or 1) - 1) + text)
                  for term, text in clause.head.defines.items()]
        for what, jinja in texts:
            try:
                tree = ENV.parse(jinja)
            except TemplateSyntaxError as exc:
                add(ERROR, "lint.syntax", clause.path, exc.lineno, f"{what}: {exc.message}")
                continue
            for line, message in _Analyser(schema).run(tree):
                add(ERROR, "lint.unknown-field", clause.path, line, message,
                    "use a field listed in clauses/README.md or `aifi-legal schema`")
            for line, term in literal_terms(jinja):
                add(ERROR, "lint.literal-term", clause.path, line,
                    f"{what}: {term!r} is a term written in the clause", LITERAL_FIX)
        if clause.head.condition:
            _lint_condition(clause.head.condition, clause.path, "", schema, add)
    for risk in library.risks:
        if risk.condition:
            _lint_condition(risk.condition, library.risk_file, f"risk {risk.id}: ", schema, add)
        texts = [(name, getattr(risk, name)) for name in RISK_TEXT_FIELDS]
        texts += [(f"measures[{index}]", text) for index, text in enumerate(risk.measures)]
        for name, text in texts:
            _lint_risk_text(text, library.risk_file, f"risk {risk.id} {name}", schema, add)

    for kind in KINDS.values():
        template = source.workspace.templates / kind.template
        report.documents.append(str(template))
        if not template.is_file():
            add(ERROR, "lint.template", template, None, "template not found")
            continue
        try:
            used = DocxTemplate(str(template)).get_undeclared_template_variables(ENV)
        except Exception as exc:  # not a DOCX, or Jinja syntax broken in Word
            add(ERROR, "lint.template", template, None, f"the template does not parse: {exc}")
            continue
        for name in sorted(set(used) - TEMPLATE_VARIABLES):
            add(ERROR, "lint.template", template, None,
                f"the template uses {name!r}, which aifi-legal does not provide",
                "available: " + ", ".join(sorted(TEMPLATE_VARIABLES)))
    _combinations(source, add)
    return report


LITERAL_FIX = ('take the term from the data ({{ ... }}), or, when the law fixes it, mark it: '
               '{{ "72 uur" | wettelijk }}')


def _lint_risk_text(text: str, path: Path | None, label: str, schema: dict[str, Any],
                    add: _Add) -> None:
    """A risk text is Jinja rendered with the document's context, like a clause body."""
    try:
        tree = ENV.parse(text)
    except TemplateSyntaxError as exc:
        add(ERROR, "lint.syntax", path, None, f"{label}: {exc.message}")
        return
    for _, message in _Analyser(schema).run(tree):
        add(ERROR, "lint.unknown-field", path, None, f"{label}: {message}",
            "use a field listed in clauses/README.md or `aifi-legal schema`")
    for _, term in literal_terms(text):
        add(ERROR, "lint.literal-term", path, None,
            f"{label}: {term!r} is a term written in the risk text", LITERAL_FIX)


def _lint_condition(condition: str, path: Path | None, label: str, schema: dict[str, Any],
                    add: _Add) -> None:
    try:
        tree = ENV.parse("{{ " + condition + " }}")
    except TemplateSyntaxError as exc:
        add(ERROR, "lint.condition", path, None,
            f"{label}condition {condition!r} does not parse: {exc.message}")
        return
    for _, message in _Analyser(schema).run(tree):
        add(ERROR, "lint.condition", path, None, f"{label}condition {condition!r}: {message}")


def _combinations(source: DocumentSource, add: _Add) -> None:
    """Assemble every kind for every combination of solutions; check coverage of each."""
    portfolio = source.portfolio
    ids = [s.id for s in portfolio.solutions]
    base = portfolio.hospitals[0]
    for size in range(1, len(ids) + 1):
        for combination in itertools.combinations(ids, size):
            hospital = base.model_copy(update={"solutions": list(combination)})
            label = " + ".join(combination)
            for ref in source.documents_of(hospital):
                processor = portfolio.processor(ref.processor_id) if ref.processor_id else None
                try:
                    document = compose(portfolio, source.library, ref.kind, hospital, processor)
                except ClauseError as exc:
                    for problem in exc.problems:
                        add(ERROR, "lint.combination", problem.file, problem.line,
                            f"with {label}: {problem.message}")
                    continue
                tags = {t for r in document.clauses for t in r.clause.head.tags}
                for item in CHECKLISTS.get(ref.kind, ()):
                    if item not in tags:
                        add(ERROR, "lint.coverage", source.workspace.clauses, None,
                            f"{ref.kind} with {label}: {item} is covered by no included clause",
                            "tag a clause that is included for this combination")
                if ref.kind != "dpia" and not document.section("partijen"):
                    add(WARNING, "lint.combination", source.workspace.clauses, None,
                        f"{ref.kind} with {label} has no parties section")
