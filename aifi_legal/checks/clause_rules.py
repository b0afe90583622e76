"""The rules on a document's clauses: present, unchanged, numbered, referred to, defined.

Each is a function of the document as it is now and its `Target`, returning findings.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from ..documents import CHECKLISTS
from ..textdiff import word_changes
from ..word.conventions import NUMBERED_HEADING_STYLES
from ..word.reader import DocxContent, normalise
from .findings import ERROR, INFO, WARNING, Finding
from .rules import Target, clause_location, finding, location_of, quote

# A reference such as "artikel 7" that is followed by the name of a law is not ours.
LAW_AFTER = re.compile(
    r"^[\s,]*(?:(?:lid|onder|sub|eerste|tweede|derde|vierde|vijfde|zesde|"
    r"zevende|achtste|negende|tiende|[a-z]|\d+|\(\w+\))[\s,.]*)*"
    r"(?:van\s+(?:de|het)\s+)?(?:AVG|UAVG|BW|Burgerlijk|Verordening|"
    r"AI-verordening|MDR|Wet|wet|Besluit|Richtlijn|Uitvoeringswet|Wabvpz|"
    r"WGBO|Grondwet|Rv|Awb|eIDAS|verordening|\(EU\)|Rijksdienst)"
)
# How far after a reference the name of a law may follow, in characters.
LAW_LOOKAHEAD = 80
REFERENCE = re.compile(r"\b(artikel|Artikel|hoofdstuk|Hoofdstuk|Bijlage|bijlage)\s+(\d+)\b")
HEADING = re.compile(r"^(?:(Artikel|Bijlage)\s+)?(\d+)\.?\s+\S")
DEFINITION = re.compile(r"^\s*[a-z]{1,2}\.\s+([^:]{1,80}):")


def clauses(
    content: DocxContent, target: Target, coverage: dict[str, dict[str, object]]
) -> list[Finding]:
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
                found.append(
                    finding(
                        ERROR,
                        "structure.missing-clause",
                        content,
                        target,
                        where,
                        "body",
                        f"clause {clause_id} ({rendered.clause.head.title}) is missing",
                        "restore the clause, or record why it was removed and regenerate",
                    )
                )
            continue
        now, library_text = content.clause_text(clause_id), rendered.plain_text()
        if now != library_text:
            changed.add(clause_id)
            found.append(
                finding(
                    INFO,
                    "review.changed-clause",
                    content,
                    target,
                    where,
                    "body",
                    f"clause {clause_id} ({rendered.clause.head.title}) differs "
                    f"from the library text: {word_changes(library_text, now)}",
                    "review the change; bring it into the clause library if it "
                    "should apply to every hospital",
                )
            )
    expected = {r.clause.id for r in target.expected.clauses}
    for clause_id in (c for c in content.clause_order if c not in expected):
        found.append(
            finding(
                WARNING,
                "structure.unexpected-clause",
                content,
                target,
                clause_id,
                "body",
                f"clause {clause_id} does not belong in this hospital's {target.ref.kind}",
                "remove it, or check the hospital's data (chosen solutions)",
            )
        )
    # An addendum changes a few provisions of a signed agreement: the agreement covers the
    # checklist, not the addendum.
    checklist = () if target.ref.amendment else CHECKLISTS.get(target.ref.kind, ())
    for item in checklist:
        carriers = [r.clause.id for r in target.expected.clauses if item in r.clause.head.tags]
        intact = [c for c in carriers if c in present and c not in changed]
        edited = [c for c in carriers if c in present and c in changed]
        status = "covered" if intact else "changed" if edited else "missing"
        coverage[item] = {"status": status, "clauses": carriers}
        if status == "missing":
            found.append(
                finding(
                    ERROR,
                    f"coverage.{item}",
                    content,
                    target,
                    item,
                    "body",
                    f"{item} is not covered: "
                    + (
                        f"clause(s) {', '.join(carriers)} were removed"
                        if carriers
                        else "no clause in the library covers it"
                    ),
                    "restore the clause that covers it",
                )
            )
        elif status == "changed":
            found.append(
                finding(
                    WARNING,
                    f"coverage.{item}",
                    content,
                    target,
                    item,
                    "body",
                    f"{item} is covered only by changed clause(s) {', '.join(edited)}",
                    "have a lawyer confirm the changed text still covers the item",
                )
            )
    return found


def structure(content: DocxContent, target: Target) -> list[Finding]:
    """Duplicate numbers and headings, broken references, unused and undefined terms."""
    found = []
    kind = target.ref.kind
    headings = [
        normalise(p.text) for p in content.body() if _numbered_heading(p.style) and p.text.strip()
    ]
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
                    found.append(
                        finding(
                            ERROR,
                            "structure.duplicate-number",
                            content,
                            target,
                            key,
                            "body",
                            f"{key} occurs more than once",
                            "renumber the articles",
                        )
                    )
                numbers[word].add(match.group(2))
    for heading, count in seen.items():
        if count > 1:
            found.append(
                finding(
                    ERROR,
                    "structure.duplicate-heading",
                    content,
                    target,
                    heading,
                    "body",
                    f"heading {heading!r} occurs {count} times",
                    "merge or rename",
                )
            )
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
            if number in numbers.get(word, set()) or f"{word} {number}" in target.elsewhere:
                continue
            if LAW_AFTER.match(paragraph.text[match.end() : match.end() + LAW_LOOKAHEAD]):
                continue
            found.append(
                finding(
                    ERROR,
                    "structure.broken-reference",
                    content,
                    target,
                    location_of(paragraph.heading, "body"),
                    "body",
                    f"{match.group(0)} is referred to in {quote(paragraph.text)} "
                    "but does not exist",
                    "correct the reference or restore the article",
                )
            )
    return found + _field_references(content, target) + _terms(content, target)


def _field_references(content: DocxContent, target: Target) -> list[Finding]:
    """Cross-reference fields that point nowhere, or show a number the heading no longer has.

    Word keeps a field's last result until its fields are updated; after an article was
    inserted the headings are renumbered at once, the references only then.
    """
    found = []
    for reference, heading in content.references:
        shown = normalise(reference.shown)
        where = location_of(heading, "body")
        if reference.target not in content.bookmark_paragraphs:
            found.append(
                finding(
                    ERROR,
                    "structure.broken-reference",
                    content,
                    target,
                    where,
                    "body",
                    f"the cross-reference {shown!r} points at bookmark {reference.target}, "
                    "which is no longer in the document",
                    "insert the cross-reference again, or write the reference as text",
                )
            )
            continue
        label, text = content.bookmark_paragraphs[reference.target]
        if label is None or shown in (label, label.rsplit(".", 1)[-1]):
            continue
        found.append(
            finding(
                WARNING,
                "structure.stale-reference",
                content,
                target,
                where,
                "body",
                f"the cross-reference shows {shown!r}, but the heading it points at is now "
                f"{label} ({quote(text)})",
                "update the fields (in Word: select all, then F9) before the document is signed",
            )
        )
    return found


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
    # The body's text once, with where each paragraph stands in it: a term is used when it
    # occurs outside its own definition (other definitions count as use).
    texts = [normalise(p.text) for p in body]
    spans, offset = {}, 0
    for paragraph, text in zip(body, texts, strict=True):
        spans[id(paragraph)] = (offset, offset + len(text))
        offset += len(text) + 1
    whole = " ".join(texts)
    for term in sorted(defined):
        start, end = spans.get(id(defined[term]), (0, 0))
        if not (_used(term, whole, 0, start) or _used(term, whole, end, len(whole))):
            found.append(
                finding(
                    WARNING,
                    "structure.unused-term",
                    content,
                    target,
                    where,
                    "body",
                    f"defined term {term!r} is not used outside the definitions",
                    "remove the definition or use the term",
                )
            )
    for term in sorted(target.terms - set(defined)):
        if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", outside):
            found.append(
                finding(
                    WARNING,
                    "structure.undefined-term",
                    content,
                    target,
                    location_of(None, "body"),
                    "body",
                    f"term {term!r} is used but not defined",
                    "restore its definition",
                )
            )
    return found


def _numbered_heading(style: str | None) -> bool:
    return style is not None and style.lower() in NUMBERED_HEADING_STYLES


def _used(term: str, text: str, start: int, end: int) -> bool:
    """Whether `term` occurs in text[start:end]: found by its first letters, then matched.

    A pattern that opens with a look-behind is tried at every position; the letters every
    occurrence starts with are found by a plain search first.
    """
    pattern = _term_pattern(term)
    first = term.split()[0]
    letters = first[: max(4, len(first) - 2)] if len(first) > 4 else first
    at = text.find(letters, start, end)
    while at != -1:
        if pattern.match(text, at, end):
            return True
        at = text.find(letters, at + 1, end)
    return False


@functools.lru_cache(maxsize=512)
def _term_pattern(term: str) -> re.Pattern[str]:
    """A defined term, allowing Dutch inflection of each word (Ziekenhuis -> Ziekenhuizen)."""
    words = term.split()
    parts = [
        re.escape(w[: max(4, len(w) - 2)]) + r"[\w-]*" if len(w) > 4 else re.escape(w)
        for w in words
    ]
    return re.compile(r"(?<![\w-])" + r"\s+".join(parts))
