"""Reminders to sign: a ready e-mail (.eml, in Dutch) for every signatory whose turn it is.

Whose turn it is follows the signing order (see roles.py): the earliest turn that still has a
signatory who has not signed. Signatories of one turn (a hospital's two joint representatives)
sign in any order, each in their own field of the PDF, so each gets an e-mail of their own.
Only a document that waits for signatures gets one (ready to sign or partly signed, with its
PDF built and unchanged); the others are reported as skipped, with why.

The e-mail goes to the signatory's own `email` in the data, else to the party's contact: a
hospital's legal contact (`contacts.legal`), AIFI's or the processor's `contact`. It says so,
and asks the contact to put the PDF before the signatory. It comes from AIFI's contact, carries
the built PDF, and is the same bytes for the same inputs: the Date header is the day at 09:00 in
Amsterdam, the Message-ID and the MIME boundary are derived from the document, the signatory and
the day. `X-Unsent: 1` makes a mail program open it as a message ready to send.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from ..documents import DocumentRef
from ..errors import UsageError
from ..inputs.models import Hospital, Portfolio
from ..inputs.processing import Processor
from ..inputs.programme import Consortium
from ..output.files import write_atomic
from ..output.lock import folder_lock
from ..output.manifest import manifest_entries
from ..source import DocumentSource
from . import record as recording
from .ledger import Event, Register, new_event, signature_state
from .mail import (
    PENDING_STEP,
    SIGNED_STEP,
    Reminder,
    SigningStep,
    body_text,
    eml_bytes,
    file_slug,
    subject_line,
)
from .roles import SignatureRole, party_of, signature_roles
from .status import AWAITING_ADVICE, CHANGED, DECLINED, NOT_BUILT, SIGNED, DocumentStatus, status

__all__ = ["Reminder", "ReminderReport", "SigningStep", "Skipped", "reminders"]

FOLDER = "herinneringen"  # below OUT/<hospital>/, beside the documents it reminds of


@dataclass(frozen=True)
class Skipped:
    """A document that waits for a signature but got no reminder, and why."""

    hospital: str
    document: str
    document_id: str
    status: str
    reason: str


@dataclass
class ReminderReport:
    """The reminders of one run, the documents skipped, and the sent events recorded."""

    today: date
    reminders: list[Reminder] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    recorded: list[Event] = field(default_factory=list)
    already_recorded: int = 0  # reminders whose sent event was in the register already

    def to_json(self) -> str:
        """The JSON form, with the field names of the dataclasses and of Event."""
        data = {
            "today": self.today,
            "reminders": [asdict(r) for r in self.reminders],
            "skipped": [asdict(s) for s in self.skipped],
            "recorded": [e.model_dump(mode="json") for e in self.recorded],
            "already_recorded": self.already_recorded,
        }
        return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"

    def to_text(self) -> str:
        """Per reminder whose turn, to whom and which file; then what was skipped and why."""
        lines = [
            f"Reminders on {self.today.isoformat()}: {len(self.reminders)} written, "
            f"{len(self.skipped)} skipped."
        ]
        if not self.reminders:
            lines.append("Nothing is due: no document waits for a signature with its PDF built.")
        for r in self.reminders:
            late = ", OVERDUE" if r.overdue else ""
            lines.append(f"  {r.hospital}/{r.document} ({r.document_id}, due {r.due}{late})")
            order = ", ".join(
                f"{s.order}. {s.name} "
                + (f"signed {s.signed_on}" if s.state == SIGNED_STEP else PENDING_STEP)
                for s in r.signing_order
            )
            lines.append(f"    turn: {r.signatory} ({r.field_name}); order: {order}")
            lines.append(f"    to: {r.recipient_name} <{r.recipient_email}> ({r.address_reason})")
            if r.last_reminded:
                lines.append(f"    last reminded {r.last_reminded}")
            lines.append(f"    wrote {r.eml}")
        if self.skipped:
            lines.append("Skipped:")
            lines += [f"  {s.hospital}/{s.document}: {s.reason}" for s in self.skipped]
        if self.recorded or self.already_recorded:
            again = f"; {self.already_recorded} already recorded" if self.already_recorded else ""
            lines.append(f"Recorded {len(self.recorded)} sent event(s) in the register{again}.")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<ReminderReport {self.today}: {len(self.reminders)} reminders>"


def reminders(
    source: DocumentSource,
    register: Register,
    out: str | Path = "out",
    *,
    hospitals: str | list[str] | tuple[str, ...] = (),
    group: int | None = None,
    to_dir: str | Path | None = None,
    today: date | None = None,
    record: bool = False,
) -> ReminderReport:
    """Write a reminder per signatory whose turn it is; with `record`, a sent event each.

    E-mails go to OUT/<hospital>/herinneringen/ (or `to_dir`/<hospital>/) as
    `<today>-<file stem>-<signatory>.eml`, each written atomically; the sent events are
    appended in one call after every file is written.
    """
    out = Path(out)
    real_today = recording._today()
    today = today or real_today
    if record and today > real_today:
        raise UsageError(
            f"the date {today} is in the future: a sent event records what happened",
            argument="today",
            value=str(today),
            hint="write the reminders for a later day without record=True, and record "
            "them on the day they are sent",
        )
    events = register.read()
    report = ReminderReport(today)
    planned: list[tuple[Reminder, bytes, Event]] = []
    # A build running in `out` is waited for: the manifest and the PDFs are read as one.
    with folder_lock(out, shared=True):
        current = status(source, out, events, hospitals=hospitals, group=group, today=today)
        state = signature_state(events)
        by_id = {(d.hospital, d.document_id): d for d in current.documents}
        for hospital in source.select(hospitals, group):
            entries = manifest_entries(out / hospital.id)
            folder = Path(to_dir) / hospital.id if to_dir else out / hospital.id / FOLDER
            for ref in source.documents_of(hospital):
                document = by_id[(hospital.id, ref.id)]
                entry = entries.get(ref.file_name) or {}
                if document.status == SIGNED:
                    continue
                # An entry of another version (a sent event makes it "ready") is no PDF of ours.
                pdf_entry = entry.get("pdf") if entry.get("document_id") == ref.id else None
                reason = _skip_reason(document, pdf_entry)
                if reason:
                    report.skipped.append(
                        Skipped(hospital.id, ref.stem, ref.id, document.status, reason)
                    )
                    continue
                assert pdf_entry is not None  # no PDF is a reason to skip
                pdf = ref.folder(out) / pdf_entry["file"]
                signed = {
                    name: e.date
                    for name, e in state.get((hospital.id, ref.id), {}).items()
                    if e.event == "signed"
                }
                planned += _plan(source.portfolio, ref, document, signed, pdf, folder, today)
        for reminder, message, _ in planned:
            write_atomic(reminder.eml, message)
            report.reminders.append(reminder)
    if record:
        done = {(e.document_id, e.signatory, e.date) for e in events if e.event == "sent"}
        fresh = [e for _, _, e in planned if (e.document_id, e.signatory, e.date) not in done]
        if fresh:
            register.append(fresh)
        report.recorded = fresh
        report.already_recorded = len(planned) - len(fresh)
    return report


def _skip_reason(document: DocumentStatus, pdf: dict | None) -> str | None:
    """Why an unsigned document gets no reminder (None: it gets one)."""
    reason = {
        DECLINED: f"declined by {', '.join(document.declined)}: settle that first (a new "
        "version, or the refusal revoked)",
        AWAITING_ADVICE: "the draft for the FG's advice, which nobody signs: record the advice "
        "in the data and build the version for adoption",
        CHANGED: "a built file changed after the build (its sha256 is not the manifest's): "
        "build again",
        NOT_BUILT: "not built: build with --pdf first",
    }.get(document.status)
    if reason:
        return reason
    if not pdf or not pdf.get("file"):
        return "no PDF to attach: build with --pdf first"
    if pdf.get("draft"):
        return "the PDF is a CONCEPT draft: build with --pdf without --draft first"
    return None


def _plan(
    portfolio: Portfolio,
    ref: DocumentRef,
    document: DocumentStatus,
    signed: dict[str, date],
    pdf: Path,
    folder: Path,
    today: date,
) -> list[tuple[Reminder, bytes, Event]]:
    """The reminders of one document: one per unsigned signatory of the earliest open turn."""
    roles = signature_roles(portfolio, ref)
    steps = tuple(
        SigningStep(
            r.order,
            party_of(portfolio, ref, r.party).short_name,
            r.name,
            r.function,
            r.field_name,
            SIGNED_STEP if r.name in signed else PENDING_STEP,
            signed.get(r.name),
        )
        for r in roles
    )
    turn = min(r.order for r in roles if r.name not in signed)
    attachment = pdf.read_bytes()
    sha256 = hashlib.sha256(attachment).hexdigest()
    planned: list[tuple[Reminder, bytes, Event]] = []
    for role in (r for r in roles if r.order == turn and r.name not in signed):
        name, email, source, reason, dutch = _recipient(portfolio, ref, role)
        slug = file_slug(role.name, role.field_name)
        if any(p[0].eml.name.endswith(f"-{slug}.eml") for p in planned):
            slug += f"-{role.field_name}"  # two names that read alike: keep both files
        eml = folder / f"{today.isoformat()}-{ref.stem}-{slug}.eml"
        reminder = Reminder(
            ref.hospital_id or "",
            ref.kind,
            pdf.name,
            ref.id,
            ref.version,
            role.name,
            role.field_name,
            name,
            email,
            source,
            reason,
            steps,
            document.due,
            document.overdue,
            document.last_reminded,
            subject_line(portfolio, ref),
            pdf,
            eml,
        )
        body = body_text(portfolio, ref, reminder, role, dutch)
        event = new_event(
            event="sent",
            hospital=reminder.hospital,
            kind=ref.kind,
            document=pdf.name,
            document_id=ref.id,
            version=ref.version,
            document_sha256=sha256,
            signatory=role.name,
            date=today,
            note=f"herinnering per e-mail aan {name} <{email}> ({eml.name})",
        )
        message = eml_bytes(reminder, body, attachment, portfolio.consortium.contact, today)
        planned.append((reminder, message, event))
    return planned


def _recipient(
    portfolio: Portfolio, ref: DocumentRef, role: SignatureRole
) -> tuple[str, str, str, str, str]:
    """Name, address, whose address it is, why (English), and why in the e-mail (Dutch)."""
    party = party_of(portfolio, ref, role.party)
    signatory = next(s for s in party.signatories if s.name == role.name)
    if signatory.email:
        return role.name, signatory.email, "signatory", "the signatory's own address", ""
    if isinstance(party, Hospital):
        # The data requires a hospital's legal contact (contacts.legal): it is always there.
        contact = party.contacts.legal
        source, whose = "contacts.legal", "the hospital's legal contact"
        als = "juridisch contactpersoon"
    elif isinstance(party, Consortium | Processor):
        contact = party.contact
        source, whose, als = "contact", f"{party.short_name}'s contact", "contactpersoon"
    else:  # pragma: no cover - every party kind is one of the above
        raise TypeError(f"no contact for {type(party).__name__}")
    reason = f"{whose}: the data has no e-mail address for {role.name}"
    dutch = (
        f"U ontvangt dit bericht als {als} van {party.short_name}, omdat in onze gegevens "
        f"geen e-mailadres van {role.name} staat. Wilt u de bijgevoegde PDF ter "
        f"ondertekening aan {role.name} voorleggen?"
    )
    return contact.name, contact.email, source, reason, dutch
