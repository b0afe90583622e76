"""`check`: whether every document is still complete, consistent and legally covered.

The answer comes from the DOCX files as they are now (after a lawyer edited them in Word), read
as raw XML, and compared with what the clause library and the data say the document must hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assembly.record import document_from_record
from ..documents import CHECKLISTS, KINDS, MODEL_FOLDER
from ..errors import NotADocx, UsageError
from ..inputs.parties import Party
from ..output.inputs import Inputs
from ..output.manifest import amendment_entries, amendment_ref, manifest_entries
from ..parallel import forked_map, workers_for
from ..register.roles import party_of
from ..source import DocumentSource
from ..word.reader import DocxContent, read_docx
from . import clause_rules, consistency, rules
from .consistency import Terms
from .findings import ERROR, CheckReport
from .rules import Facts, Target


def check(
    source: DocumentSource,
    paths: Iterable[str | Path] = (),
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
) -> CheckReport:
    """Check DOCX files: the given `paths`, or every DOCX under `out` (OUT/<hospital>/*.docx).

    `jobs`: worker processes that read the files (default: one per CPU, see parallel).
    """
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
    out_dir = None if out is None else Path(out)
    inputs = Inputs(source)
    built = {path: _as_built(inputs, index, path) for path in files}
    checked = _read_all(source, index, [p for p in files if built[p] is None], out_dir, jobs)
    # A hospital with a document that is not as built has all its documents read, so that
    # theirs are compared with it; the other documents are what the build wrote and verified
    # from the current inputs, which check has nothing to say about.
    read = {c.hospital for c in checked.values() if c.hospital}
    as_built = {p: record for p, record in built.items() if record is not None}
    siblings = [p for p, (ref, _) in as_built.items() if ref.hospital_id in read]
    checked.update(_read_all(source, index, siblings, out_dir, jobs))
    for path, (ref, entry) in as_built.items():
        if path not in checked:
            checked[path] = _from_build(source, path, ref, entry)
    report = CheckReport()
    stated: dict[str, list[tuple[str, Facts]]] = defaultdict(list)
    terms: dict[str, list[tuple[str, Terms]]] = defaultdict(list)
    for path in files:
        result = checked[path]
        report.documents.append(str(path))
        report.findings += result.findings
        if result.recognised:
            report.recognised[str(path)] = result.recognised
        if result.coverage:
            report.coverage[str(path)] = result.coverage
        if result.hospital and result.facts is not None and result.terms is not None:
            terms[result.hospital].append((str(path), result.terms))
            stated[result.hospital].append((str(path), result.facts))
    for hospital, documents in stated.items():
        report.findings += consistency.consistency(hospital, documents)
    for hospital, stated_by_document in terms.items():
        report.findings += consistency.term_consistency(hospital, stated_by_document)
    return report


@dataclass
class _Checked:
    """What check found in one file, and what it states for comparing with its siblings."""

    findings: list[rules.Finding] = field(default_factory=list)
    recognised: dict[str, str] = field(default_factory=dict)
    coverage: dict[str, dict[str, object]] = field(default_factory=dict)
    hospital: str | None = None
    facts: Facts | None = None  # None: not compared (an addendum, or not read)
    terms: Terms | None = None


def _read_all(
    source: DocumentSource,
    index: dict[str, rules.DocumentRef],
    paths: list[Path],
    out: Path | None,
    jobs: int | None,
) -> dict[Path, _Checked]:
    """Read and check each file, in worker processes when there are enough of them."""
    workers = workers_for(jobs, len(paths))
    if workers <= 1:
        return {path: _check_file(source, index, path, out) for path in paths}
    results = forked_map(lambda path: _check_file(source, index, path, out), paths, workers)
    return {
        path: result if result is not None else _check_file(source, index, path, out)
        for path, result in zip(paths, results, strict=True)
    }


def _as_built(
    inputs: Inputs, index: dict[str, rules.DocumentRef], path: Path
) -> tuple[rules.DocumentRef, dict[str, Any]] | None:
    """The document and its manifest entry, when the file is as the build wrote it.

    That is: its sha256 is the manifest's (which the build verified), and its inputs are the
    current ones, so that it says what a build would write now.
    """
    entry = manifest_entries(path.parent).get(path.name)
    ref = index.get(str((entry or {}).get("document_id")))
    if entry is None or ref is None or ref.path(path.parent.parent) != path:
        return None
    if not inputs.unchanged(ref, path.parent, entry):
        return None
    return ref, entry


def _from_build(
    source: DocumentSource, path: Path, ref: rules.DocumentRef, entry: dict[str, Any]
) -> _Checked:
    """A document as built: recognised, its checklist covered by the clauses it contains."""
    result = _Checked(
        recognised={"hospital": ref.hospital_id or "", "kind": ref.kind, "document_id": ref.id},
        hospital=None,  # as built, it says what its siblings as built say: nothing to compare
    )
    clauses = [str(c.get("id")) for c in entry.get("clauses") or []]
    library = source.library.clauses
    for item in CHECKLISTS.get(ref.kind, ()):
        carriers = [c for c in clauses if c in library and item in library[c].head.tags]
        status = "covered" if carriers else "missing"
        result.coverage[item] = {"status": status, "clauses": carriers}
        if not carriers:  # the library lacks it: say so as a read document would
            return _check_file(source, source.document_index(), path, None)
    return result


def _check_file(
    source: DocumentSource, index: dict[str, rules.DocumentRef], path: Path, out: Path | None
) -> _Checked:
    """Read one file and check it against what it should contain."""
    result = _Checked()
    try:
        content = read_docx(path)
    except NotADocx as exc:
        result.findings.append(
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
        return result
    except OSError as exc:
        result.findings.append(
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
        return result
    found = rules.target_id(content, index)
    if found:
        target: Target | None = _target(source, index[found])
    else:  # an addendum amend wrote: checked against what it wrote
        target = _addendum_target(source, path, content, out)
    result.findings += rules.integrity(content, target) + rules.leftovers(content, target)
    if target is None:
        result.findings.append(
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
        return result
    result.recognised = {
        "hospital": target.hospital_id,
        "kind": target.ref.kind,
        "document_id": target.ref.id,
    }
    result.findings += rules.required(content, target)
    result.findings += clause_rules.clauses(content, target, result.coverage)
    result.findings += clause_rules.structure(content, target)
    changed_terms, stated_terms = consistency.terms(content, target)
    result.findings += changed_terms
    result.hospital = target.hospital_id
    if target.ref.amendment:
        # An addendum states the new facts; the agreement it amends, the old ones, until it
        # is signed. Each is held to the data, not to the other.
        return result
    result.terms = stated_terms
    result.facts = consistency.facts(content, target, source.portfolio)
    return result


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
