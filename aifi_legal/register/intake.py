"""Intake of signed PDFs, recorded in the register only when they are ours and intact.

Is this the PDF we sent, only with signatures added, and are those signatures intact?

Three levels of sameness are checked: the exact bytes we sent; our bytes unchanged as the prefix
of an incrementally signed file; and, to explain a refusal, the text of every page compared with
what we sent. A file is recorded all at once or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ..errors import PdfError
from ..names import same_name
from ..output.lock import folder_lock
from ..output.manifest import amendment_refs, manifest_entries
from ..pdf import compare_pages, read_document_info, verify_signatures
from ..pdf.prepare import DRAFT_KEY
from ..pdf.revisions import check_revisions
from ..source import DocumentSource
from .ledger import Event, Register, new_event
from .roles import signature_roles


@dataclass
class IntakeResult:
    """The verdict on one returned file, and what it recorded."""

    file: Path
    accepted: bool
    document_id: str | None = None
    hospital: str | None = None
    document: str | None = None
    recorded: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The verdict for a terminal: accepted with who signed, or refused with why."""
        if self.accepted:
            who = ", ".join(e.signatory or "" for e in self.recorded) or "nothing new"
            return [f"{self.file}: accepted ({self.document_id}); recorded: {who}"]
        return [
            f"{self.file}: REFUSED" + (f" ({self.document_id})" if self.document_id else "")
        ] + [f"  {p}" for p in self.problems]


@dataclass
class IntakeReport:
    """The verdicts on every file of one intake."""

    results: list[IntakeResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every file was accepted."""
        return all(r.accepted for r in self.results)

    def to_text(self) -> str:
        """One verdict per file, then the counts."""
        lines = [line for r in self.results for line in r.lines()]
        refused = sum(not r.accepted for r in self.results)
        lines.append(
            f"{len(self.results)} file(s): {len(self.results) - refused} accepted, "
            f"{refused} refused."
        )
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """The verdicts as JSON, with the field names of IntakeResult and Event."""
        results = [
            {
                "file": str(r.file),
                "accepted": r.accepted,
                "document_id": r.document_id,
                "hospital": r.hospital,
                "document": r.document,
                "recorded": [e.model_dump(mode="json") for e in r.recorded],
                "problems": r.problems,
            }
            for r in self.results
        ]
        return json.dumps({"ok": self.ok, "results": results}, indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        return f"<IntakeReport {len(self.results)} files, ok={self.ok}>"


def intake(
    source: DocumentSource,
    register: Register,
    files: list[Path],
    out: Path,
    trust_roots: list[bytes] | tuple[bytes, ...] = (),
    accept_signers: Iterable[str] = (),
) -> IntakeReport:
    """Check each returned PDF and record its new signatures; see the module docstring.

    `trust_roots` (certificates, DER or PEM) decide which signatures count as trusted, and so
    are recorded as advanced rather than simple; integrity is required either way.
    `accept_signers` are certificate names recorded although they do not name the field's
    signatory: a deliberate exception, with the certificate's name kept in the event's note.
    """
    report = IntakeReport()
    accepted = tuple(accept_signers)
    # A build running in `out` is waited for: the PDF we sent and the manifest that vouches
    # for its source are read as one.
    with folder_lock(out, shared=True):
        for path in files:
            result = _check(source, register, path, out, list(trust_roots), accepted)
            if result.accepted and result.recorded:
                register.append(result.recorded)
            report.results.append(result)
    return report


def _check(
    source: DocumentSource,
    register: Register,
    path: Path,
    out: Path,
    trust_roots: list[bytes],
    accept_signers: tuple[str, ...],
) -> IntakeResult:
    result = IntakeResult(path, accepted=False)
    try:
        returned = path.read_bytes()
    except OSError as exc:
        result.problems.append(f"cannot read the file: {exc.strerror or exc}")
        return result
    try:
        info = read_document_info(returned)
    except PdfError as exc:
        result.problems.append(exc.message)
        return result
    document_id = info.get("/AIFIDocumentId")
    result.document_id = document_id
    ref = source.document_index().get(document_id or "")
    if ref is None:  # an addendum `amend` wrote
        hospitals = [h.id for h in source.portfolio.hospitals]
        ref = amendment_refs(out, hospitals).get(document_id or "")
    if ref is None:
        result.problems.append(
            "unknown document: no document id that aifi-legal generated "
            "for the current data" + (f" ({document_id})" if document_id else "")
        )
        return result
    result.hospital, result.document = ref.hospital_id, ref.stem
    original_path = ref.path(out, ".pdf")
    if not original_path.is_file():
        result.problems.append(
            f"the PDF we sent is not in {original_path.parent}; name the "
            "folder the PDFs were built in (out=)"
        )
        return result
    original = original_path.read_bytes()
    if returned == original:
        result.problems.append("the file carries no signature: it is the PDF as we sent it")
        return result
    if not returned.startswith(original):
        try:
            changes = compare_pages(original, returned)
        except PdfError as exc:
            changes, result.problems = [], [exc.message]
        for change in changes:
            result.problems.append(f"page {change.page} was changed:\n{change.diff}")
        if not changes:
            result.problems.append(
                "the bytes of the PDF we sent were changed (the text reads "
                "the same): only signatures appended to our PDF are accepted"
            )
        return result
    try:
        checks = verify_signatures(returned, trust_roots=trust_roots)
        # A signature covers whatever was added before it: a white box drawn over a page,
        # an annotation. Each added revision may only sign one of our empty fields.
        revisions = check_revisions(returned, original)
    except PdfError as exc:
        result.problems.append(exc.message)
        return result
    result.problems += revisions.problems
    if info.get(DRAFT_KEY):
        result.problems.append(
            "the PDF is a draft (stamped CONCEPT): a draft is not signed; "
            "build the PDF without draft and send that"
        )
    entry = manifest_entries(ref.folder(out)).get(ref.file_name) or {}
    if info.get("/AIFISourceSha256") != entry.get("sha256"):
        result.problems.append(
            "the PDF was made from an earlier version of the document; build again with pdf"
        )
    roles = {r.field_name: r for r in signature_roles(source.portfolio, ref)}
    exceptions = {
        c.field_name: c.signer
        for c in checks
        if c.field_name in roles and not _signed_by(roles[c.field_name].name, c.signer)
    }
    for check in checks:
        if check.field_name not in roles:
            result.problems.append(f"signature in unknown field {check.field_name!r}")
            continue
        expected = roles[check.field_name].name
        if check.field_name in exceptions and not any(
            same_name(name, check.signer or "") for name in accept_signers
        ):
            result.problems.append(
                f"the signature in {check.field_name} is made with the certificate of "
                f"{check.signer or 'nobody named'!r}, but {expected} signs there; if that is "
                "deliberate, name the certificate in accept_signers="
            )
        if not check.intact:
            result.problems.append(
                f"the signature in {check.field_name} "
                f"({roles[check.field_name].name}) is broken: "
                f"{check.problem or 'the signed bytes were changed'}"
            )
        elif not check.covers_document:
            result.problems.append(
                f"the signature in {check.field_name} does not cover the "
                f"document: {check.problem or 'content was added after it'}"
            )
    dated = source.portfolio.consortium.documents.date
    if ref.amendment:  # an addendum is dated the day `amend` wrote it
        dated = date.fromisoformat(entry["expected"]["document"]["date"])
    result.problems += _time_problems(checks, dated)
    if result.problems:
        return result
    already = register.state().get((ref.hospital_id or "", ref.id), {})
    evidence = hashlib.sha256(returned).hexdigest()
    for check in checks:
        role = roles[check.field_name]
        if role.name in already and already[role.name].event == "signed":
            continue  # the same signature fed in twice records nothing new
        when = check.signing_time.date() if check.signing_time else _now().date()
        result.recorded.append(
            new_event(
                event="signed",
                hospital=ref.hospital_id,
                kind=ref.kind,
                document=ref.pdf_name,
                document_id=ref.id,
                version=ref.version,
                document_sha256=hashlib.sha256(original).hexdigest(),
                signatory=role.name,
                field=check.field_name,
                date=when,
                # Integrity is verified here; trust is a separate policy: an untrusted certificate
                # is recorded as a simple electronic signature.
                method="advanced" if check.trusted else "simple",
                evidence_sha256=evidence,
                note=_note(check.signer, check.field_name in exceptions),
            )
        )
    result.accepted = True
    return result


# A signer's clock may run a little ahead of ours; more than this is not a clock, it is a lie.
CLOCK_TOLERANCE = timedelta(minutes=5)


def _now() -> datetime:
    """The current time (one place, so that tests can set the clock)."""
    return datetime.now(UTC)


def _time_problems(checks: list, document_date: date) -> list[str]:
    """A signing time in the future, or before the document's date, for each signature."""
    problems = []
    latest = _now() + CLOCK_TOLERANCE
    for check in checks:
        when = check.signing_time
        if when is None:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)  # a time without a zone is read as UTC
        if when > latest:
            problems.append(
                f"the signature in {check.field_name} claims to be made in the "
                f"future ({when:%Y-%m-%d %H:%M} UTC): the signing time is false"
            )
        elif when.date() < document_date:
            problems.append(
                f"the signature in {check.field_name} was made on {when:%Y-%m-%d}, "
                f"before the document's date {document_date:%Y-%m-%d}"
            )
    return problems


def _signed_by(expected: str, certificate_name: str | None) -> bool:
    """Whether a certificate's common name names the field's signatory."""
    return certificate_name is not None and same_name(expected, certificate_name)


def _note(signer: str | None, exception: bool) -> str | None:
    """The event's note: which certificate signed, and whether it was an accepted exception."""
    if signer is None:
        return None
    if exception:
        return f"signed by certificate {signer!r}, accepted as an exception (accept_signers)"
    return f"signed by certificate {signer!r}"
