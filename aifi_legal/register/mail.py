"""The reminder e-mail: what one holds, its Dutch text, and its bytes as an .eml file.

Values from the data are literal text: a name with a line break or a comma never starts a
header or adds a recipient (headers are built from `email.headerregistry.Address`, after every
line break and control character becomes a space). The same reminder gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from ..assembly.formatting import datum
from ..documents import DocumentRef
from ..inputs.models import Portfolio
from ..inputs.parties import Person
from ..names import name_key
from .roles import SignatureRole, party_of

SIGNED_STEP, PENDING_STEP = "signed", "pending"


@dataclass(frozen=True)
class SigningStep:
    """One signatory in a document's signing order, and whether they have signed."""

    order: int  # 1 signs first; the same number signs in any order
    party: str  # the party's short name, e.g. AIFI
    name: str
    function: str
    field_name: str
    state: str  # signed or pending
    signed_on: date | None = None


@dataclass(frozen=True)
class Reminder:
    """One e-mail: the document, whose turn it is, to whom it goes and why, and its file."""

    hospital: str
    kind: str
    document: str  # the PDF's file name
    document_id: str
    version: str
    signatory: str  # whose turn it is
    field_name: str  # the PDF field they sign in
    recipient_name: str
    recipient_email: str
    address_from: str  # signatory, contacts.legal or contact: whose address the data gave
    address_reason: str
    signing_order: tuple[SigningStep, ...]
    due: date  # the last day of the legal pillar for the hospital's group
    overdue: bool
    last_reminded: date | None  # the latest sent event before this run
    subject: str
    attachment: Path
    eml: Path


def document_title(portfolio: Portfolio, ref: DocumentRef) -> str:
    """`Deelnameovereenkomst AIFI – Linde & Eik`: the document, its other party, the hospital."""
    hospital = portfolio.hospital(ref.hospital_id or "")
    others = [p for p in ref.document_kind.parties if p != "ziekenhuis"]
    other = f" {party_of(portfolio, ref, others[0]).short_name}" if others else ""
    return f"{ref.document_kind.title}{other} – {hospital.short_name}"


def subject_line(portfolio: Portfolio, ref: DocumentRef) -> str:
    """`Ter ondertekening: Deelnameovereenkomst AIFI – Linde & Eik (versie 1.0)`."""
    return f"Ter ondertekening: {document_title(portfolio, ref)} (versie {ref.version})"


def body_text(
    portfolio: Portfolio,
    ref: DocumentRef,
    reminder: Reminder,
    role: SignatureRole,
    forward: str,
) -> str:
    """The e-mail's text, in Dutch: what, whose turn, the order, by when, how to sign."""
    aifi = portfolio.consortium
    hospital = portfolio.hospital(reminder.hospital)
    parties = [party_of(portfolio, ref, p).legal_name for p in ref.document_kind.parties]
    own = not forward  # written to the signatory, not to a contact who forwards it
    steps = []
    for s in reminder.signing_order:
        if s.state == SIGNED_STEP and s.signed_on:
            state = f"ondertekend op {datum(s.signed_on)}"
        else:
            state = "nu aan de beurt" if s.order == role.order else "daarna"
        steps.append(f"  {s.order}. {s.name}, {s.function} ({s.party}): {state}")
    party = party_of(portfolio, ref, role.party).legal_name
    turn = (
        f"U bent nu aan de beurt om te ondertekenen, als {role.function} "
        f"({role.capacity}) namens {party}."
        if own
        else f"Nu is {role.name}, {role.function}, aan de beurt om te ondertekenen. {forward}"
    )
    group = hospital.group
    due = (
        f"Wij vragen u het document uiterlijk op {datum(reminder.due)} te "
        f"{'ondertekenen' if own else 'laten ondertekenen'}: die dag eindigt de juridische "
        f"fase van implementatiegroep {group}."
    )
    if reminder.overdue:
        due += " Die datum is verstreken; wij vragen u daarom om spoed."
    between = " en ".join(parties) if len(parties) > 1 else parties[0]
    contact = aifi.contact
    phone = f", {contact.phone}" if contact.phone else ""
    lines = [
        f"Geachte {reminder.recipient_name},",
        "",
        f"Namens het programma {aifi.short_name} sturen wij u ter ondertekening:",
        "",
        f"  {document_title(portfolio, ref)}",
        f"  tussen {between}" if len(parties) > 1 else f"  van {between}",
        f"  versie {reminder.version}, documentnummer {reminder.document_id}",
        f"  bijlage: {reminder.document}",
        "",
        turn,
        "",
        "Volgorde van ondertekening (wie hetzelfde nummer heeft, tekent in willekeurige "
        "volgorde):",
        *steps,
        "",
        due,
        "",
        "Zo wordt het document ondertekend:",
        "  1. Open de bijgevoegde PDF in een programma voor elektronisch ondertekenen.",
        "  2. Zet een gekwalificeerde of geavanceerde elektronische handtekening in het "
        f'handtekeningveld op naam van {role.name} (veld {role.field_name}), boven "Naam: '
        f'{role.name}". Een getypte naam of een afbeelding van een handtekening is geen '
        "elektronische handtekening.",
        "  3. Wijzig verder niets aan de PDF: voeg geen tekst, opmerkingen of andere velden "
        "toe, en druk hem niet af naar een nieuwe PDF.",
        f"  4. Stuur de ondertekende PDF ongewijzigd terug aan {contact.email}. Wij "
        "controleren bij ontvangst of alleen de handtekening is toegevoegd.",
        "",
        f"Heeft u vragen, neem dan contact op met {contact.name}, {contact.email}{phone}.",
        "",
        "Met vriendelijke groet,",
        "",
        contact.name,
        contact.function,
        aifi.legal_name,
    ]
    return "\n".join(lines) + "\n"


def eml_bytes(
    reminder: Reminder, body: str, attachment: bytes, sender: Person, today: date
) -> bytes:
    """The .eml bytes: headers from the data as literal text, the body, the PDF attached."""
    key = f"{reminder.document_id}\n{reminder.signatory}\n{today.isoformat()}".encode()
    digest = hashlib.sha256(key).hexdigest()
    domain = sender.email.rpartition("@")[2]
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(header_text(sender.name), addr_spec=sender.email)
    message["To"] = Address(
        header_text(reminder.recipient_name), addr_spec=reminder.recipient_email
    )
    message["Subject"] = header_text(reminder.subject)
    message["Date"] = format_datetime(amsterdam_nine(today))
    message["Message-ID"] = f"<{digest[:32]}@{domain}>"
    message["X-Unsent"] = "1"  # a mail program opens it as a message to send
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    message.add_attachment(
        attachment, maintype="application", subtype="pdf", filename=reminder.document
    )
    # "=_" never occurs in quoted-printable or base64 text: a safe, fixed boundary.
    message.set_boundary(f"=_aifi-legal-{digest[32:56]}")
    return message.as_bytes()


def header_text(value: str) -> str:
    """A value from the data as one line of header text: no line break starts a header."""
    return " ".join(
        "".join(" " if unicodedata.category(c)[0] == "C" else c for c in value).split()
    )


def amsterdam_nine(day: date) -> datetime:
    """09:00 in Amsterdam on `day`, with the EU's summer time rule (no tz database needed)."""

    def last_sunday(month: int) -> date:
        end = date(day.year, month, 31)
        return end - timedelta(days=(end.weekday() + 1) % 7)

    summer = last_sunday(3) <= day < last_sunday(10)
    return datetime(
        day.year, day.month, day.day, 9, tzinfo=timezone(timedelta(hours=2 if summer else 1))
    )


_ASCII = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "þ": "th"})


def file_slug(name: str, fallback: str) -> str:
    """A signatory's name as part of a file name: `drs. Bart van 't Veld` -> `bart-van-t-veld`."""
    words = [re.sub(r"[^a-z0-9]+", "", w.translate(_ASCII)) for w in name_key(name)]
    slug = "-".join(w for w in words if w)[:60].strip("-")
    return slug or fallback
