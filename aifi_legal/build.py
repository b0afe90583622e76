"""Building documents: the library API behind `aifi-legal build`.

    >>> from aifi_legal import load_project
    >>> project = load_project()                      # the shipped example, or a workspace
    >>> result = project.build("out", group=1)        # every document of group 1
    >>> result.documents[0].path

Everything is rendered in memory first; files are written only when every document rendered,
each one atomically, so a failed run leaves the earlier files as they were.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .assemble import AssembledDocument, assemble
from .clauses import ClauseLibrary, load_clauses
from .assemble import condition_holds
from .context import build_context, risk_context
from .data import LoadedPortfolio, load_portfolio
from .docxwriter import render_docx
from .errors import ClauseError, OutputError, Problem, TemplateError, UsageError
from .kinds import KINDS
from .models import Hospital, Processor
from .workspace import Workspace, resolve

MODEL_FOLDER = "model"
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BuiltDocument:
    """One generated file."""

    kind: str
    hospital_id: str | None  # None for a model document
    path: Path
    document_id: str
    sha256: str
    words: int
    clauses: tuple[tuple[str, str], ...]  # (id, version) in document order
    processor_id: str | None = None  # the other party of a processor agreement

    def __repr__(self) -> str:
        who = self.hospital_id or "model"
        return f"<BuiltDocument {self.kind} {who}: {self.path} ({self.words} words)>"


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    out: Path
    documents: tuple[BuiltDocument, ...]
    manifests: tuple[Path, ...] = field(default=())

    def __repr__(self) -> str:
        hospitals = {d.hospital_id for d in self.documents if d.hospital_id}
        return (f"<BuildResult {len(self.documents)} documents for {len(hospitals)} hospitals "
                f"in {self.out}>")

    def records(self) -> list[dict]:
        """One dict per document, ready for `pandas.DataFrame(result.records())`."""
        return [{"hospital": d.hospital_id or MODEL_FOLDER, "kind": d.kind,
                 "document_id": d.document_id, "path": str(d.path), "words": d.words,
                 "sha256": d.sha256} for d in self.documents]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(k)}</th>" for k in
                       ("hospital", "kind", "document_id", "words", "path"))
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in
                             ("hospital", "kind", "document_id", "words", "path")) + "</tr>"
            for r in self.records())
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


@dataclass(frozen=True)
class Project:
    """Validated inputs: the data, the clause library and the templates folder."""

    workspace: Workspace
    data: LoadedPortfolio
    library: ClauseLibrary

    def __repr__(self) -> str:
        p = self.data.portfolio
        return (f"<Project {len(p.hospitals)} hospitals, {len(self.library)} clauses, "
                f"data={self.workspace.data}>")

    @property
    def portfolio(self):
        return self.data.portfolio

    def select(self, hospitals: Iterable[str] = (), group: int | None = None) -> list[Hospital]:
        """The hospitals named by id (in the data's order), optionally only those of `group`."""
        portfolio = self.portfolio
        ids = list(dict.fromkeys(hospitals))
        known = [h.id for h in portfolio.hospitals]
        unknown = [h for h in ids if h not in known]
        if unknown:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            raise UsageError(f"unknown hospital {unknown[0]!r}",
                             hint=f"did you mean {close[0]!r}?" if close else
                             "known hospitals: " + ", ".join(known))
        chosen = [h for h in portfolio.hospitals if not ids or h.id in ids]
        if group is not None:
            if group not in [g.number for g in portfolio.groups]:
                raise UsageError(f"unknown implementation group {group}",
                                 hint="groups in the data: " +
                                 ", ".join(str(g.number) for g in portfolio.groups))
            chosen = [h for h in chosen if h.group == group]
            if not chosen:
                raise UsageError(f"no selected hospital is in group {group}")
        return chosen

    def validate(self) -> dict[str, int]:
        """Render every document of every hospital, and the model documents, in memory.

        Raises the first input error found; returns counts when everything renders.
        """
        count = 0
        for hospital in [None, *self.portfolio.hospitals]:
            for kind, processor in self.documents_of(hospital):
                self.render(kind, hospital, processor)
                count += 1
        return {"hospitals": len(self.portfolio.hospitals), "clauses": len(self.library),
                "documents": count}

    def check(self, paths: Iterable[str | Path] = (), *, out: str | Path | None = None):
        """Check DOCX files as they are now; see aifi_legal.check. Returns a CheckReport."""
        from .check import check
        return check(self, paths, out=out)

    def lint(self):
        """Lint the clause library and templates; see aifi_legal.lint. Returns a CheckReport."""
        from .lint import lint
        return lint(self)

    def clause_records(self) -> list[dict]:
        """The clause library as one dict per clause, in document order."""
        seen, rows = set(), []
        for kind in KINDS:
            for clause in self.library.for_kind(kind):
                if clause.id in seen:
                    continue
                seen.add(clause.id)
                head = clause.head
                rows.append({"id": clause.id, "version": head.version, "title": head.title,
                             "documents": head.documents, "section": head.section,
                             "order": head.order, "condition": head.condition,
                             "tags": head.tags, "file": str(clause.path)})
        return rows

    def assemble(self, kind: str, hospital: Hospital | None,
                 processor: Processor | None = None) -> tuple[AssembledDocument, dict]:
        """The assembled clauses and the context of one document (no DOCX)."""
        if KINDS[kind].per_processor and processor is None:
            raise UsageError(f"a {kind} is made per processor; pass processor=",
                             hint="processors: " + ", ".join(p.id for p in
                                                            self.portfolio.processors))
        context = build_context(self.portfolio, hospital, kind, processor)
        who = f" (hospital {hospital.id})" if hospital else " (model document)"

        def holds(expression: str, values: dict) -> bool:
            try:
                return condition_holds(expression, values)
            except Exception as exc:  # an unknown name or a syntax error in risicos.yaml
                raise ClauseError([Problem(self.library.risk_file, None, "condition",
                                           f"risk condition {expression!r} fails{who}: "
                                           f"{exc}")]) from None

        context.update(risk_context(self.library.risks, context, holds))
        return assemble(self.library, kind, context, who=who), context

    def render(self, kind: str, hospital: Hospital | None,
               processor: Processor | None = None) -> tuple[bytes, AssembledDocument, dict]:
        """The DOCX bytes of one document, with what they were made from."""
        document, context = self.assemble(kind, hospital, processor)
        template = self.workspace.templates / KINDS[kind].template
        if not template.is_file():
            raise TemplateError([Problem(template, None, "", "template not found")])
        return render_docx(template, document, context), document, context

    def documents_of(self, hospital: Hospital | None,
                     kinds: Iterable[str] = ()) -> list[tuple[str, Processor | None]]:
        """The (kind, processor) pairs of a hospital's document set (the model's if None)."""
        pairs = []
        for kind in _kinds(kinds):
            if KINDS[kind].per_processor:
                processors = (self.portfolio.processors if hospital is None
                              else self.portfolio.processors_of(hospital))
                pairs.extend((kind, p) for p in processors)
            else:
                pairs.append((kind, None))
        return pairs

    def build(self, out: str | Path = "out", *, hospitals: Iterable[str] = (),
              group: int | None = None, only: Iterable[str] = (), model: bool = False,
              progress: Progress | None = None) -> BuildResult:
        """Generate documents into `out`.

        hospitals: ids to build (default: all); group: only this implementation group;
        only: document kinds (default: all); model: write each kind once, with the
        hospital-specific values as highlighted field names, to `out/model/`.
        """
        out = Path(out)
        kinds = _kinds(only)
        targets: list[Hospital | None] = [None] if model else self.select(hospitals, group)
        jobs = [(hospital, kind, processor) for hospital in targets
                for kind, processor in self.documents_of(hospital, kinds)]
        pending: list[tuple[BuiltDocument, bytes]] = []
        for hospital, kind, processor in jobs:
            folder = out / (hospital.id if hospital else MODEL_FOLDER)
            file_name = KINDS[kind].file_name(processor.id if processor else None)
            data, document, context = self.render(kind, hospital, processor)
            built = BuiltDocument(
                kind=kind, hospital_id=hospital.id if hospital else None,
                path=folder / file_name, document_id=context["document"]["id"],
                sha256=hashlib.sha256(data).hexdigest(),
                words=len(document.text().split()),
                clauses=tuple((c.clause.id, c.clause.head.version) for c in document.clauses),
                processor_id=processor.id if processor else None)
            pending.append((built, data))
            if progress:
                progress(len(pending), len(jobs), f"{folder.name}/{file_name}")
        # Everything rendered: now write, each file atomically.
        for built, data in pending:
            write_atomic(built.path, data)
        manifests = [] if model else [self._write_manifest(out / h.id, h, kinds,
                                                           [b for b, _ in pending
                                                            if b.hospital_id == h.id])
                                      for h in targets]
        return BuildResult(out, tuple(b for b, _ in pending), tuple(manifests))

    def _write_manifest(self, folder: Path, hospital: Hospital, kinds: list[str],
                        built: list[BuiltDocument]) -> Path:
        path = folder / "manifest.json"
        previous = {}
        if path.is_file():
            try:
                previous = {d["file"]: d for d in json.loads(path.read_text("utf-8"))["documents"]}
            except (ValueError, KeyError, TypeError):
                previous = {}
        documents = {name: doc for name, doc in previous.items()
                     if doc.get("kind") not in kinds and (folder / name).is_file()}
        for doc in built:
            template = self.workspace.templates / KINDS[doc.kind].template
            documents[doc.path.name] = {
                "kind": doc.kind,
                "processor": doc.processor_id,
                "file": doc.path.name,
                "document_id": doc.document_id,
                "sha256": doc.sha256,
                "template": {"file": template.name, "sha256": _sha256(template)},
                "clauses": [{"id": cid, "version": version,
                             "sha256": self.library[cid].sha256} for cid, version in doc.clauses],
            }
        manifest = {
            "generator": f"aifi-legal {__version__}",
            "hospital": hospital.id,
            "data": {"file": self.workspace.data.name, "sha256": self.data.sha256},
            "documents": [documents[k] for k in sorted(documents)],
        }
        write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True)
                            + "\n").encode("utf-8"))
        return path


def _kinds(only: Iterable[str]) -> list[str]:
    only = list(dict.fromkeys(only))
    for kind in only:
        if kind not in KINDS:
            close = difflib.get_close_matches(kind, KINDS, n=1)
            raise UsageError(f"unknown document kind {kind!r}",
                             hint=f"did you mean {close[0]!r}?" if close else
                             "kinds: " + ", ".join(KINDS))
    return [k for k in KINDS if not only or k in only]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}",
                          hint="check that the output folder is writable and the file is not "
                               "open in Word") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load_project(data: str | Path | None = None, clauses: str | Path | None = None,
                 templates: str | Path | None = None) -> Project:
    """Load and validate the data and clause library (see workspace.resolve for defaults)."""
    workspace = resolve(data, clauses, templates)
    return Project(workspace, load_portfolio(workspace.data), load_clauses(workspace.clauses))
