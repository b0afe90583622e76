"""The library API: `load_project()` and the `Project` facade over the lower modules.

    >>> from aifi_legal import load_project
    >>> project = load_project()                      # the shipped example, or a workspace
    >>> result = project.build("out", group=1)        # every document of group 1
    >>> result.documents[0].path

Every method is a thin, typed delegation to the module that does the work; nothing inside the
package imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .assembly.assemble import AssembledDocument
from .assembly.clauses import ClauseLibrary
from .checks.check import check as check_documents
from .checks.findings import CheckReport
from .checks.lint import lint as lint_library
from .documents import DocumentRef
from .errors import Problem, UsageError
from .inputs.models import Hospital, Portfolio, Processor
from .inputs.workspace import Workspace, resolve
from .output.build import Progress
from .output.build import build as build_documents
from .output.result import BuildResult
from .register.audit import unplaced
from .register.intake import IntakeReport
from .register.intake import intake as intake_files
from .register.ledger import Event, Register
from .register.notices import NoticeStatus, notice_statuses, record_notice
from .register.record import record as record_event
from .register.remind import ReminderReport, reminders
from .register.roles import SignatureRole, signature_roles
from .register.status import StatusReport
from .register.status import status as status_report
from .review.amend import AmendmentPlan, plan_amendments
from .review.diff import DEFAULT_AUTHOR, DiffReport, diff_builds
from .review.report import ProgressReport, progress_report
from .source import Source


@dataclass(frozen=True)
class Project:
    """Validated inputs (data, clause library, templates) and the register, with every task."""

    source: Source
    register: Register

    @property
    def workspace(self) -> Workspace:
        """Where the inputs and the register are."""
        return self.source.workspace

    @property
    def portfolio(self) -> Portfolio:
        """The validated data."""
        return self.source.portfolio

    @property
    def library(self) -> ClauseLibrary:
        """The clause library."""
        return self.source.library

    def __repr__(self) -> str:
        return (
            f"<Project {len(self.portfolio.hospitals)} hospitals, {len(self.library)} "
            f"clauses, data={self.workspace.data}>"
        )

    def select(
        self, hospitals: str | Iterable[str] = (), group: int | None = None
    ) -> list[Hospital]:
        """The hospitals named by id (in the data's order), optionally only those of `group`."""
        return self.source.select(hospitals, group)

    def documents_of(
        self, hospital: Hospital | str | None, only: str | Iterable[str] = ()
    ) -> list[DocumentRef]:
        """The documents of a hospital's set (by model or id; None: the model documents)."""
        chosen = None if hospital is None else self.source.hospital(hospital)
        return self.source.documents_of(chosen, only)

    def document(
        self, kind: str, hospital: Hospital | str | None, processor: Processor | str | None = None
    ) -> DocumentRef:
        """One document: a kind for a hospital (by model or id; None: the model document)."""
        return self.source.ref(hospital, kind, processor)

    def assemble(
        self, kind: str, hospital: Hospital | str | None, processor: Processor | str | None = None
    ) -> AssembledDocument:
        """The numbered clause text of one document, without Word (`.text()` for plain text).

        A hospital model that is not in the data (a what-if copy) is assembled as given.
        """
        ref = self.document(kind, hospital, processor)
        variant = hospital if isinstance(hospital, Hospital) else None
        return self.source.assemble(ref, hospital=variant)

    def render(
        self, kind: str, hospital: Hospital | str | None, processor: Processor | str | None = None
    ) -> bytes:
        """The DOCX bytes of one document."""
        return self.source.render(self.assemble(kind, hospital, processor))

    def signatories(
        self, kind: str, hospital: Hospital | str, processor: Processor | str | None = None
    ) -> list[SignatureRole]:
        """Who signs one document, in signing order, and in which PDF field."""
        return signature_roles(self.portfolio, self.document(kind, hospital, processor))

    def validate(self) -> dict[str, int]:
        """Render every document of every hospital, and the model documents, in memory.

        Raises the first input error found; returns counts when everything renders.
        """
        count = 0
        for hospital in [None, *self.portfolio.hospitals]:
            for ref in self.source.documents_of(hospital):
                self.source.check_render(self.source.assemble(ref))  # not zipped
                count += 1
        return {
            "hospitals": len(self.portfolio.hospitals),
            "clauses": len(self.library),
            "documents": count,
        }

    def build(
        self,
        out: str | Path = "out",
        *,
        hospitals: str | Iterable[str] = (),
        group: int | None = None,
        only: str | Iterable[str] = (),
        model: bool = False,
        pdf: bool = False,
        draft: bool = False,
        progress: Progress | None = None,
        dry_run: bool = False,
        jobs: int | None = None,
    ) -> BuildResult:
        """Generate documents into `out`.

        hospitals: ids to build (default: all); group: only this implementation group;
        only: document kinds (default: all); model: write each kind once, with the
        hospital-specific values as highlighted field names, to `out/model/`; pdf: also write
        a PDF per document, with document properties and an empty signature field per
        signatory (LibreOffice); draft: stamp CONCEPT on every page of those PDFs;
        progress: called as progress(stage, done, total, item) after each finished item of
        each stage (rendering, converting, preparing); dry_run: decide everything (write, keep,
        archive) and write nothing; jobs: worker processes that render (default: one per CPU,
        or none in a process that runs other threads, such as a notebook's kernel; 1 renders
        in this process), the writing is this process's alone.

        A document with a signature in the register is never overwritten: when its id is
        unchanged it is kept as signed; a new version (new id) moves the signed one to
        `archief/` first.
        """
        return build_documents(
            self.source,
            self.register,
            out,
            hospitals=hospitals,
            group=group,
            only=only,
            model=model,
            pdf=pdf,
            draft=draft,
            progress=progress,
            dry_run=dry_run,
            jobs=jobs,
        )

    def check(
        self,
        paths: Iterable[str | Path] = (),
        *,
        out: str | Path | None = None,
        jobs: int | None = None,
    ) -> CheckReport:
        """Check DOCX files as they are now: `paths`, or every OUT/<hospital>/*.docx.

        jobs: worker processes that read the files (default: one per CPU, or none in a
        process that runs other threads; 1 reads them in this process).
        """
        return check_documents(self.source, paths, out=out, jobs=jobs)

    def lint(self) -> CheckReport:
        """Lint the clause library and templates against the data's schema."""
        return lint_library(self.source)

    def record(
        self,
        hospital: str,
        kind: str,
        *,
        event: str = "signed",
        signatory: str | None = None,
        date: date | str | None = None,
        method: str | None = None,
        file: str | Path | None = None,
        processor: str | None = None,
        out: str | Path = "out",
        note: str | None = None,
        amendment: str | None = None,
    ) -> Event:
        """Record a signature (or sent, declined, revoked) by hand in the register.

        The signatory must be one who signs this document; the document must have been built
        in `out` (its sha256 comes from the manifest: the PDF when there is one, else the
        DOCX). `file` is the evidence (a scan), whose sha256 is recorded. `amendment` records
        it for the wijzigingsovereenkomst to that agreement that amend wrote, named by its
        folder (`001-2027-06-01`), its number (`W001`) or its id.
        """
        return record_event(
            self.source,
            self.register,
            hospital,
            kind,
            event=event,
            signatory=signatory,
            date=date,
            method=method,
            file=file,
            processor=processor,
            out=out,
            note=note,
            amendment=amendment,
        )

    def status(
        self,
        out: str | Path = "out",
        *,
        hospitals: str | Iterable[str] = (),
        group: int | None = None,
        today: date | None = None,
    ) -> StatusReport:
        """Where every selected document stands on `today`, from the manifests and register."""
        return status_report(
            self.source,
            Path(out),
            self.register.read(),
            hospitals=hospitals,
            group=group,
            today=today,
        )

    def notices(
        self,
        out: str | Path = "out",
        *,
        hospitals: str | Iterable[str] = (),
        group: int | None = None,
        today: date | None = None,
    ) -> list[NoticeStatus]:
        """Where every sub-processor notice amend wrote in `out` stands on `today`.

        From the register's sent, objected and accepted events for the notice's id: not sent
        (provisional deadlines), open, objected (the sub-processor blocked), accepted, or
        accepted by silence once the objection term passed.
        """
        return notice_statuses(
            self.source, out, self.register.read(), hospitals=hospitals, group=group, today=today
        )

    def notice(
        self,
        document_id: str,
        event: str,
        *,
        date: date | str | None = None,
        reason: str | None = None,
        out: str | Path = "out",
    ) -> Event:
        """Record a sub-processor notice sent, objected to (with the reason) or accepted.

        `document_id` is a notice amend wrote in `out` (`<agreement id>-K<NNN>`); `date` the
        day it happened (default: today), not before the notice's date.
        """
        return record_notice(
            self.source, out, self.register, document_id, event, date=date, reason=reason
        )

    def remind(
        self,
        out: str | Path = "out",
        *,
        hospitals: str | Iterable[str] = (),
        group: int | None = None,
        to_dir: str | Path | None = None,
        today: date | None = None,
        record: bool = False,
    ) -> ReminderReport:
        """Write a ready e-mail (.eml, with the PDF) to each signatory whose turn it is.

        One per unsigned signatory of the earliest open turn of every document that waits for
        signatures and has its PDF built in `out`; to OUT/<hospital>/herinneringen/, or
        `to_dir`/<hospital>/. `today` dates them (default: today); `record` appends a sent
        event per reminder to the register, after every file is written.
        """
        chosen = (hospitals,) if isinstance(hospitals, str) else tuple(hospitals)
        return reminders(
            self.source,
            self.register,
            out,
            hospitals=chosen,
            group=group,
            to_dir=to_dir,
            today=today,
            record=record,
        )

    def diff(
        self,
        old: str | Path,
        new: str | Path = "out",
        *,
        hospitals: str | Iterable[str] = (),
        out: str | Path | None = None,
        signed: bool = False,
        author: str = DEFAULT_AUTHOR,
    ) -> DiffReport:
        """Compare two builds (with `signed`, what each hospital signed) document by document.

        With `out`, writes per changed document a redline DOCX (Word's tracked changes) and a
        change report, and the whole report as wijzigingen.txt and wijzigingen.json.
        """
        chosen = (hospitals,) if isinstance(hospitals, str) else tuple(hospitals)
        return diff_builds(
            self.register, old, new, hospitals=chosen, out=out, signed=signed, author=author
        )

    def report(
        self,
        out: str | Path = "out",
        *,
        hospitals: str | Iterable[str] = (),
        group: int | None = None,
        today: date | None = None,
        made: datetime | None = None,
        html: str | Path | None = None,
    ) -> ProgressReport:
        """The progress report for the voortgangsoverleg; `.to_html()` is the page.

        With `html`, the page is also written to that file.
        """
        report = progress_report(
            self.source,
            self.register,
            out,
            hospitals=hospitals,
            group=group,
            today=today,
            made=made,
        )
        if html is not None:
            report.write_html(html)
        return report

    def amend(
        self,
        out: str | Path = "out",
        *,
        hospitals: str | Iterable[str] = (),
        group: int | None = None,
        today: date | None = None,
        effective: date | None = None,
        pdf: bool = False,
        write: bool = True,
    ) -> AmendmentPlan:
        """What a change of the data or clauses requires of what each hospital signed.

        Per hospital the signed originals (in `out` or its archief/) are compared with what the
        current inputs produce: a changed provision of an agreement is an article of a
        wijzigingsovereenkomst, a change in a party a new version, a new or changed
        sub-processor a notice (with the date until which the hospital may object, counted
        from `today`), and the DPIA a review. With `write`, the redlines against the signed
        originals and the report go to OUT/<hospital>/wijzigingen/<NNN>-<date>/, with a
        wijzigingsovereenkomst per amended agreement (id `<signed id>-W<NNN>`) that takes
        effect on `effective` (default: its last signature), also as a PDF to sign with `pdf`,
        the sub-processor notice and the DPIA review note. A provision an earlier addendum
        already gives its present text is reported as covered and not written again.
        """
        return plan_amendments(
            self.source,
            self.register,
            out,
            hospitals=tuple([hospitals] if isinstance(hospitals, str) else hospitals),
            group=group,
            today=today,
            effective=effective,
            pdf=pdf,
            write=write,
        )

    def intake(
        self,
        files: Iterable[str | Path],
        *,
        out: str | Path = "out",
        trust_roots: Iterable[str | Path] = (),
        accept_signers: Iterable[str] = (),
    ) -> IntakeReport:
        """Verify returned signed PDFs and record their signatures.

        `trust_roots` are certificate files (DER or PEM) whose signatures count as trusted.
        `accept_signers` are certificate names recorded although they do not name the field's
        signatory (a deliberate exception, kept in the event's note).
        """
        roots = []
        for root in trust_roots:
            try:
                roots.append(Path(root).read_bytes())
            except OSError as exc:
                raise UsageError(
                    f"cannot read the certificate {root}: {exc.strerror or exc}",
                    argument="trust_roots",
                    value=str(root),
                ) from None
        return intake_files(
            self.source, self.register, [Path(f) for f in files], Path(out), roots, accept_signers
        )

    def register_problems(self) -> list[Problem]:
        """Register lines naming a hospital, document or signatory the data does not know."""
        return unplaced(self.source, self.register)

    def clause_records(self) -> list[dict[str, Any]]:
        """The clause library as one dict per clause, in document order."""
        return self.library.records()


def load_project(
    data: str | Path | None = None,
    clauses: str | Path | None = None,
    templates: str | Path | None = None,
    ledger: str | Path | None = None,
) -> Project:
    """Load and validate the data and the clause library; see `inputs.workspace.resolve`."""
    workspace = resolve(data, clauses, templates, ledger)
    return Project(Source.load(workspace), Register(workspace.ledger))
