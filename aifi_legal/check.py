"""`aifi-legal check`: is every document still complete, consistent and legally covered?

The answer comes from the DOCX files as they are now (after a lawyer edited them in Word), read
as raw XML, and compared with what the clause library and the data say the document must hold.
Checks return findings as data; the caller decides what is fatal (the CLI: any error -> exit 1).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .assemble import REFERENCE_WORDS, AssembledDocument
from .docxread import DocxContent, NotADocx, normalise, read_docx
from .errors import AifiLegalError
from .kinds import KINDS

if TYPE_CHECKING:  # pragma: no cover
    from .build import Project

ERROR, WARNING, INFO = "error", "warning", "info"
LEVELS = (ERROR, WARNING, INFO)
CHECKLISTS = {
    "verwerkersovereenkomst": tuple(f"DPA-{n:02d}" for n in range(1, 30)),
    "dpia": tuple(f"DPIA-{n:02d}" for n in range(1, 25)),
}
LEFTOVER = re.compile(
    r"\{\{|\{%|%\}|\}\}|\[\s*invullen\s*\]|\[\s*[●•]\s*\]|\bXXX+\b|\bTODO\b|\bTBD\b"
    r"|\[\s*(?:\.\.\.|…)\s*\]|(?:^|\s)(?:\.\.\.|…)(?=\s|$)|lorem\s+ipsum", re.IGNORECASE)
# A reference such as "artikel 7" that is followed by the name of a law is not ours.
LAW_AFTER = re.compile(r"^[\s,]*(?:(?:lid|onder|sub|eerste|tweede|derde|vierde|vijfde|zesde|"
                       r"zevende|achtste|negende|tiende|[a-z]|\d+|\(\w+\))[\s,.]*)*"
                       r"(?:van\s+(?:de|het)\s+)?(?:AVG|UAVG|BW|Burgerlijk|Verordening|"
                       r"AI-verordening|MDR|Wet|wet|Besluit|Richtlijn|Uitvoeringswet|Wabvpz|"
                       r"WGBO|Grondwet|Rv|Awb|eIDAS|verordening|\(EU\)|Rijksdienst)")
REFERENCE = re.compile(r"\b(artikel|Artikel|hoofdstuk|Hoofdstuk|Bijlage|bijlage)\s+(\d+)\b")
HEADING = re.compile(r"^(?:(Artikel|Bijlage)\s+)?(\d+)\.\s+\S")


@dataclass(frozen=True)
class Finding:
    """One thing the legal workgroup must look at before signing."""

    level: str       # error, warning or info
    rule: str        # e.g. leftover, integrity.tracked-change, coverage.DPA-13
    document: str    # the file
    hospital: str | None
    kind: str | None
    location: str    # article, annex or paragraph: "artikel 7", "Bijlage 2", "titelpagina"
    part: str        # body, header, footer, footnote, endnote, text box, content control
    message: str
    fix: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class CheckReport:
    """The findings of one check run, and the coverage matrices it computed."""

    documents: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # document -> checklist item -> {"status": covered|changed|missing, "clauses": [...]}
    coverage: dict[str, dict[str, dict]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = Counter(f.level for f in self.findings)
        return {level: counts.get(level, 0) for level in LEVELS}

    def records(self) -> list[dict]:
        """One dict per finding, for `pandas.DataFrame(report.records())`."""
        return [f.as_dict() for f in self.findings]

    def to_json(self) -> str:
        """The stable JSON form: {version, documents, counts, findings, coverage}."""
        return json.dumps({"version": 1, "documents": self.documents, "counts": self.counts(),
                           "findings": self.records(), "coverage": self.coverage},
                          indent=2, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        """Grouped per hospital and document, for a terminal."""
        lines = []
        by_document: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            by_document[finding.document].append(finding)
        hospitals: dict[str, list[str]] = defaultdict(list)
        for document in self.documents:
            found = by_document.get(document, [])
            hospital = next((f.hospital for f in found if f.hospital), None) or \
                Path(document).parent.name
            hospitals[hospital].append(document)
        for hospital, documents in hospitals.items():
            lines.append(f"{hospital}")
            for document in documents:
                found = by_document.get(document, [])
                errors = sum(f.level == ERROR for f in found)
                warnings = sum(f.level == WARNING for f in found)
                status = "ok" if not found else f"{errors} error(s), {warnings} warning(s)"
                lines.append(f"  {Path(document).name}: {status}")
                for f in found:
                    where = ", ".join(x for x in (f.location, f.part if f.part != "body" else "")
                                      if x)
                    lines.append(f"    {f.level.upper():7} {f.rule} [{where}] {f.message}")
                    if f.fix:
                        lines.append(f"            fix: {f.fix}")
                matrix = self.coverage.get(document)
                if matrix:
                    marks = {"covered": "✓", "changed": "~", "missing": "✗"}
                    row = " ".join(f"{item.split('-')[1]}{marks[v['status']]}"
                                   for item, v in matrix.items())
                    lines.append(f"    coverage ({next(iter(matrix)).split('-')[0]}): {row}")
        counts = self.counts()
        lines.append(f"{len(self.documents)} document(s) checked: {counts[ERROR]} error(s), "
                     f"{counts[WARNING]} warning(s), {counts[INFO]} info.")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{k}</th>" for k in ("level", "rule", "document", "location",
                                                 "message"))
        rows = "".join("<tr>" + "".join(
            f"<td>{html.escape(str(getattr(f, k) if k != 'document' else Path(f.document).name))}"
            "</td>" for k in ("level", "rule", "document", "location", "message")) + "</tr>"
            for f in self.findings)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def __repr__(self) -> str:
        c = self.counts()
        return (f"<CheckReport {len(self.documents)} documents: {c[ERROR]} errors, "
                f"{c[WARNING]} warnings>")


# --- the checker --------------------------------------------------------------------------------

@dataclass
class _Target:
    """A generated document recognised by its id: what it should contain."""

    hospital_id: str
    kind: str
    processor_id: str | None
    expected: AssembledDocument
    context: dict


class Checker:
    def __init__(self, project: "Project"):
        self.project = project
        self.report = CheckReport()
        self._targets = project.document_index()
        self._facts: dict[str, list[tuple[str, dict]]] = defaultdict(list)

    def add(self, level: str, rule: str, document: Path, target: _Target | None, location: str,
            part: str, message: str, fix: str = "") -> None:
        self.report.findings.append(Finding(
            level, rule, str(document), target.hospital_id if target else None,
            target.kind if target else None, location, part, message, fix))

    def check_file(self, path: Path) -> None:
        self.report.documents.append(str(path))
        try:
            content = read_docx(path)
        except NotADocx as exc:
            self.add(ERROR, "integrity.not-docx", path, None, "", "file", str(exc),
                     "export the document from Word as .docx")
            return
        except OSError as exc:
            self.add(ERROR, "integrity.unreadable", path, None, "", "file",
                     f"cannot read the file: {exc.strerror or exc}")
            return
        target = self._target(content)
        self._integrity(content, target)
        self._leftovers(content, target)
        if target is None:
            self.add(ERROR, "required.document-id", path, None, "document properties", "file",
                     f"document id {content.document_id!r} is not one that aifi-legal generated "
                     "for the current data", "check the file against the data's hospitals, or "
                     "regenerate it with `aifi-legal build`")
            return
        self._required(content, target)
        self._clauses(content, target)
        self._structure(content, target)
        self._collect_facts(content, target)

    def _target(self, content: DocxContent) -> _Target | None:
        found = self._targets.get(content.document_id or "")
        if found is None:
            # Word keeps the footer; fall back to the id printed there.
            for paragraph in content.paragraphs:
                match = re.search(r"Document-id (AIFI-\S+)", paragraph.text)
                if match and match.group(1) in self._targets:
                    found = self._targets[match.group(1)]
                    break
        if found is None:
            return None
        hospital, kind, processor = found
        expected, context = self.project.assemble(kind, hospital, processor)
        return _Target(hospital.id, kind, processor.id if processor else None, expected, context)

    # Rule 2: integrity ---------------------------------------------------------------------

    def _integrity(self, content: DocxContent, target: _Target | None) -> None:
        for part, message in content.xml_errors:
            self.add(ERROR, "integrity.xml", content.path, target, part, "file",
                     f"{part} is not well-formed XML: {message}",
                     "open and save the document in Word, or regenerate it")
        for change in content.tracked_changes:
            self.add(ERROR, "integrity.tracked-change", content.path, target,
                     _location(change.heading, change.part), change.part,
                     f"tracked {change.kind}" + (f" by {change.author}" if change.author else "")
                     + (f": {change.text!r}" if change.text else ""),
                     "accept or reject every tracked change before signing")
        for author, text in content.comments:
            self.add(ERROR, "integrity.comment", content.path, target, "comments", "comment",
                     "open comment" + (f" by {author}" if author else "") + f": {text!r}",
                     "resolve and delete the comment before signing")

    # Rule 1: leftovers ---------------------------------------------------------------------

    def _leftovers(self, content: DocxContent, target: _Target | None) -> None:
        for paragraph in content.paragraphs:
            pieces = [(paragraph.text, paragraph.container)]
            if paragraph.control_text and not paragraph.in_content_control:
                outside = paragraph.text.replace(paragraph.control_text, " ")
                pieces = [(outside, paragraph.container),
                          (paragraph.control_text, "content control")]
            for text, container in pieces:
                for match in LEFTOVER.finditer(text):
                    self.add(ERROR, "leftover", content.path, target,
                             _location(paragraph.heading, paragraph.part), container,
                             f"fill-in marker or template syntax {match.group(0).strip()!r} in "
                             f"{_quote(paragraph.text)}",
                             "replace the marker with the final text")

    # Rule 3: required data -----------------------------------------------------------------

    def _required(self, content: DocxContent, target: _Target) -> None:
        path = content.path
        body_text = normalise(" ".join(p.text for p in content.body()))
        title = [p for p in content.body() if p.heading is None]
        if not any(re.search(r"Versie \S+ van \d{1,2} \w+ \d{4}", p.text) for p in title):
            self.add(ERROR, "required.date", path, target, "titelpagina", "body",
                     "the title page does not state the version and its date",
                     "restore the line 'Versie ... van <datum>' on the title page")
        partijen = [c for c in target.expected.clauses if c.clause.head.section == "partijen"]
        for rendered in partijen:
            text = content.clause_text(rendered.clause.id)
            for party in KINDS[target.kind].parties:
                data = target.context[party]
                for label, value in (("legal name", data["legal_name"]), ("KvK number",
                                                                          data["kvk"])):
                    if value not in text:
                        self.add(ERROR, "required.parties", path, target, "partijen", "body",
                                 f"the parties do not state the {label} {value!r} of "
                                 f"{data['legal_name']}", "restore the comparitie")
            if text.count("vertegenwoordigd door") < len(KINDS[target.kind].parties):
                self.add(ERROR, "required.parties", path, target, "partijen", "body",
                         "a party's representation (vertegenwoordigd door ...) is missing",
                         "restore who represents each party and in which capacity")
        signature = next((t for t in content.tables
                          if t and t[0] and any("Naam:" in cell for cell in t[0])), None)
        if signature is None:
            self.add(ERROR, "required.signatures", path, target, "ondertekening", "body",
                     "the signature table is missing", "regenerate the document")
        else:
            cells = " ".join(signature[0])
            for party in KINDS[target.kind].parties:
                for signatory in target.context[party]["signatories"]:
                    for label, value in (("Naam", signatory["name"]),
                                         ("Functie", signatory["function"]),
                                         ("Bevoegdheid", signatory["capacity"])):
                        if f"{label}: {normalise(value)}" not in cells:
                            self.add(ERROR, "required.signatures", path, target,
                                     "ondertekening", "body",
                                     f"signatory {signatory['name']} lacks '{label}: {value}'",
                                     "restore the signatory's name, function and authority")
        for rendered in target.expected.section("bijlage"):
            if rendered.clause.id not in content.clause_order and rendered.heading and \
                    normalise(rendered.heading) not in body_text:
                self.add(ERROR, "required.annex", path, target, f"Bijlage {rendered.number}",
                         "body", f"annex {rendered.heading!r} is missing",
                         f"restore clause {rendered.clause.id} or regenerate the document")

    # Rule 4: clauses and legal coverage ----------------------------------------------------

    def _clauses(self, content: DocxContent, target: _Target) -> None:
        path = content.path
        present = set(content.clause_order)
        changed = set()
        for rendered in target.expected.clauses:
            clause_id = rendered.clause.id
            where = _clause_location(rendered)
            if clause_id not in present:
                if rendered.clause.head.section != "bijlage":  # annexes: required.annex
                    self.add(ERROR, "structure.missing-clause", path, target, where, "body",
                             f"clause {clause_id} ({rendered.clause.head.title}) is missing",
                             "restore the clause, or record why it was removed and regenerate")
                continue
            if content.clause_text(clause_id) != rendered.plain_text():
                changed.add(clause_id)
                self.add(INFO, "review.changed-clause", path, target, where, "body",
                         f"clause {clause_id} ({rendered.clause.head.title}) differs from the "
                         "library text", "review the change; bring it into the clause library "
                         "if it should apply to every hospital")
        unknown = [c for c in content.clause_order if c not in
                   {r.clause.id for r in target.expected.clauses}]
        for clause_id in unknown:
            self.add(WARNING, "structure.unexpected-clause", path, target, clause_id, "body",
                     f"clause {clause_id} does not belong in this hospital's {target.kind}",
                     "remove it, or check the hospital's data (chosen solutions)")
        items = CHECKLISTS.get(target.kind)
        if not items:
            return
        matrix = {}
        for item in items:
            carriers = [r.clause.id for r in target.expected.clauses if item in r.clause.head.tags]
            intact = [c for c in carriers if c in present and c not in changed]
            edited = [c for c in carriers if c in present and c in changed]
            status = "covered" if intact else "changed" if edited else "missing"
            matrix[item] = {"status": status, "clauses": carriers}
            if status == "missing":
                self.add(ERROR, f"coverage.{item}", path, target, item, "body",
                         f"{item} is not covered: " + (
                             f"clause(s) {', '.join(carriers)} were removed" if carriers else
                             "no clause in the library covers it"),
                         "restore the clause that covers it")
            elif status == "changed":
                self.add(WARNING, f"coverage.{item}", path, target, item, "body",
                         f"{item} is covered only by changed clause(s) {', '.join(edited)}",
                         "have a lawyer confirm the changed text still covers the item")
        self.report.coverage[str(path)] = matrix

    # Rule 5: structure ---------------------------------------------------------------------

    def _structure(self, content: DocxContent, target: _Target) -> None:
        path = content.path
        headings = [normalise(p.text) for p in content.body()
                    if p.style and p.style.lower() in ("heading 1", "aifi bijlagekop")
                    and p.text.strip()]
        numbers: dict[str, set[str]] = {"artikel": set(), "bijlage": set(), "hoofdstuk": set()}
        seen: Counter = Counter()
        for heading in headings:
            seen[heading] += 1
            match = HEADING.match(heading)
            if match:
                word = (match.group(1) or ("hoofdstuk" if target.kind == "dpia" else "")).lower()
                if word in numbers:
                    key = f"{word} {match.group(2)}"
                    if match.group(2) in numbers[word]:
                        self.add(ERROR, "structure.duplicate-number", path, target, key, "body",
                                 f"{key} occurs more than once", "renumber the articles")
                    numbers[word].add(match.group(2))
        for heading, count in seen.items():
            if count > 1:
                self.add(ERROR, "structure.duplicate-heading", path, target, heading, "body",
                         f"heading {heading!r} occurs {count} times", "merge or rename")
        # References: every "artikel N" of ours must point at an existing heading.
        for paragraph in content.body():
            if paragraph.style and paragraph.style.lower() in ("heading 1", "aifi bijlagekop"):
                continue
            for match in REFERENCE.finditer(paragraph.text):
                word, number = match.group(1).lower(), match.group(2)
                # A report has chapters and an agreement articles; the other word always
                # points at a law ("artikel 35 AVG" in the DPIA).
                if word == ("artikel" if target.kind == "dpia" else "hoofdstuk"):
                    continue
                if number in numbers.get(word, set()):
                    continue
                if LAW_AFTER.match(paragraph.text[match.end():match.end() + 80]):
                    continue
                self.add(ERROR, "structure.broken-reference", path, target,
                         _location(paragraph.heading, "body"), "body",
                         f"{match.group(0)} is referred to in {_quote(paragraph.text)} but does "
                         "not exist", "correct the reference or restore the article")
        # Defined terms (Dutch form "In deze ... wordt verstaan onder:" and "a. Term: ...").
        definitions = next((r for r in target.expected.clauses if r.clause.head.definitions),
                           None)
        if definitions is None:
            return
        defined = {}
        for paragraph in content.paragraphs:
            if paragraph.clause == definitions.clause.id:
                match = re.match(r"^\s*[a-z]{1,2}\.\s+([^:]{1,80}):", paragraph.text)
                if match:
                    defined[match.group(1).strip()] = paragraph
        body = content.body()
        outside = normalise(" ".join(p.text for p in body
                                     if p.clause != definitions.clause.id))
        all_terms = {term for clause in self.project.library.for_kind(target.kind)
                     for term in clause.head.defines}
        where = _clause_location(definitions)
        for term in sorted(defined):
            # Used anywhere but in its own definition (other definitions count as use).
            elsewhere = normalise(" ".join(p.text for p in body if p is not defined[term]))
            if not _term_pattern(term).search(elsewhere):
                self.add(WARNING, "structure.unused-term", path, target, where, "body",
                         f"defined term {term!r} is not used outside the definitions",
                         "remove the definition or use the term")
        for term in sorted(all_terms - set(defined)):
            if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", outside):
                self.add(WARNING, "structure.undefined-term", path, target,
                         _location(None, "body"), "body",
                         f"term {term!r} is used but not defined", "restore its definition")

    # Rule 6: consistency per hospital ------------------------------------------------------

    def _collect_facts(self, content: DocxContent, target: _Target) -> None:
        text = normalise(" ".join(p.text for p in content.paragraphs))
        portfolio = self.project.portfolio
        hospital = target.context["ziekenhuis"]
        facts: dict[str, object] = {}
        comparitie = next((content.clause_text(r.clause.id) for r in target.expected.clauses
                           if r.clause.head.section == "partijen"), "")
        source = comparitie or text
        start = source.find(hospital["legal_name"])
        if start >= 0:
            segment = source[start:start + 600]
            kvk = re.search(r"onder nummer (\d{8})", segment)
            address = re.search(r"kantoorhoudende (?:aan (?:de |het )?|op het adres )(.+?), "
                                r"ingeschreven", segment)
            # A document that does not state a fact (the DPIA has no comparitie) is not
            # compared on it; a missing comparitie is reported by required.parties.
            if kvk:
                facts["KvK number"] = kvk.group(1)
            if address:
                facts["address"] = address.group(1)
        facts["legal name"] = hospital["legal_name"] if hospital["legal_name"] in text else None
        signature = next((t for t in content.tables
                          if t and t[0] and any("Naam:" in cell for cell in t[0])), None)
        if signature is not None:
            column = signature[0][0]
            # Documents are compared when the data has the same people sign them; a proxy
            # limited to some kinds makes a separate group.
            everyone = self.project.portfolio.hospital(target.hospital_id).signatories
            label = "representatives" if [s["name"] for s in hospital["signatories"]] == \
                [s.name for s in everyone] else f"representatives signing the {target.kind}"
            facts[label] = tuple(sorted(re.findall(r"Naam: (.+?) / Functie", column)))
        vendors = {s.vendor.legal_name for s in portfolio.solutions}
        hosting = {p.hosting.legal_name for p in portfolio.processors}
        if target.kind != "intentieverklaring":
            facts["AI vendors"] = tuple(sorted(v for v in vendors if v in text))
        if target.kind in ("verwerkersovereenkomst", "dpia"):
            facts["sub-processors"] = tuple(sorted(v for v in vendors | hosting if v in text))
            facts["processors"] = tuple(sorted(p.legal_name for p in portfolio.processors
                                               if p.legal_name in text))
        self._facts[target.hospital_id].append((str(content.path), facts))

    def consistency(self) -> None:
        for hospital, documents in self._facts.items():
            keys = {key for _, facts in documents for key in facts}
            for key in sorted(keys):
                values = {path: facts[key] for path, facts in documents if key in facts}
                distinct = set(values.values())
                if len(distinct) <= 1:
                    continue
                majority = Counter(values.values()).most_common(1)[0][0]
                for path, value in values.items():
                    if value != majority:
                        self.report.findings.append(Finding(
                            ERROR, "consistency", path, hospital, None, key, "body",
                            f"{key} is {_show(value)} here but {_show(majority)} in the "
                            "hospital's other documents",
                            "make the documents agree, or regenerate them from the data"))


def check(project: "Project", paths: Iterable[str | Path] = (), *,
          out: str | Path | None = None) -> CheckReport:
    """Check DOCX files: the given `paths`, or every DOCX under `out` (OUT/<hospital>/*.docx)."""
    files = [Path(p) for p in paths]
    if out is not None:
        out = Path(out)
        if not out.is_dir():
            raise AifiLegalError(f"output folder {out} does not exist",
                                 hint="build the documents first with `aifi-legal build`")
        files += sorted(p for p in out.glob("*/*.docx") if p.parent.name != "model")
    if not files:
        raise AifiLegalError("no documents to check",
                             hint="give DOCX files, or --out with a folder of built documents")
    checker = Checker(project)
    for path in files:
        if not path.exists():
            raise AifiLegalError(f"{path} does not exist")
        checker.check_file(path)
    checker.consistency()
    return checker.report


def _term_pattern(term: str) -> re.Pattern:
    """A defined term, allowing Dutch inflection of each word (Ziekenhuis -> Ziekenhuizen)."""
    words = term.split()
    parts = [re.escape(w[:max(4, len(w) - 2)]) + r"[\w-]*" if len(w) > 4 else re.escape(w)
             for w in words]
    return re.compile(r"(?<![\w-])" + r"\s+".join(parts))


def _location(heading: str | None, part: str) -> str:
    if heading:
        match = re.match(r"^(Artikel \d+|Bijlage \d+|\d+)\.", heading)
        if match:
            label = match.group(1)
            return label[0].lower() + label[1:] if label.startswith("Artikel") else label
        return heading[0].lower() + heading[1:]  # "partijen", "overwegingen"
    return "titelpagina" if part == "body" else part


def _clause_location(rendered) -> str:
    section = rendered.clause.head.section
    if section in REFERENCE_WORDS:
        return f"{REFERENCE_WORDS[section]} {rendered.number}"
    return section


def _quote(text: str, width: int = 90) -> str:
    text = normalise(text)
    return repr(text if len(text) <= width else text[:width - 1] + "…")


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]" if value else "[]"
    return repr(value)
