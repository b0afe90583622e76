"""After signing: what a change of the data or the clause library requires of a signed set.

Per hospital, what it signed (the register and the signed originals, in its folder or in
`archief/`) is compared, clause by clause, with what the current data and clause library
produce. Each changed provision gets its consequence: an amendment of the agreement (one
article of a *wijzigingsovereenkomst* per provision), a notice of a new or changed
sub-processor with the date until which the hospital may object, a review of the DPIA, or,
when a party itself changed, a new version of the document. A change that needs nothing says
so. The redline of each affected document and the change report are written to
`OUT/<hospital>/wijzigingen/<NNN>-<date>/`.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..assembly.clauses import ClauseLibrary
from ..assembly.record import document_record
from ..documents import AMENDMENT_FOLDER, CHANGE_REPORT, KINDS, NOTICE_SUFFIX, DocumentRef
from ..errors import UsageError
from ..output.build import build as build_documents
from ..output.files import sha256_of, sha256_text, write_atomic
from ..output.lock import folder_lock
from ..output.manifest import (
    MANIFEST_FILE,
    amendment_entries,
    amendment_manifest,
    amendment_ref,
    manifest_entries,
)
from ..output.signable import signable_pdf
from ..output.signed import signed_index
from ..pdf import convert_to_pdf
from ..register.ledger import Event, Register
from ..source import DocumentSource
from ..word.conventions import DOCUMENT_TIME
from ..word.reader import normalise, read_docx
from ..word.render import render_docx
from .addendum import SIGNING_TITLE, Addendum, Change, addendum_document, signed_readings
from .changes import ClauseChange
from .diff import REDLINE_SUFFIX, DocumentDiff, _by_stem, _compare, _signed_originals
from .dpia_note import affected_risks, dpia_note_docx
from .notice import notice_docx
from .plan import (
    AMENDABLE,
    AMENDMENT,
    DPIA_REVIEW,
    NEW_VERSION,
    NOTICE,
    AmendmentPlan,
    HospitalAmendments,
    Notice,
    Provision,
    covering,
)
from .redline import redline

AUTHOR = "aifi-legal"


def plan_amendments(
    source: DocumentSource,
    register: Register,
    out: str | Path = "out",
    *,
    hospitals: str | tuple[str, ...] | list[str] = (),
    group: int | None = None,
    today: date | None = None,
    effective: date | None = None,
    pdf: bool = False,
    write: bool = True,
) -> AmendmentPlan:
    """Compare what each hospital signed with the current inputs; see `Project.amend`."""
    out = Path(out)
    if not out.is_dir():
        raise UsageError(f"{out} is not a folder", argument="out", value=str(out))
    when = today or _today()
    chosen = source.select(hospitals, group)
    plan = AmendmentPlan(when)
    originals = signed_index(register)
    # The day each signed document received its last signature: the recitals name it.
    state = register.state()
    signed_on: dict[str, date] = {}
    for (_, document_id), latest in state.items():
        days = [e.date for e in latest.values() if e.event == "signed"]
        if days:
            signed_on[document_id] = max(days)
    writing = _Writing(when, effective, signed_on, state, pdf)
    with tempfile.TemporaryDirectory(prefix="aifi-amend-") as scratch:
        current = Path(scratch) / "out"
        # The current inputs of the hospitals that signed something, built where nothing is
        # signed: the register is an empty one.
        signing = [h.id for h in chosen if h.id in originals]
        if signing:
            build_documents(
                source, Register(Path(scratch) / "leeg-register.jsonl"), current, hospitals=signing
            )
        # Exclusive when writing: two runs never take the same numbered folder.
        with folder_lock(out, shared=not write):
            for hospital in chosen:
                plan.hospitals.append(
                    _plan_hospital(
                        source,
                        hospital.id,
                        _signed_originals(out / hospital.id, originals.get(hospital.id)),
                        _by_stem(manifest_entries(current / hospital.id), current / hospital.id),
                        _by_stem(manifest_entries(out / hospital.id), out / hospital.id),
                        writing,
                        out / hospital.id / AMENDMENT_FOLDER if write else None,
                        amendment_entries(out / hospital.id),
                    )
                )
    return plan


def _plan_hospital(
    source: DocumentSource,
    hospital: str,
    signed: dict[str, dict[str, Any]],
    current: dict[str, dict[str, Any]],
    built: dict[str, dict[str, Any]],
    writing: _Writing,
    folder: Path | None,
    existing: list[tuple[Path, dict[str, Any]]],
) -> HospitalAmendments:
    when = writing.when
    result = HospitalAmendments(hospital, signed=sorted(signed))
    diffs: list[DocumentDiff] = []
    for stem in sorted(signed):
        diff = _compare(hospital, stem, signed[stem], current.get(stem), set(), None, "")
        if diff.kind == "intentieverklaring" and "deelnameovereenkomst" in signed:
            # The intention statement led to the participation agreement, which is signed:
            # it is not amended or signed again.
            if diff.changes:
                result.superseded.append(stem)
            continue
        diffs.append(diff)
        if diff.new_path is None:  # the document is no longer part of the set
            result.new_versions.append(stem)
            continue
        if not _same_parties(source, hospital, stem, diff):
            result.new_versions.append(stem)
        readings, as_signed = _readings(source, hospital, stem, diff)
        texts = {clause: sha256_text(text) for clause, text in readings.items()}
        for change in diff.changes:
            clause = change.clause or ""
            if clause in readings and readings[clause] == as_signed.get(clause):
                continue  # only its numbers moved: the addendum keeps the signed ones
            provision = _provision(source.library, stem, diff.kind, change)
            if provision is None:
                continue
            earlier = covering(provision, signed[stem], texts, existing, writing.state)
            if earlier:
                result.covered.append(f"{change.article}: in {earlier}")
            else:
                result.provisions.append(provision)
    for provision in result.provisions:
        if NEW_VERSION in provision.consequences and provision.document not in result.new_versions:
            result.new_versions.append(provision.document)
        if NOTICE in provision.consequences and not any(
            n.document == provision.document for n in result.notices
        ):
            result.notices.append(_notice(source, provision.document, when))
        if DPIA_REVIEW in provision.consequences:
            title = KINDS[provision.kind].title if provision.kind in KINDS else provision.document
            result.dpia_review.append(f"{title}, {provision.change.article}")
    if result.dpia_review:
        # Compared with the DPIA as signed, or else as last built in OUT.
        base = signed.get("dpia") or built.get("dpia")
        if base is not None and "dpia" in current:
            diff = _compare(hospital, "dpia", base, current["dpia"], set(), None, "")
            result.dpia_chapters = list(dict.fromkeys(c.article for c in diff.changes if c.clause))
            result.dpia_base = diff.old_id
            if diff.old_path and diff.new_path:
                result.dpia_risks = affected_risks(diff.old_path, diff.new_path)
    if folder is not None and result.needed:
        result = _write(source, result, diffs, folder, writing)
    return result


def _provision(
    library: ClauseLibrary, stem: str, kind: str | None, change: ClauseChange
) -> Provision | None:
    """The consequence of one changed passage, or None for one that needs nothing."""
    if change.clause is None:
        # Text outside the clauses is presentation derived from them and the data: the title
        # page (the document's own version and date), the table of contents, the signature
        # table and the headers and footers. None of it is a provision; the
        # wijzigingsovereenkomst names the signed version itself.
        return None
    clause = library.clauses.get(change.clause)
    section = clause.head.section if clause else None
    if section in ("partijen", "ondertekening"):
        return None  # who the parties are is checked apart; who signs is already done
    if change.old_version and change.new_version and change.old_version != change.new_version:
        why = f"clause {change.clause} {change.old_version} -> {change.new_version}"
    elif change.change == "changed":
        why = f"the data in clause {change.clause} (same clause version)"
    else:
        why = f"clause {change.clause} {change.change}"
    if kind == "dpia":
        consequences: tuple[str, ...] = (DPIA_REVIEW,)
    elif kind in AMENDABLE:
        consequences = (AMENDMENT,)
    else:
        consequences = (NEW_VERSION,)
    if clause is not None:
        consequences += tuple(c for c in clause.head.after_signing if c not in consequences)
    return Provision(stem, kind, change, consequences, why)


def _same_parties(source: DocumentSource, hospital: str, stem: str, diff: DocumentDiff) -> bool:
    """Whether the signed document names every current party by its legal name and KvK."""
    if diff.old_path is None:
        return True
    signed = normalise(" ".join(p.text for p in read_docx(diff.old_path).body()))
    portfolio = source.portfolio
    processor = _processor_of(stem)
    by_key: dict[str, list[Any]] = {
        "ziekenhuis": [portfolio.hospital(hospital)],
        "aifi": [portfolio.consortium],
        "verwerker": [p for p in portfolio.processors if p.id == processor],
    }
    keys = KINDS[diff.kind].parties if diff.kind in KINDS else ("ziekenhuis",)
    return all(
        normalise(str(party.legal_name)) in signed and str(party.kvk) in signed
        for key in keys
        for party in by_key.get(key, [])
    )


def _notice(source: DocumentSource, stem: str, when: date) -> Notice:
    processor = next(p for p in source.portfolio.processors if p.id == _processor_of(stem))
    # The processor agreement: objection within objection_days of the notice; without a timely
    # objection the sub-processor may start once the notice term has passed.
    objection_until = when + timedelta(days=processor.objection_days)
    notice_ends = when + timedelta(days=processor.subprocessor_notice_days)
    earliest = max(notice_ends, objection_until + timedelta(days=1))
    return Notice(stem, processor.legal_name, when, objection_until, earliest)


def _write(
    source: DocumentSource,
    result: HospitalAmendments,
    diffs: list[DocumentDiff],
    folder: Path,
    writing: _Writing,
) -> HospitalAmendments:
    """The documents, the redlines and the change report, in the next numbered folder."""
    when = writing.when
    taken = sorted(p.name for p in folder.glob("[0-9][0-9][0-9]-*")) if folder.is_dir() else []
    number = int(taken[-1][:3]) + 1 if taken else 1
    target = folder / f"{number:03d}-{when.isoformat()}"
    stamp = datetime.combine(when, DOCUMENT_TIME)
    redlines = []
    for diff in diffs:
        if diff.changes and diff.old_path and diff.new_path:
            # Built on the signed original: what the lawyer signed, with the change tracked.
            data, _ = redline(
                diff.old_path.read_bytes(), diff.new_path.read_bytes(), author=AUTHOR, when=stamp
            )
            path = target / f"{diff.stem}{REDLINE_SUFFIX}"
            write_atomic(path, data)
            redlines.append(path)
    result.folder, result.redlines = target, redlines
    originals = {diff.stem: diff.old_path for diff in diffs if diff.old_path}
    for index, notice in enumerate(result.notices):
        data, document_id = notice_docx(
            source,
            result.hospital,
            _processor_of(notice.document),
            originals[notice.document],
            notice,
            number,
        )
        path = target / f"{notice.document}{NOTICE_SUFFIX}.docx"
        write_atomic(path, data)
        result.notices[index] = replace(notice, path=path, document_id=document_id)
    if result.dpia_review:
        base_id = result.dpia_base or source.ref(result.hospital, "dpia").id
        data, document_id = dpia_note_docx(
            source,
            result.hospital,
            result.dpia_review,
            result.dpia_chapters,
            result.dpia_risks,
            base_id,
            number,
            when,
        )
        result.dpia_note = target / "dpia-herbeoordeling.docx"
        result.dpia_note_id = document_id
        write_atomic(result.dpia_note, data)
    entries = []
    for stem, provisions in result.amendments().items():
        addendum, entry = _addendum(
            source,
            result,
            stem,
            provisions,
            originals[stem],
            target,
            writing,
        )
        result.addenda.append(addendum)
        entries.append(entry)
    if entries and writing.pdf:
        _pdfs(source, result.hospital, target, entries)
    if entries:
        write_atomic(target / MANIFEST_FILE, amendment_manifest(source, result.hospital, entries))
    write_atomic(target / f"{CHANGE_REPORT}.txt", (result.to_text() + "\n").encode())
    as_json = json.dumps(result.record(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(target / f"{CHANGE_REPORT}.json", as_json.encode())
    return result


@dataclass(frozen=True)
class _Writing:
    """What the documents of a plan are dated with."""

    when: date  # the plan's date: the documents' date and the notice's assumed sending day
    effective: date | None  # the day an addendum takes effect (None: its last signature)
    signed_on: dict[str, date]  # document id -> the day of its last signature
    state: dict[tuple[str, str], dict[str, Event]]  # the register replayed
    pdf: bool = False  # also a PDF of each addendum, with its signature fields


def _pdfs(
    source: DocumentSource, hospital: str, target: Path, entries: list[dict[str, Any]]
) -> None:
    """Each addendum as a PDF to sign (LibreOffice, then our properties and fields)."""
    with tempfile.TemporaryDirectory(prefix="aifi-amend-pdf-") as scratch:
        docx = {target / e["file"]: e for e in entries}
        converted = convert_to_pdf(list(docx), Path(scratch) / "pdf", work_dir=Path(scratch))
        for path, entry in docx.items():
            ref = amendment_ref(hospital, target, entry)
            data, entry["pdf"] = signable_pdf(
                source,
                ref,
                converted[path].read_bytes(),
                {
                    **entry["expected"]["document"],
                    "date": date.fromisoformat(entry["expected"]["document"]["date"]),
                    "signature_title": SIGNING_TITLE,
                },
                source_sha256=entry["sha256"],
                draft=False,
            )
            write_atomic(target / ref.pdf_name, data)


def _addendum(
    source: DocumentSource,
    result: HospitalAmendments,
    stem: str,
    provisions: list[Provision],
    signed_docx: Path,
    target: Path,
    writing: _Writing,
) -> tuple[Addendum, dict[str, Any]]:
    """The wijzigingsovereenkomst to one signed agreement, written, and its manifest entry."""
    kind = provisions[0].kind or ""
    processor = _processor_of(stem) if KINDS[kind].per_processor else None
    current = source.ref(result.hospital, kind, processor)
    readings, _ = signed_readings(source, current, signed_docx)
    texts = {clause: sha256_text(text) for clause, text in readings.items()}
    base_id = read_docx(signed_docx).document_id or current.id
    ref = DocumentRef(
        kind, result.hospital, base_id.rsplit("-V", 1)[-1], processor, amendment=target.name
    )
    document, amends, numbering = addendum_document(
        source,
        current,
        [
            Change(
                p.change.clause,
                p.change.change,
                p.change.article,
                p.change.old_version != p.change.new_version,
            )
            for p in provisions
        ],
        signed_docx,
        document_id=ref.id,
        signed_on=writing.signed_on.get(base_id),
        when=writing.when,
        effective=writing.effective,
        notice=next((n for n in result.notices if n.document == stem), None),
    )
    data = render_docx(source.workspace.templates / KINDS[kind].template, document)
    path = target / ref.file_name
    write_atomic(path, data)
    addendum = Addendum(stem, ref.id, base_id, writing.signed_on.get(base_id), amends, path)
    entry = {
        "kind": kind,
        "hospital": result.hospital,
        "processor": processor,
        "file": ref.file_name,
        "document_id": ref.id,
        "sha256": sha256_of(path),
        "pdf": None,
        "amendment": {"base_id": base_id, "folder": target.name},
        # What each provision reads after the addendum: a later run finds it covered.
        "provisions": {p.change.clause: texts.get(p.change.clause or "", "") for p in provisions},
        "expected": document_record(document),
        "numbering": list(numbering),
    }
    return addendum, entry


def _readings(
    source: DocumentSource, hospital: str, stem: str, diff: DocumentDiff
) -> tuple[dict[str, str], dict[str, str]]:
    """An amendable agreement's clauses as they read now and as signed (see signed_readings)."""
    if diff.kind not in AMENDABLE or not diff.old_path or not diff.changes:
        return {}, {}
    processor = _processor_of(stem) if KINDS[diff.kind].per_processor else None
    return signed_readings(source, source.ref(hospital, diff.kind, processor), diff.old_path)


def _processor_of(stem: str) -> str:
    """The processor id in a processor agreement's file stem (verwerkersovereenkomst-<id>)."""
    return stem.removeprefix("verwerkersovereenkomst-")


def _today() -> date:
    return date.today()
