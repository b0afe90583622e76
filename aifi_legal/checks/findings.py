"""Findings as data: what `check` and `lint` report, and the report that holds them.

The caller decides what is fatal (the CLI: any error means exit 1).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..htmltable import html_table

Level = Literal["error", "warning", "info"]
ERROR: Level = "error"
WARNING: Level = "warning"
INFO: Level = "info"
LEVELS: tuple[Level, ...] = (ERROR, WARNING, INFO)
COVERAGE_MARKS = {"covered": "✓", "changed": "~", "missing": "✗"}


@dataclass(frozen=True)
class Finding:
    """One thing the legal workgroup must look at before signing."""

    level: Level  # error, warning or info
    rule: str  # e.g. leftover, integrity.tracked-change, coverage.DPA-13
    document: str  # the file
    hospital: str | None
    kind: str | None
    location: str  # article, annex or paragraph: "artikel 7", "Bijlage 2", "titelpagina"
    part: str  # body, header, footer, footnote, endnote, text box, content control
    message: str
    fix: str

    def as_dict(self) -> dict[str, Any]:
        """The finding as a plain dict (the JSON form)."""
        return asdict(self)


@dataclass
class CheckReport:
    """The findings of one check or lint run, and the coverage matrices it computed."""

    documents: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # document -> checklist item -> {"status": covered|changed|missing, "clauses": [...]}
    coverage: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # document -> what it was recognised as by its id: {hospital, kind, document_id}
    recognised: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        """The findings of level error."""
        return [f for f in self.findings if f.level == ERROR]

    @property
    def ok(self) -> bool:
        """Whether no finding is an error."""
        return not self.errors

    def counts(self) -> dict[str, int]:
        """How many findings there are of each level."""
        counts = Counter(f.level for f in self.findings)
        return {level: counts.get(level, 0) for level in LEVELS}

    def records(self) -> list[dict[str, Any]]:
        """One dict per finding, for `pandas.DataFrame(report.records())`."""
        return [f.as_dict() for f in self.findings]

    def to_json(self) -> str:
        """The stable JSON form: {version, documents, counts, findings, coverage}."""
        return (
            json.dumps(
                {
                    "version": 1,
                    "documents": self.documents,
                    "counts": self.counts(),
                    "findings": self.records(),
                    "coverage": self.coverage,
                    "recognised": self.recognised,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )

    def to_text(self) -> str:
        """Grouped per hospital and document, for a terminal."""
        lines = []
        by_document: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            by_document[finding.document].append(finding)
        hospitals: dict[str, list[str]] = defaultdict(list)
        for document in self.documents:
            found = by_document.get(document, [])
            known = self.recognised.get(document, {}).get("hospital")
            hospital = (
                known
                or next((f.hospital for f in found if f.hospital), None)
                or Path(document).parent.name
            )
            hospitals[hospital].append(document)
        for hospital, documents in hospitals.items():
            lines.append(f"{hospital}")
            for document in documents:
                found = by_document.get(document, [])
                errors = sum(f.level == ERROR for f in found)
                warnings = sum(f.level == WARNING for f in found)
                status = "ok" if not found else f"{errors} error(s), {warnings} warning(s)"
                lines.append(f"  {Path(document).name}: {status}")
                seen = self.recognised.get(document)
                if seen and Path(document).parent.name != seen["hospital"]:
                    # A copy outside OUT/<hospital>/: say whose document it is.
                    lines.append(
                        f"    recognised by its id as the {seen['kind']} of "
                        f"{seen['hospital']} ({seen['document_id']})"
                    )
                for f in found:
                    where = ", ".join(
                        x for x in (f.location, f.part if f.part != "body" else "") if x
                    )
                    lines.append(f"    {f.level.upper():7} {f.rule} [{where}] {f.message}")
                    if f.fix:
                        lines.append(f"            fix: {f.fix}")
                matrix = self.coverage.get(document)
                if matrix:
                    row = " ".join(
                        f"{item.split('-')[1]}{COVERAGE_MARKS[v['status']]}"
                        for item, v in matrix.items()
                    )
                    lines.append(f"    coverage ({next(iter(matrix)).split('-')[0]}): {row}")
        counts = self.counts()
        lines.append(
            f"{len(self.documents)} document(s) checked: {counts[ERROR]} error(s), "
            f"{counts[WARNING]} warning(s), {counts[INFO]} info."
        )
        return "\n".join(lines) + "\n"

    def to_lint_text(self) -> str:
        """One line per finding as `LEVEL file:line: message`, then the counts (lint's form)."""
        lines = []
        for finding in self.findings:
            line = finding.location.removeprefix("line ")
            where = finding.document + (f":{line}" if finding.location else "")
            lines.append(f"{finding.level.upper():7} {where}: {finding.message}")
        counts = self.counts()
        lines.append(
            f"{len(self.documents)} file(s) linted: {counts[ERROR]} error(s), "
            f"{counts[WARNING]} warning(s)."
        )
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        keys = ("level", "rule", "document", "location", "message")
        rows = [{**f.as_dict(), "document": Path(f.document).name} for f in self.findings]
        return html_table(keys, rows)

    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"<CheckReport {len(self.documents)} documents: {c[ERROR]} errors, "
            f"{c[WARNING]} warnings>"
        )
