"""`check`: whether every document is still complete, consistent and legally covered.

The answer comes from the DOCX files as they are now (after a lawyer edited them in Word), read
as raw XML, and compared with what the clause library and the data say the document must hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from ..assembly.record import document_from_record
from ..documents import KINDS, MODEL_FOLDER
from ..errors import NotADocx, UsageError
from ..inputs.parties import Party
from ..output.manifest import amendment_entries, amendment_ref, manifest_entries
from ..register.roles import party_of
from ..source import DocumentSource
from ..word.reader import DocxContent, read_docx
from . import clause_rules, consistency, rules
from .consistency import Terms
from .findings import ERROR, CheckReport
from .rules import Facts, Target


def check(
    source: DocumentSource, paths: Iterable[str | Path] = (), *, out: str | Path | None = None
) -> CheckReport:
    """Check DOCX files: the given `paths`, or every DOCX under `out` (OUT/<hospital>/*.docx)."""
    files = [Path(p) for p in paths]
    if out is not None:
        out = Path(out)
        if not out.is_dir():
            raise UsageError(
                f"output folder {out} does not exist",
                argument="out",
                value=str(out),
                hint="build the documents first",
            )
        files += sorted(p for p in out.glob("*/*.docx") if p.parent.name != MODEL_FOLDER)
        # The addenda `amend` wrote (not its redlines and letters, which nobody signs).
        files += [
            folder / entry["file"]
            for hospital in sorted(p for p in out.iterdir() if p.is_dir())
            for folder, entry in amendment_entries(hospital)
            if (folder / entry["file"]).is_file()
        ]
    if not files:
        raise UsageError(
            "no documents to check",
            argument="paths",
            hint="give DOCX files, or out= with a folder of built documents",
        )
    for path in files:
        if not path.exists():
            raise UsageError(f"{path} does not exist", argument="paths", value=str(path))
    index = source.document_index()
    report = CheckReport()
    stated: dict[str, list[tuple[str, Facts]]] = defaultdict(list)
    terms: dict[str, list[tuple[str, Terms]]] = defaultdict(list)
    for path in files:
        report.documents.append(str(path))
        try:
            content = read_docx(path)
        except NotADocx as exc:
            report.findings.append(
                rules.Finding(
                    ERROR,
                    "integrity.not-docx",
                    str(path),
                    None,
                    None,
                    "",
                    "file",
                    exc.message,
                    "export the document from Word as .docx",
                )
            )
            continue
        except OSError as exc:
            report.findings.append(
                rules.Finding(
                    ERROR,
                    "integrity.unreadable",
                    str(path),
                    None,
                    None,
                    "",
                    "file",
                    f"cannot read the file: {exc.strerror or exc}",
                    "",
                )
            )
            continue
        found = rules.target_id(content, index)
        target = (
            _target(source, index[found])
            if found
            else _addendum_target(source, path, content, out)
        )
        report.findings += rules.integrity(content, target) + rules.leftovers(content, target)
        if target is None:
            report.findings.append(
                rules.finding(
                    ERROR,
                    "required.document-id",
                    content,
                    None,
                    "document properties",
                    "file",
                    f"document id {content.document_id!r} is not one that aifi-legal generated "
                    "for the current data",
                    "check the file against the data's hospitals, or "
                    "regenerate it with `aifi-legal build`",
                )
            )
            continue
        report.recognised[str(path)] = {
            "hospital": target.hospital_id,
            "kind": target.ref.kind,
            "document_id": target.ref.id,
        }
        report.findings += rules.required(content, target)
        coverage: dict[str, dict[str, object]] = {}
        report.findings += clause_rules.clauses(content, target, coverage)
        if coverage:
            report.coverage[str(path)] = coverage
        report.findings += clause_rules.structure(content, target)
        changed_terms, stated_terms = consistency.terms(content, target)
        report.findings += changed_terms
        if target.ref.amendment:
            # An addendum states the new facts; the agreement it amends, the old ones, until
            # it is signed. Each is held to the data, not to the other.
            continue
        terms[target.hospital_id].append((str(path), stated_terms))
        stated[target.hospital_id].append(
            (str(path), consistency.facts(content, target, source.portfolio))
        )
    for hospital, documents in stated.items():
        report.findings += consistency.consistency(hospital, documents)
    for hospital, stated_by_document in terms.items():
        report.findings += consistency.term_consistency(hospital, stated_by_document)
    return report


def _addendum_target(
    source: DocumentSource, path: Path, content: DocxContent, out: Path | None
) -> Target | None:
    """An addendum is checked against what `amend` wrote, kept in its folder's manifest.

    Its text was made against the agreement as signed, so it cannot be made again from the
    current inputs; its parties and signatories are those of the current data. It is found
    beside the file, or by its id among the addenda under `out` (a copy saved elsewhere).
    """
    known = {h.id for h in source.portfolio.hospitals}
    found = [(path.parent, manifest_entries(path.parent).get(path.name) or {})]
    if out is not None:
        found += [
            (folder, entry) for h in sorted(known) for folder, entry in amendment_entries(out / h)
        ]
    for folder, entry in found:
        if not isinstance(entry.get("amendment"), dict):
            continue
        hospital = str(entry.get("hospital"))
        if entry.get("document_id") != content.document_id or hospital not in known:
            continue
        try:
            expected = document_from_record(entry["expected"])
        except (KeyError, ValueError):
            return None
        ref = amendment_ref(hospital, folder, entry)
        base = _target(source, ref.base)
        numbering = frozenset(str(n).lower() for n in entry.get("numbering", []))
        return Target(ref, expected, base.parties, base.terms, numbering)
    return None


def _target(source: DocumentSource, ref: rules.DocumentRef) -> Target:
    parties: dict[str, Party] = {
        key: party_of(source.portfolio, ref, key) for key in KINDS[ref.kind].parties
    }
    terms = frozenset(
        term for clause in source.library.for_kind(ref.kind) for term in clause.head.defines
    )
    return Target(ref, source.assemble(ref), parties, terms)
