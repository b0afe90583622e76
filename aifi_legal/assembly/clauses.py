"""The clause library: Markdown files with a YAML head, one clause each."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..documents import KINDS
from ..errors import ClauseError, Problem, did_you_mean
from ..inputs.validation import problems_from
from ..inputs.yamlfile import format_path, load_yaml

Section = Literal["partijen", "overwegingen", "artikel", "hoofdstuk", "ondertekening", "bijlage"]
SECTIONS: tuple[str, ...] = (
    "partijen",
    "overwegingen",
    "artikel",
    "hoofdstuk",
    "ondertekening",
    "bijlage",
)


class ClauseHead(BaseModel):
    """The YAML head of a clause file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,34}$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str = Field(min_length=1)
    documents: list[str] = Field(min_length=1)
    section: Section = "artikel"
    order: int
    condition: str | None = None
    tags: list[str] = Field(default_factory=list)
    defines: dict[str, str] = Field(default_factory=dict)
    definitions: bool = False
    # What a change of this clause requires after the document was signed, besides an
    # amendment: a sub-processor notice, a review of the DPIA (review/amend.py).
    after_signing: list[Literal["kennisgeving-subverwerker", "herbeoordeling-dpia"]] = Field(
        default_factory=list
    )

    @field_validator("documents")
    @classmethod
    def _known_documents(cls, value: list[str]) -> list[str]:
        for kind in value:
            if kind not in KINDS:
                hint = did_you_mean(kind, list(KINDS), listing="known")
                raise ValueError(f"unknown document kind {kind!r} ({hint})")
        return value


@dataclass(frozen=True)
class Clause:
    """One clause: its head, its Jinja body and where it came from."""

    head: ClauseHead
    body: str
    path: Path
    body_line: int  # the file line on which the body starts
    sha256: str
    define_lines: dict[str, int] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The clause id from its head."""
        return self.head.id

    def __repr__(self) -> str:
        return f"<Clause {self.id} v{self.head.version} {self.head.section} {self.head.documents}>"


# A clause or the risk register larger than this is not a text anybody wrote.
MAX_FILE_BYTES = 2_000_000

Level = Literal["laag", "gemiddeld", "hoog"]
RISK_FILE = "risicos.yaml"


class Risk(BaseModel):
    """One risk of the model DPIA, with its assessment and measures (Model DPIA §16-17)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^R\d{1,2}$")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    origin: str = Field(min_length=1, description="Threat and risk source.")
    likelihood: Level
    likelihood_reason: str = Field(min_length=1)
    impact: Level
    impact_reason: str = Field(min_length=1)
    measures: list[str] = Field(min_length=1)
    owner: Literal[
        "project_lead",
        "legal",
        "privacy_officer",
        "security_officer",
        "cmio",
        "radiology_management",
        "technical",
        "clinical",
    ]
    residual: Level
    residual_reason: str = Field(min_length=1)
    condition: str | None = None
    tags: list[str] = Field(default_factory=list)


class RiskRegister(BaseModel):
    """The risk register file: a list of risks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    risks: list[Risk] = Field(min_length=1)


@dataclass(frozen=True)
class ClauseLibrary:
    """All clauses of a clauses/ folder, by id, and the DPIA's risk register."""

    root: Path
    clauses: dict[str, Clause]
    risks: tuple[Risk, ...] = ()
    risk_file: Path | None = None

    def for_kind(self, kind: str) -> list[Clause]:
        """The clauses that may appear in documents of `kind`, in document order."""
        chosen = [c for c in self.clauses.values() if kind in c.head.documents]
        return sorted(chosen, key=lambda c: (SECTIONS.index(c.head.section), c.head.order, c.id))

    def in_document_order(self) -> list[Clause]:
        """Every clause once, at its place in the first kind of document it belongs to."""
        seen: dict[str, Clause] = {}
        for kind in KINDS:
            for clause in self.for_kind(kind):
                seen.setdefault(clause.id, clause)
        return list(seen.values())

    def records(self) -> list[dict[str, object]]:
        """One dict per clause, in document order."""
        return [
            {
                "id": c.id,
                "version": c.head.version,
                "title": c.head.title,
                "documents": c.head.documents,
                "section": c.head.section,
                "order": c.head.order,
                "condition": c.head.condition,
                "tags": c.head.tags,
                "file": str(c.path),
            }
            for c in self.in_document_order()
        ]

    def to_text(self) -> str:
        """The clause list for a terminal: id, version, section, documents and condition."""
        clauses = self.in_document_order()
        width = max((len(c.id) for c in clauses), default=0)
        lines = [
            f"{c.id:<{width}}  {c.head.version:<7} {c.head.section:<13} "
            + ",".join(c.head.documents)
            + (f"  if {c.head.condition}" if c.head.condition else "")
            for c in clauses
        ]
        lines.append(f"{len(clauses)} clauses in {self.root}")
        return "\n".join(lines) + "\n"

    def __getitem__(self, clause_id: str) -> Clause:
        return self.clauses[clause_id]

    def __len__(self) -> int:
        return len(self.clauses)

    def __repr__(self) -> str:
        return f"<ClauseLibrary {self.root}: {len(self.clauses)} clauses>"


def load_clauses(root: str | Path) -> ClauseLibrary:
    """Read every `*.md` clause below `root` (README.md excepted); report all problems at once."""
    root = Path(root)
    if not root.is_dir():
        raise ClauseError([Problem(root, None, "", "clause folder not found")])
    problems: list[Problem] = []
    clauses: dict[str, Clause] = {}
    for path in sorted(root.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        clause = _read_clause(path, problems)
        if clause is None:
            continue
        if clause.id in clauses:
            problems.append(
                Problem(
                    path,
                    2,
                    "id",
                    f"duplicate clause id {clause.id!r}",
                    f"also used in {clauses[clause.id].path}",
                )
            )
            continue
        clauses[clause.id] = clause
    risk_files = sorted(root.rglob(RISK_FILE))
    risks: tuple[Risk, ...] = ()
    if len(risk_files) > 1:
        problems.append(
            Problem(
                risk_files[1],
                None,
                "",
                f"a second {RISK_FILE}",
                f"keep one risk register; the first is {risk_files[0]}",
            )
        )
    elif risk_files:
        risks = _read_risks(risk_files[0], problems)
    if not clauses and not problems:
        problems.append(
            Problem(
                root,
                None,
                "",
                "the clause folder holds no clause files",
                "point to the clause library, or restore it with `aifi-legal init`",
            )
        )
    if problems:
        raise ClauseError(problems)
    return ClauseLibrary(root, clauses, risks, risk_files[0] if risk_files else None)


def _read(path: Path, problems: list[Problem]) -> bytes | None:
    """A library file's bytes, or None with the problem noted (unreadable, too large)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(
                Problem(path, None, "", f"the file is larger than {MAX_FILE_BYTES:,} bytes")
            )
            return None
        return path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, None, "", f"cannot read the file: {exc.strerror or exc}"))
        return None


def _read_risks(path: Path, problems: list[Problem]) -> tuple[Risk, ...]:
    raw = _read(path, problems)
    if raw is None:
        return ()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, None, "", "the file is not UTF-8 text"))
        return ()
    data, line_map, yaml_problems = load_yaml(text, path)
    if yaml_problems:
        problems.extend(yaml_problems)
        return ()
    try:
        register = RiskRegister.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, path, line_map, RiskRegister))
        return ()
    seen: set[str] = set()
    for index, risk in enumerate(register.risks):
        if risk.id in seen:
            loc = ("risks", index, "id")
            problems.append(
                Problem(
                    path, line_map.line(loc), format_path(loc), f"duplicate risk id {risk.id!r}"
                )
            )
        seen.add(risk.id)
    return tuple(register.risks)


def _read_clause(path: Path, problems: list[Problem]) -> Clause | None:
    raw = _read(path, problems)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, None, "", "the file is not UTF-8 text"))
        return None
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(
                path,
                1,
                "",
                "a clause file starts with a YAML head between '---' lines",
                "see clauses/README.md",
            )
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(path, 1, "", "the YAML head is not closed with a '---' line"))
        return None
    head_text = "\n" * 1 + "\n".join(lines[1:end])  # keep file line numbers
    data, line_map, yaml_problems = load_yaml(head_text, path)
    if yaml_problems:
        problems.extend(yaml_problems)
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path, 2, "", "the YAML head must be a mapping of fields"))
        return None
    try:
        head = ClauseHead.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, path, line_map, ClauseHead))
        return None
    body_line = end + 2
    body = "\n" * (body_line - 1) + "\n".join(lines[end + 1 :])
    define_lines = {term: line_map.line(("defines", term)) or 2 for term in head.defines}
    return Clause(head, body, path, body_line, hashlib.sha256(raw).hexdigest(), define_lines)
