"""The validated inputs of a run and the documents they define.

`Source` joins the data, the clause library and the templates: it selects hospitals, lists each
hospital's documents as `DocumentRef`s, assembles a document's clauses and renders its DOCX.
The build, the checks and the register depend on the small protocol `DocumentSource`, so that
none of them needs the `Project` facade (or a real `Source`, in a test).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .assembly.assemble import AssembledDocument
from .assembly.clauses import ClauseLibrary, load_clauses
from .assembly.compose import compose
from .documents import KINDS, DocumentRef, kinds
from .errors import Problem, TemplateError, UsageError, did_you_mean
from .inputs.models import Hospital, Portfolio, Processor
from .inputs.portfolio import LoadedPortfolio, load_portfolio
from .inputs.workspace import Workspace
from .word.render import render_docx, render_parts


class DocumentSource(Protocol):
    """The validated inputs and the documents they define, as lower modules need them."""

    @property
    def workspace(self) -> Workspace:
        """Where the inputs are."""

    @property
    def portfolio(self) -> Portfolio:
        """The validated data."""

    @property
    def library(self) -> ClauseLibrary:
        """The clause library."""

    @property
    def data_sha256(self) -> str:
        """The sha256 of the data file."""

    def select(
        self, hospitals: str | Iterable[str] = (), group: int | None = None
    ) -> list[Hospital]:
        """The hospitals named by id, optionally of one group."""

    def documents_of(
        self, hospital: Hospital | None, only: str | Iterable[str] = ()
    ) -> list[DocumentRef]:
        """The documents of a hospital's set (None: the model documents)."""

    def document_index(self) -> dict[str, DocumentRef]:
        """Every current document id and its reference."""

    def ref(
        self, hospital: Hospital | str | None, kind: str, processor: Processor | str | None = None
    ) -> DocumentRef:
        """One document, checked against the data."""

    def assemble(self, ref: DocumentRef, *, hospital: Hospital | None = None) -> AssembledDocument:
        """The numbered, rendered clauses of one document."""

    def render(self, document: AssembledDocument) -> bytes:
        """The DOCX bytes of an assembled document."""


@dataclass(frozen=True)
class Source:
    """Validated inputs: the workspace, the data and the clause library."""

    workspace: Workspace
    data: LoadedPortfolio
    library: ClauseLibrary

    @classmethod
    def load(cls, workspace: Workspace) -> Source:
        """Read and validate the data and the clause library of `workspace`."""
        return cls(workspace, load_portfolio(workspace.data), load_clauses(workspace.clauses))

    @property
    def portfolio(self) -> Portfolio:
        """The validated data."""
        return self.data.portfolio

    @property
    def data_sha256(self) -> str:
        """The sha256 of the data file as read."""
        return self.data.sha256

    @property
    def version(self) -> str:
        """The edition of the documents (`consortium.documents.version`)."""
        return self.portfolio.consortium.documents.version

    def select(
        self, hospitals: str | Iterable[str] = (), group: int | None = None
    ) -> list[Hospital]:
        """The hospitals named by id (in the data's order), optionally only those of `group`."""
        portfolio = self.portfolio
        ids = [hospitals] if isinstance(hospitals, str) else list(dict.fromkeys(hospitals))
        known = [h.id for h in portfolio.hospitals]
        for unknown in (h for h in ids if h not in known):
            raise UsageError(
                f"unknown hospital {unknown!r}",
                argument="hospitals",
                value=unknown,
                hint=did_you_mean(unknown, known, listing="known hospitals"),
            )
        chosen = [h for h in portfolio.hospitals if not ids or h.id in ids]
        if group is not None:
            numbers = [g.number for g in portfolio.groups]
            if group not in numbers:
                raise UsageError(
                    f"unknown implementation group {group}",
                    argument="group",
                    value=group,
                    hint="groups in the data: " + ", ".join(str(n) for n in numbers),
                )
            chosen = [h for h in chosen if h.group == group]
            if not chosen:
                raise UsageError(
                    f"no selected hospital is in group {group}", argument="group", value=group
                )
        return chosen

    def hospital(self, hospital: Hospital | str) -> Hospital:
        """A hospital given as a model or by id."""
        if isinstance(hospital, Hospital):
            return hospital
        [found] = self.select([hospital])
        return found

    def documents_of(
        self, hospital: Hospital | None, only: str | Iterable[str] = ()
    ) -> list[DocumentRef]:
        """The documents of a hospital's set (the model documents for None), in set order."""
        refs: list[DocumentRef] = []
        hospital_id = hospital.id if hospital is not None else None
        for kind in kinds(only):
            if KINDS[kind].per_processor:
                processors = (
                    self.portfolio.processors
                    if hospital is None
                    else self.portfolio.processors_of(hospital)
                )
                refs.extend(DocumentRef(kind, hospital_id, self.version, p.id) for p in processors)
            else:
                refs.append(DocumentRef(kind, hospital_id, self.version))
        return refs

    def document_index(self) -> dict[str, DocumentRef]:
        """Every current hospital document id -> its reference."""
        return {ref.id: ref for h in self.portfolio.hospitals for ref in self.documents_of(h)}

    def ref(
        self, hospital: Hospital | str | None, kind: str, processor: Processor | str | None = None
    ) -> DocumentRef:
        """The document of `kind` for a hospital (None: the model), checked against the data.

        A processor agreement needs its processor, unless the hospital has only one.
        """
        [kind] = kinds([kind])
        chosen = None if hospital is None else self.hospital(hospital)
        processor_id = processor.id if isinstance(processor, Processor) else processor
        if not KINDS[kind].per_processor:
            if processor_id is not None:
                raise UsageError(
                    f"a {kind} is not made per processor", argument="processor", value=processor_id
                )
            return DocumentRef(kind, chosen.id if chosen else None, self.version)
        candidates = self.documents_of(chosen, [kind])
        if processor_id is None and len(candidates) == 1:
            return candidates[0]
        for ref in candidates:
            if ref.processor_id == processor_id:
                return ref
        known = [r.processor_id or "" for r in candidates]
        whose = f"of {chosen.id}" if chosen else "in the data"
        if processor_id is None:
            raise UsageError(
                f"a {kind} is made per processor: name the processor",
                argument="processor",
                hint=f"processors {whose}: " + ", ".join(known),
            )
        raise UsageError(
            f"{processor_id!r} is not a processor {whose}",
            argument="processor",
            value=processor_id,
            hint=did_you_mean(processor_id, known, listing="processors"),
        )

    def assemble(self, ref: DocumentRef, *, hospital: Hospital | None = None) -> AssembledDocument:
        """The numbered, rendered clauses of one document (no DOCX).

        `hospital` stands in for the data's hospital of that id (a what-if variant of it).
        """
        portfolio = self.portfolio
        if hospital is None and ref.hospital_id is not None:
            hospital = portfolio.hospital(ref.hospital_id)
        processor = None if ref.processor_id is None else portfolio.processor(ref.processor_id)
        return compose(portfolio, self.library, ref.kind, hospital, processor)

    def render(self, document: AssembledDocument) -> bytes:
        """The DOCX bytes of an assembled document, in its kind's template."""
        return render_docx(self._template(document), document)

    def check_render(self, document: AssembledDocument) -> None:
        """Render an assembled document as far as it can fail, without packaging it."""
        render_parts(self._template(document), document)

    def _template(self, document: AssembledDocument) -> Path:
        template = self.workspace.templates / KINDS[document.kind].template
        if not template.is_file():
            raise TemplateError([Problem(template, None, "", "template not found")])
        return template

    def __repr__(self) -> str:
        return (
            f"<Source {len(self.portfolio.hospitals)} hospitals, {len(self.library)} "
            f"clauses, data={self.workspace.data}>"
        )
