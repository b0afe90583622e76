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

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError

from ..assembly.compose import compose
from ..assembly.context import RISK_TEXT_FIELDS, build_context, risk_context
from ..assembly.jinja import ENV
from ..documents import CHECKLISTS, KINDS
from ..errors import ClauseError
from ..source import DocumentSource
from .fields import unknown_fields
from .findings import ERROR, WARNING, CheckReport, Finding, Level

TEMPLATE_VARIABLES = {
    "document_title",
    "hospital_name",
    "aifi_name",
    "processor_name",
    "version",
    "date",
    "document_id",
    "group",
    "body",
}

# A number with a unit, outside Jinja: a term the clause writes itself. Terms come from the data
# (one source for every document) or, when the law fixes them, are marked `| wettelijk`.
_NUMBER = (
    r"\d[\d.,]*|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|"
    r"dertien|veertien|vijftien|zestien|zeventien|achttien|negentien|twintig|dertig|"
    r"veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|anderhalf|enkele"
)
_UNIT = (
    r"seconden?|minuut|minuten|uur|uren|dagen|dag|werkdagen|werkdag|weken|week|maanden|"
    r"maand|jaren|jaar|kwartalen|kwartaal|procent|euro"
)
LITERAL_TERM = re.compile(
    rf"(?<![\w.,])(?:(?:{_NUMBER})\s+(?:[\w-]+\s+)?(?:{_UNIT})\b"
    r"|\d[\d.,]*\s*%)",
    re.IGNORECASE,
)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def literal_terms(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each term a clause text writes itself, outside `{{ }}` and `{% %}`."""
    # Jinja is blanked, keeping its line breaks, so that line numbers stay the file's.
    plain = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for match in LITERAL_TERM.finditer(plain):
        yield plain.count("\n", 0, match.start()) + 1, " ".join(match.group(0).split())


class _Add(Protocol):
    def __call__(
        self,
        level: Level,
        rule: str,
        path: Path | None,
        line: int | None,
        message: str,
        fix: str = "",
    ) -> None: ...


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

    def add(
        level: Level, rule: str, path: Path | None, line: int | None, message: str, fix: str = ""
    ) -> None:
        report.findings.append(
            Finding(
                level,
                rule,
                str(path),
                None,
                None,
                f"line {line}" if line else "",
                "file",
                message,
                fix,
            )
        )

    for clause in library.clauses.values():
        report.documents.append(str(clause.path))
        texts = [("body", clause.body)]
        texts += [
            (f"defines.{term}", "\n" * ((clause.define_lines.get(term) or 1) - 1) + text)
            for term, text in clause.head.defines.items()
        ]
        for what, jinja in texts:
            try:
                tree = ENV.parse(jinja)
            except TemplateSyntaxError as exc:
                add(ERROR, "lint.syntax", clause.path, exc.lineno, f"{what}: {exc.message}")
                continue
            for line, message in unknown_fields(tree, schema):
                add(
                    ERROR,
                    "lint.unknown-field",
                    clause.path,
                    line,
                    message,
                    "use a field listed in clauses/README.md or `aifi-legal schema`",
                )
            for line, term in literal_terms(jinja):
                add(
                    ERROR,
                    "lint.literal-term",
                    clause.path,
                    line,
                    f"{what}: {term!r} is a term written in the clause",
                    LITERAL_FIX,
                )
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
            add(
                ERROR,
                "lint.template",
                template,
                None,
                f"the template uses {name!r}, which aifi-legal does not provide",
                "available: " + ", ".join(sorted(TEMPLATE_VARIABLES)),
            )
    _combinations(source, add)
    return report


LITERAL_FIX = (
    "take the term from the data ({{ ... }}), or, when the law fixes it, mark it: "
    '{{ "72 uur" | wettelijk }}'
)


def _lint_risk_text(
    text: str, path: Path | None, label: str, schema: dict[str, Any], add: _Add
) -> None:
    """A risk text is Jinja rendered with the document's context, like a clause body."""
    try:
        tree = ENV.parse(text)
    except TemplateSyntaxError as exc:
        add(ERROR, "lint.syntax", path, None, f"{label}: {exc.message}")
        return
    for _, message in unknown_fields(tree, schema):
        add(
            ERROR,
            "lint.unknown-field",
            path,
            None,
            f"{label}: {message}",
            "use a field listed in clauses/README.md or `aifi-legal schema`",
        )
    for _, term in literal_terms(text):
        add(
            ERROR,
            "lint.literal-term",
            path,
            None,
            f"{label}: {term!r} is a term written in the risk text",
            LITERAL_FIX,
        )


def _lint_condition(
    condition: str, path: Path | None, label: str, schema: dict[str, Any], add: _Add
) -> None:
    try:
        tree = ENV.parse("{{ " + condition + " }}")
    except TemplateSyntaxError as exc:
        add(
            ERROR,
            "lint.condition",
            path,
            None,
            f"{label}condition {condition!r} does not parse: {exc.message}",
        )
        return
    for _, message in unknown_fields(tree, schema):
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
                        add(
                            ERROR,
                            "lint.combination",
                            problem.file,
                            problem.line,
                            f"with {label}: {problem.message}",
                        )
                    continue
                tags = {t for r in document.clauses for t in r.clause.head.tags}
                for item in CHECKLISTS.get(ref.kind, ()):
                    if item not in tags:
                        add(
                            ERROR,
                            "lint.coverage",
                            source.workspace.clauses,
                            None,
                            f"{ref.kind} with {label}: {item} is covered by no included clause",
                            "tag a clause that is included for this combination",
                        )
                if ref.kind != "dpia" and not document.section("partijen"):
                    add(
                        WARNING,
                        "lint.combination",
                        source.workspace.clauses,
                        None,
                        f"{ref.kind} with {label} has no parties section",
                    )
