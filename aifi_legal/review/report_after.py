"""The report's part after signing: addenda to sign, sub-processor notices, DPIA reviews due.

Per implementation group, in Dutch like the rest of the page: which hospitals still have to
sign a wijzigingsovereenkomst, who may still object to a sub-processor and until when, which
sub-processor is blocked, and which DPIA the FG still has to review. Every value is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from ..assembly.formatting import datum
from ..register.notices import BY_SILENCE, NOT_SENT, OBJECTED, OPEN, NoticeStatus
from ..register.status import PARTLY, READY, DocumentStatus, StatusReport

# The colour of a notice's state (accepted explicitly: signed).
NOTICE_CLASSES = {NOT_SENT: "concept", OPEN: "ready", OBJECTED: "problem", BY_SILENCE: "signed"}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def after_signing(
    status: StatusReport,
    addenda: list[DocumentStatus],
    hospitals: set[str],
    name_of: Callable[[str], str],
    labels: dict[str, tuple[str, str]],
) -> str:
    """The addenda, the sub-processor notices and the DPIA reviews due of the group's hospitals.

    `labels`: a document state as the page says it, and the class that colours it.
    """
    notices = [n for n in status.notices if n.hospital in hospitals]
    reviews = [r for r in status.dpia_reviews if r.hospital in hospitals and r.due]
    if not notices and not reviews and not addenda:
        return (
            "<p>Geen wijzigingsovereenkomsten, geen kennisgevingen van subverwerkers en geen "
            "herbeoordeling van de DPIA.</p>\n"
        )
    signing = "".join(
        f"<tr><td>{_e(name_of(d.hospital))}</td><td>{_e(d.document_id)}</td>"
        f"<td>{_e(d.amends)}</td>"
        f'<td class="state {labels.get(d.status, (d.status, "none"))[1]}">'
        f"{_e(labels.get(d.status, (d.status,))[0])}</td>"
        f"<td>{_e(', '.join(d.missing) if d.status in (PARTLY, READY) else '-')}</td></tr>"
        for d in addenda
    )
    amendments = (
        "<table>\n<caption>Wijzigingsovereenkomsten na ondertekening</caption>\n"
        '<thead><tr><th scope="col">Ziekenhuis</th><th scope="col">Wijzigingsovereenkomst</th>'
        '<th scope="col">Wijzigt</th><th scope="col">Stand</th>'
        f'<th scope="col">Nog te tekenen door</th></tr></thead>\n<tbody>{signing}</tbody>\n'
        "</table>\n"
        if addenda
        else ""
    )
    rows = "".join(
        f"<tr><td>{_e(name_of(n.hospital))}</td><td>{_e(n.document_id)}</td>"
        f"<td>{_e(', '.join(n.subprocessors) or '-')} (via {_e(n.processor)})</td>"
        f'<td class="state {NOTICE_CLASSES.get(n.state, "signed")}">'
        f"{_e(_notice_state(name_of, n))}</td><td>{_e(datum(n.objection_until))}</td>"
        f"<td>{_e(datum(n.earliest_start))}</td><td>{_e(_notice_flag(status.today, n))}</td></tr>"
        for n in notices
    )
    table = (
        "<table>\n<caption>Kennisgevingen van subverwerkers na ondertekening</caption>\n"
        '<thead><tr><th scope="col">Ziekenhuis</th><th scope="col">Kennisgeving</th>'
        '<th scope="col">Subverwerker</th><th scope="col">Stand</th>'
        '<th scope="col">Bezwaar tot en met</th><th scope="col">Verwerking vanaf</th>'
        f'<th scope="col">Let op</th></tr></thead>\n<tbody>{rows}</tbody>\n</table>\n'
    )
    items = "".join(
        f"<li>{_e(name_of(r.hospital))}: {_e(r.note)} (wijziging van "
        f"{_e(datum(r.dated))}): {_e('; '.join(r.triggers))}</li>"
        for r in reviews
    )
    due = f"<h3>Herbeoordeling van de DPIA nodig</h3>\n<ul>{items}</ul>\n" if reviews else ""
    return amendments + (table if notices else "") + due


def _notice_state(name_of: Callable[[str], str], n: NoticeStatus) -> str:
    """Where a notice stands, in Dutch: who may still object, until when, or who objected."""
    name = name_of(n.hospital)
    if n.state == OPEN:
        return f"{name} kan bezwaar maken tot en met {datum(n.objection_until)}"
    if n.state == OBJECTED:
        return f"GEBLOKKEERD: {name} maakte bezwaar ({n.reason})"
    if n.state == NOT_SENT:
        return f"niet verzonden (gedateerd {datum(n.dated)}; termijnen voorlopig)"
    if n.state == BY_SILENCE:
        return f"stilzwijgend aanvaard op {datum(n.accepted_on or n.objection_until)}"
    return f"aanvaard op {datum(n.accepted_on or n.dated)}"


def _notice_flag(today: date, n: NoticeStatus) -> str:
    """The warning of a notice (see register.notices._flag), in Dutch; '-' without one."""
    if not n.flag or n.planned_start is None:
        return "-"
    why = f"de subverwerker mag pas verwerken vanaf {datum(n.earliest_start)}"
    if n.blocked:
        why = "het ziekenhuis maakte bezwaar"
    elif n.state == NOT_SENT and today >= n.planned_start:
        why = "de kennisgeving is niet verzonden"
    return f"gebruik gepland vanaf {datum(n.planned_start)} (klinische fase), maar {why}"
