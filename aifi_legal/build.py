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
from dataclasses import dataclass, field, replace
from datetime import date as date_type, datetime, time
from pathlib import Path
from typing import Callable, Iterable

from . import __version__
from .assemble import AssembledDocument, assemble
from .clauses import ClauseLibrary, load_clauses
from .assemble import condition_holds
from .context import build_context, document_id, risk_context
from .data import LoadedPortfolio, load_portfolio
from .docxwriter import render_docx
from .errors import ClauseError, OutputError, Problem, TemplateError, UsageError
from .kinds import KINDS
from .ledger import METHODS, Event, append_events, new_event, read_events, signature_state
from .signing import signature_roles
from .models import Hospital, Processor
from .workspace import Workspace, resolve

MODEL_FOLDER = "model"
ARCHIVE_FOLDER = "archief"
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
    pdf: dict | None = None  # {"file", "sha256", "draft", "fields"} when a PDF was written

    def __repr__(self) -> str:
        who = self.hospital_id or "model"
        return f"<BuiltDocument {self.kind} {who}: {self.path} ({self.words} words)>"


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    out: Path
    documents: tuple[BuiltDocument, ...]
    manifests: tuple[Path, ...] = field(default=())
    kept: tuple[BuiltDocument, ...] = ()  # signed documents left as they were

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

    def document_index(self) -> dict[str, tuple[Hospital, str, Processor | None]]:
        """Every current document id -> (hospital, kind, processor)."""
        version = self.portfolio.consortium.documents.version
        return {document_id(kind, h.id, version, p.id if p else None): (h, kind, p)
                for h in self.portfolio.hospitals for kind, p in self.documents_of(h)}

    def document_of(self, hospital_id: str, kind: str,
                    processor_id: str | None = None) -> tuple[Hospital, Processor | None]:
        """The hospital and processor of one document named on the command line."""
        [hospital] = self.select([hospital_id])
        _kinds([kind])
        if not KINDS[kind].per_processor:
            return hospital, None
        processors = self.portfolio.processors_of(hospital)
        if processor_id is None and len(processors) == 1:
            return hospital, processors[0]
        for processor in processors:
            if processor.id == processor_id:
                return hospital, processor
        raise UsageError(f"name the processor of the {kind} with --processor",
                         hint="processors of " + hospital.id + ": " +
                         ", ".join(p.id for p in processors))

    def record(self, hospital_id: str, kind: str, *, event: str = "signed",
               signatory: str | None = None, date: "date_type | str | None" = None,
               method: str | None = None, file: str | Path | None = None,
               processor: str | None = None, out: str | Path = "out",
               note: str | None = None) -> Event:
        """Record a signature (or sent, declined, revoked) by hand in the register.

        The signatory must be one who signs this document; the document must have been built
        (its sha256 comes from the manifest: the PDF when there is one, else the DOCX).
        """
        hospital, proc = self.document_of(hospital_id, kind, processor)
        _, context = self.assemble(kind, hospital, proc)
        roles = signature_roles(context, kind)
        role = None
        if event != "sent" or signatory is not None:
            role = next((r for r in roles if signatory and
                         r.name.casefold() == signatory.casefold()), None)
            if role is None:
                raise UsageError(f"{signatory!r} does not sign this {kind}" if signatory
                                 else f"a {event} event needs --signatory",
                                 hint="signatories: " + "; ".join(r.name for r in roles))
        if event in ("signed", "declined") and method is None:
            raise UsageError(f"a {event} event needs --method",
                             hint="methods: " + ", ".join(METHODS))
        file_name = KINDS[kind].file_name(proc.id if proc else None)
        entry = manifest_entries(Path(out) / hospital.id).get(file_name)
        doc_id = context["document"]["id"]
        if entry is None or entry.get("document_id") != doc_id:
            raise UsageError(f"{file_name} of {hospital.id} (version "
                             f"{context['document']['version']}) has not been built in {out}",
                             hint="run `aifi-legal build` first, or pass --out")
        pdf = entry.get("pdf") or {}
        evidence = None
        if file is not None:
            try:
                evidence = hashlib.sha256(Path(file).read_bytes()).hexdigest()
            except OSError as exc:
                raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
        try:
            when = date_type.fromisoformat(str(date)) if date else date_type.today()
        except ValueError:
            raise UsageError(f"{date!r} is not a date written as YYYY-MM-DD") from None
        recorded = new_event(
            event=event, hospital=hospital.id, kind=kind,
            document=pdf.get("file") or file_name, document_id=doc_id,
            version=str(context["document"]["version"]),
            document_sha256=pdf.get("sha256") or entry.get("sha256"),
            signatory=role.name if role else None, field=None, date=when, method=method,
            evidence_sha256=evidence, note=note)
        append_events(self.workspace.ledger, [recorded])
        return recorded

    def status(self, out: str | Path = "out", *, hospitals: Iterable[str] = (),
               group: int | None = None, today: "date_type | None" = None):
        """Where every selected document stands; see aifi_legal.status. A StatusReport."""
        from .status import status
        return status(self, Path(out), read_events(self.workspace.ledger),
                      hospitals=hospitals, group=group, today=today)

    def intake(self, files: Iterable[str | Path], *, out: str | Path = "out",
               trust_roots: Iterable[str | Path] = ()):
        """Verify returned signed PDFs and record their signatures; see aifi_legal.intake.
        `trust_roots` are certificate files (DER or PEM) whose signatures count as trusted."""
        from .intake import intake
        roots = []
        for root in trust_roots:
            try:
                roots.append(Path(root).read_bytes())
            except OSError as exc:
                raise UsageError(f"cannot read the certificate {root}: "
                                 f"{exc.strerror or exc}") from None
        return intake(self, [Path(f) for f in files], Path(out), roots)

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
              pdf: bool = False, draft: bool = False,
              progress: Progress | None = None) -> BuildResult:
        """Generate documents into `out`.

        hospitals: ids to build (default: all); group: only this implementation group;
        only: document kinds (default: all); model: write each kind once, with the
        hospital-specific values as highlighted field names, to `out/model/`; pdf: also write
        a PDF per document, with document properties and an empty signature field per
        signatory (LibreOffice); draft: stamp CONCEPT on every page of those PDFs.

        A document with a signature in the register is never overwritten: when its id is
        unchanged it is kept as signed; a new version (new id) moves the signed one to
        `archief/` first.
        """
        out = Path(out)
        kinds = _kinds(only)
        targets: list[Hospital | None] = [None] if model else self.select(hospitals, group)
        jobs = [(hospital, kind, processor) for hospital in targets
                for kind, processor in self.documents_of(hospital, kinds)]
        signed = self.signed_documents()
        pending: list[tuple[BuiltDocument, bytes, dict]] = []
        kept: list[BuiltDocument] = []
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
            previous = manifest_entries(folder).get(file_name) if hospital else None
            if previous and (hospital.id, previous.get("document_id")) in signed:
                if previous["document_id"] == built.document_id:
                    kept.append(built)  # signed: this version is final
                    continue
                _archive(folder, file_name, previous["document_id"])
            pending.append((built, data, context))
            if progress:
                progress(len(pending) + len(kept), len(jobs), f"{folder.name}/{file_name}")
        # Everything rendered: now write, each file atomically.
        for built, data, _ in pending:
            write_atomic(built.path, data)
        pdfs = self._write_pdfs(pending, draft) if pdf and not model else {}
        written = tuple(replace(b, pdf=pdfs.get(b.path)) for b, _, _ in pending)
        manifests = [] if model else [self._write_manifest(out / h.id, h,
                                                           [b for b in written
                                                            if b.hospital_id == h.id])
                                      for h in targets]
        return BuildResult(out, written, tuple(manifests), tuple(kept))

    def _write_pdfs(self, pending: list[tuple[BuiltDocument, bytes, dict]],
                    draft: bool) -> dict[Path, dict]:
        """Convert the written DOCX files, then add properties and signature fields."""
        from .pdf import convert_to_pdf, prepare_pdf, SignatureSlot
        results = {}
        with tempfile.TemporaryDirectory(prefix="aifi-legal-pdf-") as temp:
            converted = convert_to_pdf([b.path for b, _, _ in pending], Path(temp))
            for built, _, context in pending:
                roles = signature_roles(context, built.kind)
                data = prepare_pdf(
                    converted[built.path].read_bytes(),
                    title=f"{context['document']['title']} – {context['ziekenhuis']['legal_name']}",
                    subject=f"AIFI {context['document']['title']}",
                    document_id=built.document_id, source_sha256=built.sha256,
                    slots=[SignatureSlot(r.field_name, r.anchor_text, r.name) for r in roles],
                    draft=draft, created=datetime.combine(context["document"]["date"],
                                                          time(9, 0)))
                path = built.path.with_suffix(".pdf")
                write_atomic(path, data)
                results[built.path] = {"file": path.name,
                                       "sha256": hashlib.sha256(data).hexdigest(),
                                       "draft": draft,
                                       "fields": [r.field_name for r in roles]}
        return results

    def signed_documents(self) -> set[tuple[str, str]]:
        """(hospital id, document id) of every document with a signature in the register."""
        state = signature_state(read_events(self.workspace.ledger))
        return {key for key, latest in state.items()
                if any(e.event == "signed" for e in latest.values())}

    def _write_manifest(self, folder: Path, hospital: Hospital,
                        built: list[BuiltDocument]) -> Path:
        path = folder / "manifest.json"
        rebuilt = {doc.path.name for doc in built}
        documents = {name: doc for name, doc in manifest_entries(folder).items()
                     if name not in rebuilt and (folder / name).is_file()}
        for doc in built:
            template = self.workspace.templates / KINDS[doc.kind].template
            documents[doc.path.name] = {
                "kind": doc.kind,
                "processor": doc.processor_id,
                "file": doc.path.name,
                "document_id": doc.document_id,
                "sha256": doc.sha256,
                "pdf": doc.pdf,
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


def manifest_entries(folder: Path) -> dict[str, dict]:
    """The documents recorded in a hospital folder's manifest.json, by file name."""
    path = folder / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return {d["file"]: d for d in json.loads(path.read_text("utf-8"))["documents"]}
    except (ValueError, KeyError, TypeError):
        return {}


def _archive(folder: Path, file_name: str, document_id: str) -> None:
    """Move a signed document (DOCX and PDF) to archief/ before a new version is written."""
    archive = folder / ARCHIVE_FOLDER
    archive.mkdir(exist_ok=True)
    stem = Path(file_name).stem
    for suffix in (".docx", ".pdf"):
        source = folder / f"{stem}{suffix}"
        if source.exists():
            os.replace(source, archive / f"{stem}-{document_id}{suffix}")


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
                 templates: str | Path | None = None, ledger: str | Path | None = None) -> Project:
    """Load and validate the data and clause library (see workspace.resolve for defaults)."""
    workspace = resolve(data, clauses, templates, ledger)
    return Project(workspace, load_portfolio(workspace.data), load_clauses(workspace.clauses))
