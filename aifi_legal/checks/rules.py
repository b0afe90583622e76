"""The rules `check` applies to a DOCX as it is now, each a function returning findings.

A rule reads the document (`word.reader.DocxContent`) and, for a recognised document, the
`Target`: what the clause library and the data say the document must hold. This module holds
the target, the integrity and completeness rules and the helpers every rule shares; the rules
on clauses, numbering, references and defined terms are in `clause_rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..assembly.assemble import REFERENCE_WORDS, AssembledDocument, RenderedClause
from ..documents import DocumentRef
from ..inputs.parties import Party
from ..word.conventions import (
    AUTHORITY,
    FUNCTION,
    NAME,
    is_signature_table,
    labelled,
)
from ..word.reader import DocxContent, normalise
from .findings import ERROR, Finding, Level

# What every match of LEFTOVER contains, in lower case.
LEFTOVER_PIECES = ("{{", "{%", "%}", "}}", "[", "xxx", "todo", "tbd", "...", "…", "lorem")
LEFTOVER = re.compile(
    r"\{\{|\{%|%\}|\}\}|\[\s*invullen\s*\]|\[\s*[●•]\s*\]|\bXXX+\b|\bTODO\b|\bTBD\b"
    r"|\[\s*(?:\.\.\.|…)\s*\]|(?:^|\s)(?:\.\.\.|…)(?=\s|$)|lorem\s+ipsum",
    re.IGNORECASE,
)
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
    parties: dict[str, Party]  # by the document's party key: ziekenhuis, aifi, verwerker
    terms: frozenset[str] = field(default_factory=frozenset)  # every term the kind may define
    # Headings of another document this one may refer to: an addendum's signed agreement
    # ("artikel 9", "bijlage 6"), lower case.
    elsewhere: frozenset[str] = field(default_factory=frozenset)

    @property
    def hospital_id(self) -> str:
        """The hospital the document is for."""
        return self.ref.hospital_id or ""


def finding(
    level: Level,
    rule: str,
    content: DocxContent,
    target: Target | None,
    location: str,
    part: str,
    message: str,
    fix: str = "",
) -> Finding:
    """A finding on one document, with the hospital and kind when it was recognised."""
    return Finding(
        level,
        rule,
        str(content.path),
        target.hospital_id if target else None,
        target.ref.kind if target else None,
        location,
        part,
        message,
        fix,
    )


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
        found.append(
            finding(
                ERROR,
                "integrity.xml",
                content,
                target,
                part,
                "file",
                f"{part} is not well-formed XML: {message}",
                "open and save the document in Word, or regenerate it",
            )
        )
    for change in content.tracked_changes:
        found.append(
            finding(
                ERROR,
                "integrity.tracked-change",
                content,
                target,
                location_of(change.heading, change.part),
                change.part,
                f"tracked {change.kind}"
                + (f" by {change.author}" if change.author else "")
                + (f": {change.text!r}" if change.text else ""),
                "accept or reject every tracked change before signing",
            )
        )
    for rule, part, message in content.hazards:
        found.append(
            finding(
                ERROR,
                rule,
                content,
                target,
                part,
                "file",
                message,
                "save the document as a plain .docx without macros, embedded "
                "objects or linked templates",
            )
        )
    for author, text in content.comments:
        found.append(
            finding(
                ERROR,
                "integrity.comment",
                content,
                target,
                "comments",
                "comment",
                "open comment" + (f" by {author}" if author else "") + f": {text!r}",
                "resolve and delete the comment before signing",
            )
        )
    return found


def leftovers(content: DocxContent, target: Target | None) -> list[Finding]:
    """Template syntax and fill-in markers anywhere, content controls and text boxes included."""
    found: list[Finding] = []
    # Every marker contains one of these: a document without any is done in one pass.
    lowered = "\n".join(p.text for p in content.paragraphs).lower()
    if not any(piece in lowered for piece in LEFTOVER_PIECES):
        return found
    for paragraph in content.paragraphs:
        pieces = [(paragraph.text, paragraph.container)]
        if paragraph.control_text and not paragraph.in_content_control:
            outside = paragraph.text.replace(paragraph.control_text, " ")
            pieces = [(outside, paragraph.container), (paragraph.control_text, "content control")]
        for text, container in pieces:
            for match in LEFTOVER.finditer(text):
                found.append(
                    finding(
                        ERROR,
                        "leftover",
                        content,
                        target,
                        location_of(paragraph.heading, paragraph.part),
                        container,
                        f"fill-in marker or template syntax "
                        f"{match.group(0).strip()!r} in {quote(paragraph.text)}",
                        "replace the marker with the final text",
                    )
                )
    return found


def required(content: DocxContent, target: Target) -> list[Finding]:
    """The version date, the parties, each signatory's name, function and authority, annexes."""
    found = []
    kind = target.ref.kind
    body_text = normalise(" ".join(p.text for p in content.body()))
    title = [p for p in content.body() if p.heading is None]
    if not any(re.search(r"Versie \S+ van \d{1,2} \w+ \d{4}", p.text) for p in title):
        found.append(
            finding(
                ERROR,
                "required.date",
                content,
                target,
                "titelpagina",
                "body",
                "the title page does not state the version and its date",
                "restore the line 'Versie ... van <datum>' on the title page",
            )
        )
    for rendered in target.expected.section("partijen"):
        text = content.clause_text(rendered.clause.id)
        for party in target.parties.values():
            for label, value in (("legal name", party.legal_name), ("KvK number", party.kvk)):
                if value not in text:
                    found.append(
                        finding(
                            ERROR,
                            "required.parties",
                            content,
                            target,
                            "partijen",
                            "body",
                            f"the parties do not state the {label} {value!r} of "
                            f"{party.legal_name}",
                            "restore the comparitie",
                        )
                    )
        if text.count("vertegenwoordigd door") < len(target.parties):
            found.append(
                finding(
                    ERROR,
                    "required.parties",
                    content,
                    target,
                    "partijen",
                    "body",
                    "a party's representation (vertegenwoordigd door ...) is missing",
                    "restore who represents each party and in which capacity",
                )
            )
    signature = signature_table(content)
    if not target.expected.context["document"]["signed"]:
        found.extend(_draft_for_advice(content, target, body_text, signature is not None))
    elif signature is None:
        found.append(
            finding(
                ERROR,
                "required.signatures",
                content,
                target,
                "ondertekening",
                "body",
                "the signature table is missing",
                "regenerate the document",
            )
        )
    else:
        cells = " ".join(signature[0])
        for party in target.parties.values():
            for signatory in party.signatories_for(kind):
                for label, value in (
                    (NAME, signatory.name),
                    (FUNCTION, signatory.function),
                    (AUTHORITY, signatory.capacity),
                ):
                    if labelled(label, normalise(value)) not in cells:
                        found.append(
                            finding(
                                ERROR,
                                "required.signatures",
                                content,
                                target,
                                "ondertekening",
                                "body",
                                f"signatory {signatory.name} lacks '{labelled(label, value)}'",
                                "restore the signatory's name, function and authority",
                            )
                        )
    for rendered in target.expected.section("bijlage"):
        if (
            rendered.clause.id not in content.clause_order
            and rendered.heading
            and normalise(rendered.heading) not in body_text
        ):
            found.append(
                finding(
                    ERROR,
                    "required.annex",
                    content,
                    target,
                    f"Bijlage {rendered.number}",
                    "body",
                    f"annex {rendered.heading!r} is missing",
                    f"restore clause {rendered.clause.id} or regenerate the document",
                )
            )
    return found


# Wording that adopts or signs a DPIA; a draft for the FG's advice must not contain it.
ADOPTION_WORDING = re.compile(
    r"aldus vastgesteld|stelt als verwerkingsverantwoordelijke deze "
    r"DPIA .{0,80}vast|Datum: _{4,}",
    re.IGNORECASE,
)


def _draft_for_advice(
    content: DocxContent, target: Target, body_text: str, has_signature_table: bool
) -> list[Finding]:
    """A DPIA still awaiting the FG's advice is neither adopted nor signed."""
    found = []
    fix = (
        "record the FG's advice in the data (dpia.advice_date) and build the version for "
        "adoption, or remove the adoption from the draft"
    )
    if has_signature_table:
        found.append(
            finding(
                ERROR,
                "required.signatures",
                content,
                target,
                "ondertekening",
                "body",
                "the draft for the FG's advice carries a signature table",
                fix,
            )
        )
    match = ADOPTION_WORDING.search(body_text)
    if match:
        found.append(
            finding(
                ERROR,
                "required.draft",
                content,
                target,
                "ondertekening",
                "body",
                f"the draft for the FG's advice adopts the DPIA: {match.group(0)!r}",
                fix,
            )
        )
    return found


def signature_table(content: DocxContent) -> list[list[str]] | None:
    """The document's signature table as rows of cell texts, if it has one."""
    return next((t for t in content.tables if t and t[0] and is_signature_table(t[0])), None)


def location_of(heading: str | None, part: str) -> str:
    """Where a finding is, for a reader: the article or annex a heading numbers, or the part."""
    if heading:
        match = re.match(r"^(Artikel \d+|Bijlage \d+|\d+)(?:\.|\s|$)", heading)
        if match:
            label = match.group(1)
            if label.isdigit():
                return f"hoofdstuk {label}"
            return label[0].lower() + label[1:] if label.startswith("Artikel") else label
        return heading[0].lower() + heading[1:]  # "partijen", "overwegingen"
    return "titelpagina" if part == "body" else part


def clause_location(rendered: RenderedClause) -> str:
    """Where a clause is, as a reader names it: `artikel 7`, `Bijlage 2`, `partijen`."""
    section = rendered.clause.head.section
    if section in REFERENCE_WORDS:
        return f"{REFERENCE_WORDS[section]} {rendered.number}"
    return section


def quote(text: str, width: int = QUOTE_WIDTH) -> str:
    """A text as a finding quotes it: normalised, cut at `width` characters."""
    text = normalise(text)
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def show(value: object) -> str:
    """A stated fact for a message: a list in brackets, anything else quoted."""
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]" if value else "[]"
    return repr(value)
