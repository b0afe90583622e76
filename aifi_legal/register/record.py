"""Recording by hand: a scanned wet-ink signature, or a document sent, declined or revoked."""

from __future__ import annotations

import hashlib
import re
from datetime import date as date_type
from pathlib import Path

from ..documents import DocumentRef
from ..errors import UsageError
from ..names import normal_text, same_name
from ..output.lock import folder_lock
from ..output.manifest import amendment_entries, amendment_ref, manifest_entries, verify_entry
from ..source import DocumentSource
from .events import METHODS
from .ledger import Event, Register, new_event
from .roles import SignatureRole, signature_roles


def record(
    source: DocumentSource,
    register: Register,
    hospital: str,
    kind: str,
    *,
    event: str = "signed",
    signatory: str | None = None,
    date: date_type | str | None = None,
    method: str | None = None,
    file: str | Path | None = None,
    processor: str | None = None,
    out: str | Path = "out",
    note: str | None = None,
    amendment: str | None = None,
) -> Event:
    """Record an event for one signatory of one built document; see `Project.record`."""
    # A build running in `out` is waited for: the manifest and the files are read as one.
    with folder_lock(out, shared=True):
        return _record(
            source,
            register,
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


def recorded_text(event: Event, ledger: Path) -> str:
    """What `sign` says it recorded, and in which register."""
    who = f" by {event.signatory}" if event.signatory else ""
    return (
        f"Recorded: {event.document} of {event.hospital} {event.event}{who} "
        f"on {event.date.isoformat()} in {ledger}."
    )


def evidence_warning(method: str | None, file: str | Path | None) -> str | None:
    """A warning when the evidence of an advanced or qualified signature is not a signed PDF."""
    if method in ("advanced", "qualified") and (
        file is None or Path(file).suffix.lower() != ".pdf"
    ):
        what = f"{Path(file).name} is not a PDF" if file else "no evidence file was given"
        return (
            f"a {method} electronic signature lives in the signed PDF, and {what}: keep the "
            "signed PDF as evidence (or record the PDF with intake, which verifies it)"
        )
    return None


def _record(
    source: DocumentSource,
    register: Register,
    hospital: str,
    kind: str,
    *,
    event: str,
    signatory: str | None,
    date: date_type | str | None,
    method: str | None,
    file: str | Path | None,
    processor: str | None,
    out: str | Path,
    note: str | None,
    amendment: str | None,
) -> Event:
    ref = source.ref(hospital, kind, processor)
    document_date = source.portfolio.consortium.documents.date
    if amendment is not None:
        ref, document_date = _addendum(ref, Path(out), amendment)
    roles = signature_roles(source.portfolio, ref)
    if not roles and event != "sent":
        raise UsageError(
            f"the {kind} of {ref.hospital_id} is the draft for the FG's advice: "
            "nobody signs or declines it",
            argument="kind",
            value=kind,
            hint="record the FG's advice in the data (dpia.advice_date, "
            "advice_summary, advice_handling) and build the version for adoption",
        )
    role = None
    if event != "sent" or signatory is not None:
        role = _signatory_role(roles, signatory) if signatory else None
        if role is None:
            raise UsageError(
                f"{signatory!r} does not sign this {kind}"
                if signatory
                else f"a {event} event needs a signatory",
                argument="signatory",
                value=signatory,
                hint="signatories: " + "; ".join(r.name for r in roles),
            )
    if method is not None and event != "signed":
        raise UsageError(
            f"a method belongs to a signature, not to a {event} event",
            argument="method",
            value=method,
            hint="leave the method out, or record the signature itself (event='signed')",
        )
    if event == "signed" and method is None:
        raise UsageError(
            f"a {event} event needs a method",
            argument="method",
            hint="methods: " + ", ".join(METHODS),
        )
    entry = manifest_entries(ref.folder(out)).get(ref.file_name)
    if entry is None or entry.get("document_id") != ref.id:
        raise UsageError(
            f"{ref.file_name} of {ref.hospital_id} (version {ref.version}) has "
            f"not been built in {out}",
            argument="out",
            value=str(out),
            hint="build the documents first, or name the folder they were built in",
        )
    for changed, expected, actual in verify_entry(ref.folder(out), entry):
        raise UsageError(
            f"{changed} is not the file that was built: sha256 {actual or '(gone)'}, "
            f"the manifest records {expected}; nothing was recorded",
            argument="out",
            value=str(out),
            hint="build again (a signed original is kept), or restore the file "
            "that was sent for signing",
        )
    pdf = entry.get("pdf") or {}
    evidence = None
    if file is not None:
        try:
            evidence = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        except OSError as exc:
            raise UsageError(
                f"cannot read {file}: {exc.strerror or exc}", argument="file", value=str(file)
            ) from None
    try:
        when = date_type.fromisoformat(str(date)) if date else _today()
    except ValueError:
        written_right = re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date))
        raise UsageError(
            f"{date!r} is not a valid date"
            if written_right
            else f"{date!r} is not a date written as YYYY-MM-DD",
            argument="date",
            value=date,
        ) from None
    if when > _today():
        raise UsageError(
            f"the date {when} is in the future",
            argument="date",
            value=str(when),
            hint="give the day the event happened (today or earlier)",
        )
    # Sending ahead of the date printed on the document is normal; signing before it is not.
    if event == "signed" and when < document_date:
        raise UsageError(
            f"the date {when} is before the document's date {document_date}",
            argument="date",
            value=str(when),
            hint="give the day the event happened (on or after the document's date)",
        )
    recorded = new_event(
        event=event,
        hospital=ref.hospital_id,
        kind=kind,
        document=pdf.get("file") or ref.file_name,
        document_id=ref.id,
        version=ref.version,
        document_sha256=pdf.get("sha256") or entry.get("sha256"),
        signatory=role.name if role else None,
        field=None,
        date=when,
        method=method,
        evidence_sha256=evidence,
        note=note,
    )
    register.append([recorded])
    return recorded


def _addendum(agreement: DocumentRef, out: Path, amendment: str) -> tuple[DocumentRef, date_type]:
    """The addendum to `agreement` that `amend` wrote, named by its folder, W-number or id."""
    found = [
        (amendment_ref(agreement.hospital_id or "", folder, entry), entry)
        for folder, entry in amendment_entries(out / (agreement.hospital_id or ""))
        if entry.get("kind") == agreement.kind and entry.get("processor") == agreement.processor_id
    ]
    for ref, entry in found:
        if amendment in (ref.amendment, ref.id, ref.id.rsplit("-", 1)[-1]):
            return ref, date_type.fromisoformat(entry["expected"]["document"]["date"])
    raise UsageError(
        f"no wijzigingsovereenkomst {amendment!r} to the {agreement.kind} of "
        f"{agreement.hospital_id} in {out}",
        argument="amendment",
        value=amendment,
        hint="addenda written: " + (", ".join(ref.id for ref, _ in found) or "none (run amend)"),
    )


def _today() -> date_type:
    """Today's date (one place, so that tests can set the clock)."""
    return date_type.today()


def _signatory_role(roles: list[SignatureRole], signatory: str) -> SignatureRole | None:
    """The role of the person `signatory` names.

    As written (any case, any Unicode form), or else the one signatory it names with titles or
    initials written differently; two signatories it might both name are no match.
    """
    typed = normal_text(signatory).casefold()
    exact = [r for r in roles if normal_text(r.name).casefold() == typed]
    if exact:
        return exact[0]
    alike = [r for r in roles if same_name(r.name, signatory)]
    return alike[0] if len(alike) == 1 else None
