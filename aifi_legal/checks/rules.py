"""The rules `check` applies to a DOCX as it is now, each a function returning findings.

A rule reads the document (`word.reader.DocxContent`) and, for a recognised document, the
`Target`: what the clause library and the data say the document must hold.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..assembly.assemble import REFERENCE_WORDS, AssembledDocument, RenderedClause
from ..documents import CHECKLISTS, DocumentRef
from ..inputs.parties import Party
from ..textdiff import word_changes
from ..word.conventions import (
    AUTHORITY,
    FUNCTION,
    NAME,
    NUMBERED_HEADING_STYLES,
    is_signature_table,
    labelled,
)
from ..word.reader import DocxContent, normalise
from .findings import ERROR, INFO, WARNING, Finding, Level

LEFTOVER = re.compile(
    r"\{\{|\{%|%\}|\}\}|\[\s*invullen\s*\]|\[\s*[●•]\s*\]|\bXXX+\b|\bTODO\b|\bTBD\b"
    r"|\[\s*(?:\.\.\.|…)\s*\]|(?:^|\s)(?:\.\.\.|…)(?=\s|$)|lorem\s+ipsum", re.IGNORECASE)
# A reference such as "artikel 7" that is followed by the name of a law is not ours.
LAW_AFTER = re.compile(r"^[\s,]*(?:(?:lid|onder|sub|eerste|tweede|derde|vierde|vijfde|zesde|"
                       r"zevende|achtste|negende|tiende|[a-z]|\d+|\(\w+\))[\s,.]*)*"
                       r"(?:van\s+(?:de|het)\s+)?(?:AVG|UAVG|BW|Burgerlijk|Verordening|"
                       r"AI-verordening|MDR|Wet|wet|Besluit|Richtlijn|Uitvoeringswet|Wabvpz|"
                       r"WGBO|Grondwet|Rv|Awb|eIDAS|verordening|\(EU\)|Rijksdienst)")
# How far after a reference the name of a law may follow, in characters.
LAW_LOOKAHEAD = 80
REFERENCE = re.compile(r"\b(artikel|Artikel|hoofdstuk|Hoofdstuk|Bijlage|bijlage)\s+(\d+)\b")
HEADING = re.compile(r"^(?:(Artikel|Bijlage)\s+)?(\d+)\.\s+\S")
DEFINITION = re.compile(r"^\s*[a-z]{1,2}\.\s+([^:]{1,80}):")
FOOTER_ID = re.compile(r"Document-id (AIFI-\S+)")
# The comparitie states a party's KvK number and address within this many characters after
# its name.
COMPARITIE_SPAN = 600
QUOTE_WIDTH = 90

Facts = dict[str, object]


@dataclass(frozen=True)
class Target:
    """A generated document recognised by its id: what it should contain."""

    ref: DocumentRef
    expected: AssembledDocument
    parties: dict[str, Party]    # by the document's party key: ziekenhuis, aifi, verwerker
    terms: frozenset[str] = field(default_factory=frozenset)  # every term the kind may define

    @property
    def hospital_id(self) -> str:
        """The hospital the document is for."""
        return self.ref.hospital_id or ""


def finding(level: Level, rule: str, content: DocxContent, target: Target | None,
            location: str, part: str, message: str, fix: str = "") -> Finding:
    """A finding on one document, with the hospital and kind when it was recognised."""
    return Finding(level, rule, str(content.path), target.hospital_id if target else None,
                   target.ref.kind if target else None, location, part, message, fix)


def target_id(content: DocxContent, known: set[str] | dict[str, DocumentRef]) -> str | None:
    """The document id of a file: its properties, or the footer Word keeps when they are lost."""
    if content.document_id in known:
        return content.document_id
    for paragraph in content.paragraphs:
        match = FOOTER_ID.search(paragraph.text)
        if match and match.group(1) in known:
            return match.group(1)
    return None


def integrity(content: DocxContent, target: Target | None) -> list[Finding]:
    """Parts that are not XML, tracked changes and open comments in a document for signing."""
    found = []
    for part, message in content.xml_errors:
        found.append(finding(ERROR, "integrity.xml", content, target, part, "file",
                             f"{part} is not well-formed XML: {message}",
                             "open and save the document in Word, or regenerate it"))
    for change in content.tracked_changes:
        found.append(finding(ERROR, "integrity.tracked-change", content, target,
                             _location(change.heading, change.part), change.part,
                             f"tracked {change.kind}" +
                             (f" by {change.author}" if change.author else "") +
                             (f": {change.text!r}" if change.text else ""),
                             "accept or reject every tracked change before signing"))
    for rule, part, message in content.hazards:
        found.append(finding(ERROR, rule, content, target, part, "file", message,
                             "save the document as a plain .docx without macros, embedded "
                             "objects or linked templates"))
    for author, text in content.comments:
        found.append(finding(ERROR, "integrity.comment", content, target, "comments", "comment",
                             "open comment" + (f" by {author}" if author else "") +
                             f": {text!r}", "resolve and delete the comment before signing"))
    return found


def leftovers(content: DocxContent, target: Target | None) -> list[Finding]:
    """Template syntax and fill-in markers anywhere, content controls and text boxes included."""
    found = []
    for paragraph in content.paragraphs:
        pieces = [(paragraph.text, paragraph.container)]
        if paragraph.control_text and not paragraph.in_content_control:
            outside = paragraph.text.replace(paragraph.control_text, " ")
            pieces = [(outside, paragraph.container),
                      (paragraph.control_text, "content control")]
        for text, container in pieces:
            for match in LEFTOVER.finditer(text):
                found.append(finding(ERROR, "leftover", content, target,
                                     _location(paragraph.heading, paragraph.part), container,
                                     f"fill-in marker or template syntax "
                                     f"{match.group(0).strip()!r} in {_quote(paragraph.text)}",
                                     "replace the marker with the final text"))
    return found


def required(content: DocxContent, target: Target) -> list[Finding]:
    """The version date, the parties, each signatory's name, function and authority, annexes."""
    found = []
    kind = target.ref.kind
    body_text = normalise(" ".join(p.text for p in content.body()))
    title = [p for p in content.body() if p.heading is None]
    if not any(re.search(r"Versie \S+ van \d{1,2} \w+ \d{4}", p.text) for p in title):
        found.append(finding(ERROR, "required.date", content, target, "titelpagina", "body",
                             "the title page does not state the version and its date",
                             "restore the line 'Versie ... van <datum>' on the title page"))
    for rendered in target.expected.section("partijen"):
        text = content.clause_text(rendered.clause.id)
        for party in target.parties.values():
            for label, value in (("legal name", party.legal_name), ("KvK number", party.kvk)):
                if value not in text:
                    found.append(finding(ERROR, "required.parties", content, target,
                                         "partijen", "body",
                                         f"the parties do not state the {label} {value!r} of "
                                         f"{party.legal_name}", "restore the comparitie"))
        if text.count("vertegenwoordigd door") < len(target.parties):
            found.append(finding(ERROR, "required.parties", content, target, "partijen", "body",
                                 "a party's representation (vertegenwoordigd door ...) is "
                                 "missing",
                                 "restore who represents each party and in which capacity"))
    signature = signature_table(content)
    if not target.expected.context["document"]["signed"]:
        found.extend(_draft_for_advice(content, target, body_text, signature is not None))
    elif signature is None:
        found.append(finding(ERROR, "required.signatures", content, target, "ondertekening",
                             "body", "the signature table is missing", "regenerate the document"))
    else:
        cells = " ".join(signature[0])
        for party in target.parties.values():
            for signatory in party.signatories_for(kind):
                for label, value in ((NAME, signatory.name), (FUNCTION, signatory.function),
                                     (AUTHORITY, signatory.capacity)):
                    if labelled(label, normalise(value)) not in cells:
                        found.append(finding(
                            ERROR, "required.signatures", content, target, "ondertekening",
                            "body", f"signatory {signatory.name} lacks "
                            f"'{labelled(label, value)}'",
                            "restore the signatory's name, function and authority"))
    for rendered in target.expected.section("bijlage"):
        if rendered.clause.id not in content.clause_order and rendered.heading and \
                normalise(rendered.heading) not in body_text:
            found.append(finding(ERROR, "required.annex", content, target,
                                 f"Bijlage {rendered.number}", "body",
                                 f"annex {rendered.heading!r} is missing",
                                 f"restore clause {rendered.clause.id} or regenerate the "
                                 "document"))
    return found


# Wording that adopts or signs a DPIA; a draft for the FG's advice must not contain it.
ADOPTION_WORDING = re.compile(r"aldus vastgesteld|stelt als verwerkingsverantwoordelijke deze "
                              r"DPIA .{0,80}vast|Datum: _{4,}", re.IGNORECASE)


def _draft_for_advice(content: DocxContent, target: Target, body_text: str,
                      has_signature_table: bool) -> list[Finding]:
    """A DPIA still awaiting the FG's advice is neither adopted nor signed."""
    found = []
    fix = ("record the FG's advice in the data (dpia.advice_date) and build the version for "
           "adoption, or remove the adoption from the draft")
    if has_signature_table:
        found.append(finding(ERROR, "required.signatures", content, target, "ondertekening",
                             "body", "the draft for the FG's advice carries a signature table",
                             fix))
    match = ADOPTION_WORDING.search(body_text)
    if match:
        found.append(finding(ERROR, "required.draft", content, target, "ondertekening", "body",
                             f"the draft for the FG's advice adopts the DPIA: "
                             f"{match.group(0)!r}", fix))
    return found


def clauses(content: DocxContent, target: Target,
            coverage: dict[str, dict[str, object]]) -> list[Finding]:
    """Missing, changed and unexpected clauses, and the checklist coverage they leave.

    Fills `coverage` with the kind's checklist items (covered, changed or missing).
    """
    found = []
    present = set(content.clause_order)
    changed = set()
    for rendered in target.expected.clauses:
        clause_id = rendered.clause.id
        where = clause_location(rendered)
        if clause_id not in present:
            if rendered.clause.head.section != "bijlage":  # annexes: required.annex
                found.append(finding(ERROR, "structure.missing-clause", content, target, where,
                                     "body", f"clause {clause_id} ({rendered.clause.head.title})"
                                     " is missing", "restore the clause, or record why it was "
                                     "removed and regenerate"))
            continue
        now, library_text = content.clause_text(clause_id), rendered.plain_text()
        if now != library_text:
            changed.add(clause_id)
            found.append(finding(INFO, "review.changed-clause", content, target, where, "body",
                                 f"clause {clause_id} ({rendered.clause.head.title}) differs "
                                 f"from the library text: {word_changes(library_text, now)}",
                                 "review the change; bring it into the clause library if it "
                                 "should apply to every hospital"))
    expected = {r.clause.id for r in target.expected.clauses}
    for clause_id in (c for c in content.clause_order if c not in expected):
        found.append(finding(WARNING, "structure.unexpected-clause", content, target, clause_id,
                             "body", f"clause {clause_id} does not belong in this hospital's "
                             f"{target.ref.kind}",
                             "remove it, or check the hospital's data (chosen solutions)"))
    for item in CHECKLISTS.get(target.ref.kind, ()):
        carriers = [r.clause.id for r in target.expected.clauses if item in r.clause.head.tags]
        intact = [c for c in carriers if c in present and c not in changed]
        edited = [c for c in carriers if c in present and c in changed]
        status = "covered" if intact else "changed" if edited else "missing"
        coverage[item] = {"status": status, "clauses": carriers}
        if status == "missing":
            found.append(finding(ERROR, f"coverage.{item}", content, target, item, "body",
                                 f"{item} is not covered: " + (
                                     f"clause(s) {', '.join(carriers)} were removed"
                                     if carriers else "no clause in the library covers it"),
                                 "restore the clause that covers it"))
        elif status == "changed":
            found.append(finding(WARNING, f"coverage.{item}", content, target, item, "body",
                                 f"{item} is covered only by changed clause(s) "
                                 f"{', '.join(edited)}",
                                 "have a lawyer confirm the changed text still covers the item"))
    return found


def structure(content: DocxContent, target: Target) -> list[Finding]:
    """Duplicate numbers and headings, broken references, unused and undefined terms."""
    found = []
    kind = target.ref.kind
    headings = [normalise(p.text) for p in content.body() if _numbered_heading(p.style)
                and p.text.strip()]
    numbers: dict[str, set[str]] = {"artikel": set(), "bijlage": set(), "hoofdstuk": set()}
    seen: Counter[str] = Counter()
    for heading in headings:
        seen[heading] += 1
        match = HEADING.match(heading)
        if match:
            word = (match.group(1) or ("hoofdstuk" if kind == "dpia" else "")).lower()
            if word in numbers:
                key = f"{word} {match.group(2)}"
                if match.group(2) in numbers[word]:
                    found.append(finding(ERROR, "structure.duplicate-number", content, target,
                                         key, "body", f"{key} occurs more than once",
                                         "renumber the articles"))
                numbers[word].add(match.group(2))
    for heading, count in seen.items():
        if count > 1:
            found.append(finding(ERROR, "structure.duplicate-heading", content, target, heading,
                                 "body", f"heading {heading!r} occurs {count} times",
                                 "merge or rename"))
    # References: every "artikel N" of ours must point at an existing heading.
    for paragraph in content.body():
        if _numbered_heading(paragraph.style):
            continue
        for match in REFERENCE.finditer(paragraph.text):
            word, number = match.group(1).lower(), match.group(2)
            # A report has chapters and an agreement articles; the other word always
            # points at a law ("artikel 35 AVG" in the DPIA).
            if word == ("artikel" if kind == "dpia" else "hoofdstuk"):
                continue
            if number in numbers.get(word, set()):
                continue
            if LAW_AFTER.match(paragraph.text[match.end():match.end() + LAW_LOOKAHEAD]):
                continue
            found.append(finding(ERROR, "structure.broken-reference", content, target,
                                 _location(paragraph.heading, "body"), "body",
                                 f"{match.group(0)} is referred to in {_quote(paragraph.text)} "
                                 "but does not exist",
                                 "correct the reference or restore the article"))
    return found + _terms(content, target)


def _terms(content: DocxContent, target: Target) -> list[Finding]:
    """Defined terms (Dutch form: "a. Term: ...") not used, and used terms not defined."""
    definitions = next((r for r in target.expected.clauses if r.clause.head.definitions), None)
    if definitions is None:
        return []
    found = []
    defined = {}
    for paragraph in content.paragraphs:
        if paragraph.clause == definitions.clause.id:
            match = DEFINITION.match(paragraph.text)
            if match:
                defined[match.group(1).strip()] = paragraph
    body = content.body()
    outside = normalise(" ".join(p.text for p in body if p.clause != definitions.clause.id))
    where = clause_location(definitions)
    for term in sorted(defined):
        # Used anywhere but in its own definition (other definitions count as use).
        elsewhere = normalise(" ".join(p.text for p in body if p is not defined[term]))
        if not _term_pattern(term).search(elsewhere):
            found.append(finding(WARNING, "structure.unused-term", content, target, where,
                                 "body", f"defined term {term!r} is not used outside the "
                                 "definitions", "remove the definition or use the term"))
    for term in sorted(target.terms - set(defined)):
        if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", outside):
            found.append(finding(WARNING, "structure.undefined-term", content, target,
                                 _location(None, "body"), "body",
                                 f"term {term!r} is used but not defined",
                                 "restore its definition"))
    return found


def signature_table(content: DocxContent) -> list[list[str]] | None:
    """The document's signature table as rows of cell texts, if it has one."""
    return next((t for t in content.tables if t and t[0] and is_signature_table(t[0])), None)


def _numbered_heading(style: str | None) -> bool:
    return style is not None and style.lower() in NUMBERED_HEADING_STYLES


def _term_pattern(term: str) -> re.Pattern[str]:
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


def clause_location(rendered: RenderedClause) -> str:
    """Where a clause is, as a reader names it: `artikel 7`, `Bijlage 2`, `partijen`."""
    section = rendered.clause.head.section
    if section in REFERENCE_WORDS:
        return f"{REFERENCE_WORDS[section]} {rendered.number}"
    return section


def _quote(text: str, width: int = QUOTE_WIDTH) -> str:
    text = normalise(text)
    return repr(text if len(text) <= width else text[:width - 1] + "…")


def show(value: object) -> str:
    """A stated fact for a message: a list in brackets, anything else quoted."""
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]" if value else "[]"
    return repr(value)

