"""Reading a DOCX as a lawyer returns it from Word: every part, every paragraph, as raw XML.

python-docx skips text in content controls, tracked insertions, text boxes and footnotes, so the
checker reads the WordprocessingML itself. Each paragraph knows its part (body, header, footer,
footnote, endnote), whether it sits in a table, text box or content control, the clause whose
bookmark encloses it, and the heading it falls under.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import NotADocx
from .conventions import (
    CELL_SEPARATOR,
    HEADING_STYLES,
    clause_of_bookmark,
    is_contents_style,
    is_signature_table,
    is_term_bookmark,
)
from .fields import FieldReference, field_references
from .numbering import Numberer, style_numbers
from .package import check_sizes, external_relationships, hazards, read_capped

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"

PART_KINDS = (
    (re.compile(r"word/document\.xml"), "body"),
    (re.compile(r"word/header\d*\.xml"), "header"),
    (re.compile(r"word/footer\d*\.xml"), "footer"),
    (re.compile(r"word/footnotes\.xml"), "footnote"),
    (re.compile(r"word/endnotes\.xml"), "endnote"),
)
CHANGE_TAGS = {
    "ins": "insertion",
    "del": "deletion",
    "moveFrom": "move",
    "moveTo": "move",
    "rPrChange": "formatting change",
    "pPrChange": "formatting change",
}


@dataclass(frozen=True)
class DocParagraph:
    """One paragraph as a reader finds it, with where it sits."""

    part: str  # body, header, footer, footnote, endnote
    part_name: str  # the zip entry, e.g. word/header2.xml
    index: int  # position among the part's paragraphs
    text: str  # visible text: insertions in, deletions out
    style: str | None  # style name (not id)
    clause: str | None  # clause id from the enclosing aifi_ bookmark
    heading: str | None  # the body heading this paragraph falls under
    in_table: bool = False
    in_textbox: bool = False
    in_content_control: bool = False
    control_text: str = ""  # the part of `text` inside run-level content controls

    @property
    def container(self) -> str:
        """Where a reader finds it: body, header, footer, footnote, text box, content control."""
        if self.in_textbox:
            return "text box"
        if self.in_content_control:
            return "content control"
        return self.part


@dataclass
class TrackedChange:
    """A tracked change left in a document."""

    part: str
    kind: str
    author: str | None
    text: str
    heading: str | None


@dataclass
class DocxContent:
    """What a checker needs from one DOCX."""

    path: Path
    paragraphs: list[DocParagraph] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    xml_errors: list[tuple[str, str]] = field(default_factory=list)
    tracked_changes: list[TrackedChange] = field(default_factory=list)
    comments: list[tuple[str | None, str]] = field(default_factory=list)
    clause_order: list[str] = field(default_factory=list)  # bookmarked clause ids, in order
    tables: list[list[list[str]]] = field(default_factory=list)  # body tables: rows of cells
    hazards: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, part, message)
    terms: dict[str, str] = field(default_factory=dict)  # term bookmark -> its text now
    # Where each bookmark starts in the body: the number and text of that paragraph, as Word
    # shows them; and every REF field of the body with the heading it stands under.
    bookmark_paragraphs: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    references: list[tuple[FieldReference, str | None]] = field(default_factory=list)
    # The table of contents, line by line: kept apart from `paragraphs`, so that a heading
    # listed there never counts as the heading (or an article) being in the document.
    contents: list[str] = field(default_factory=list)

    @property
    def document_id(self) -> str | None:
        """The document id from the core properties."""
        return self.properties.get("identifier")

    def body(self) -> list[DocParagraph]:
        """The paragraphs of the body part."""
        return [p for p in self.paragraphs if p.part == "body"]

    def clause_text(self, clause_id: str) -> str:
        """The normalised text of one clause as it stands in the document now."""
        return normalise(" ".join(p.text for p in self.paragraphs if p.clause == clause_id))


def normalise(text: str) -> str:
    """One Unicode form (NFC), whitespace folded, no-break spaces as spaces: texts compared."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\xa0", " ").split())


def read_docx(path: str | Path) -> DocxContent:
    """Read every part of a DOCX; NotADocx when it is not one, is damaged or too large."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotADocx(f"not a DOCX file ({exc})") from None
    content = DocxContent(path)
    with archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if "word/document.xml" not in names:
            raise NotADocx("not a Word document: word/document.xml is missing")
        check_sizes(infos)
        content.hazards.extend(hazards(names))
        parser = etree.XMLParser(
            recover=False,
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            collect_ids=False,  # nothing reads xml:id; the table costs a third of a parse
        )
        roots: dict[str, etree._Element] = {}
        styles: _StylesInfo = ({}, {})
        for name in names:
            if not name.endswith((".xml", ".rels")):
                continue
            data = read_capped(archive, name)
            known = _known_part(name, data)
            if known is not None:
                styles = known if name == STYLES_PART else styles
                continue
            try:
                root = etree.fromstring(data, parser)
            except etree.XMLSyntaxError as exc:
                content.xml_errors.append((name, str(exc)))
                continue
            if _tree_needed(name):
                roots[name] = root
            else:
                info = _remember(name, data, root)
                styles = info if name == STYLES_PART else styles
    content.hazards.extend(external_relationships(roots))
    if "word/document.xml" in roots:
        content.terms = _term_texts(roots["word/document.xml"])
    style_names, style_num = styles
    content.properties = _core_properties(roots.get("docProps/core.xml"))
    numbering = Numberer(roots.get("word/numbering.xml"), None, style_num)
    for name in sorted(roots, key=_part_order):
        kind = _part_kind(name)
        if kind is not None:
            # Each part numbers its own paragraphs; the body's numbers are the articles'.
            _read_part(content, name, kind, roots[name], style_names, numbering.fresh())
    comments = roots.get("word/comments.xml")
    if comments is not None:
        for comment in comments.iter(f"{W}comment"):
            text = "".join(t.text or "" for t in comment.iter(f"{W}t"))
            content.comments.append((comment.get(f"{W}author"), normalise(text)))
    return content


def _term_texts(root: etree._Element) -> dict[str, str]:
    """The visible text between each term bookmark's start and end, in document order.

    Word and LibreOffice may renumber bookmark ids or write a start twice; names count.
    """
    open_terms: dict[str, str] = {}  # w:id -> bookmark name
    texts: dict[str, list[str]] = {}
    for node in root.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd", f"{W}t"):
        tag = node.tag[len(W) :]  # every tag iterated is in the w: namespace
        if tag == "bookmarkStart":
            name = node.get(f"{W}name") or ""
            if is_term_bookmark(name):
                open_terms[node.get(f"{W}id") or name] = name
                texts.setdefault(name, [])
        elif tag == "bookmarkEnd":
            open_terms.pop(node.get(f"{W}id") or "", None)
        elif open_terms and not _inside(node, f"{W}del"):
            for name in set(open_terms.values()):
                texts[name].append(node.text or "")
    return {name: normalise("".join(parts)) for name, parts in texts.items()}


# A part byte for byte like one read before (the template's styles, theme and settings are the
# same in every document made from it) is known to parse, and what is read of it is kept:
# parsing the two style parts was most of reading a document.
STYLES_PART = "word/styles.xml"
_StylesInfo = tuple[dict[str, str], dict[str, tuple[str | None, str | None]]]
_KNOWN: dict[tuple[str, str], _StylesInfo] = {}
_MAX_KNOWN = 256


def _tree_needed(name: str) -> bool:
    """Whether the reader needs the part's tree (and not only that it parses)."""
    return (
        name.endswith(".rels")
        or _part_kind(name) is not None
        or name in ("docProps/core.xml", "word/comments.xml", "word/numbering.xml")
    )


def _known_part(name: str, data: bytes) -> _StylesInfo | None:
    if _tree_needed(name):
        return None
    return _KNOWN.get((name, hashlib.sha256(data).hexdigest()))


def _remember(name: str, data: bytes, root: etree._Element) -> _StylesInfo:
    info: _StylesInfo = ({}, {})
    if name == STYLES_PART:
        info = (_style_names(root), style_numbers(root))
    if len(_KNOWN) >= _MAX_KNOWN:
        _KNOWN.clear()
    _KNOWN[(name, hashlib.sha256(data).hexdigest())] = info
    return info


def _part_kind(name: str) -> str | None:
    for pattern, kind in PART_KINDS:
        if pattern.fullmatch(name):
            return kind
    return None


def _part_order(name: str) -> tuple[int, str]:
    kind = _part_kind(name)
    order = [k for _, k in PART_KINDS]
    return (order.index(kind) if kind in order else len(order), name)


def _style_names(styles: etree._Element | None) -> dict[str, str]:
    if styles is None:
        return {}
    names = {}
    for style in styles.iter(f"{W}style"):
        name = style.find(f"{W}name")
        if name is not None:
            names[style.get(f"{W}styleId")] = name.get(f"{W}val")
    return names


def _core_properties(core: etree._Element | None) -> dict[str, str]:
    if core is None:
        return {}
    result = {}
    for child in core:
        tag = etree.QName(child).localname
        if child.text:
            result[tag] = child.text
    return result


def paragraph_text(paragraph: etree._Element, *, controls: bool | None = None) -> str:
    """The visible text of a paragraph.

    That is w:t (also inside insertions, content controls and fields), tabs as spaces; deleted
    text (w:delText) and nested text-box paragraphs excluded. `controls=True` keeps only text
    inside content controls, `False` only text outside them.
    """
    pieces = []
    for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br"):
        if _inside(node, f"{W}txbxContent", stop=paragraph):
            continue
        # A deleted tab or break is gone too (deleted text is w:delText, a tab stays w:tab).
        if node.tag != f"{W}t" and _inside(node, f"{W}del", stop=paragraph):
            continue
        if controls is not None and _inside(node, f"{W}sdtContent", stop=paragraph) != controls:
            continue
        pieces.append(node.text or "" if node.tag == f"{W}t" else " ")
    # Word on a Mac may store 'ë' as 'e' and a combining mark (NFD): one name, one form.
    return unicodedata.normalize("NFC", "".join(pieces))


def _inside(node: etree._Element, tag: str, stop: etree._Element | None = None) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _read_part(
    content: DocxContent,
    name: str,
    kind: str,
    root: etree._Element,
    style_names: dict[str, str],
    numberer: Numberer,
) -> None:
    open_bookmarks: dict[str, str] = {}  # w:id -> clause id
    opened_at: dict[str, int] = {}  # w:id -> paragraph count when the bookmark opened
    # The signature table is generated outside every clause; LibreOffice may move a clause's
    # bookmark end past it, so its paragraphs never count as clause text.
    signature_paragraphs: set = set()
    current_clause: str | None = None
    heading: str | None = None
    index = 0
    for node in root.iter(
        f"{W}p",
        f"{W}bookmarkStart",
        f"{W}bookmarkEnd",
        f"{W}tbl",
        *(f"{W}{tag}" for tag in CHANGE_TAGS),
    ):
        tag = node.tag[len(W) :]  # every tag iterated is in the w: namespace
        if tag == "bookmarkStart":
            clause_id = clause_of_bookmark(node.get(f"{W}name") or "")
            if clause_id:
                open_bookmarks[node.get(f"{W}id")] = clause_id
                opened_at[node.get(f"{W}id")] = index
                current_clause = clause_id
                if kind == "body" and clause_id not in content.clause_order:
                    content.clause_order.append(clause_id)
        elif tag == "bookmarkEnd":
            if opened_at.get(node.get(f"{W}id")) == index:
                # Collapsed into the paragraph it opened in: LibreOffice does that to a
                # bookmark around a table. The clause then runs to the next clause's start.
                continue
            closed = open_bookmarks.pop(node.get(f"{W}id"), None)
            if closed is not None:
                # LibreOffice may write a start twice for one end: close them all.
                for key in [k for k, v in open_bookmarks.items() if v == closed]:
                    del open_bookmarks[key]
                if closed == current_clause:
                    current_clause = next(reversed(open_bookmarks.values()), None)
        elif tag == "tbl":
            if kind == "body" and not _inside(node, f"{W}tbl"):
                table = [
                    [
                        normalise(
                            CELL_SEPARATOR.join(paragraph_text(p) for p in cell.iter(f"{W}p"))
                        )
                        for cell in row.iter(f"{W}tc")
                    ]
                    for row in node.iter(f"{W}tr")
                ]
                content.tables.append(table)
                if table and is_signature_table(table[0]):
                    signature_paragraphs.update(node.iter(f"{W}p"))
        elif tag in CHANGE_TAGS:
            text = "".join(t.text or "" for t in node.iter(f"{W}t", f"{W}delText"))
            content.tracked_changes.append(
                TrackedChange(
                    kind, CHANGE_TAGS[tag], node.get(f"{W}author"), normalise(text), heading
                )
            )
        else:
            style_id = None
            ppr = node.find(f"{W}pPr")
            if ppr is not None and ppr.find(f"{W}pStyle") is not None:
                style_id = ppr.find(f"{W}pStyle").get(f"{W}val")
            style = style_names.get(style_id, style_id) if style_id else None
            # The number Word shows before the text ("Artikel 7", "7.2", "b."): part of it.
            label = numberer.label(node)
            text = paragraph_text(node)
            text = f"{label} {text}" if label else text
            if kind == "body":
                for start in node.iter(f"{W}bookmarkStart"):
                    bookmark = start.get(f"{W}name") or ""
                    content.bookmark_paragraphs.setdefault(bookmark, (label, normalise(text)))
                if next(node.iter(f"{W}fldSimple", f"{W}instrText"), None) is not None:
                    content.references += [(ref, heading) for ref in field_references(node)]
            # A bookmark that opens inside this paragraph applies to it (iter visits the
            # paragraph before its children, so look ahead).
            for start in node.iter(f"{W}bookmarkStart"):
                current_clause = clause_of_bookmark(start.get(f"{W}name") or "") or current_clause
            if kind == "body" and is_contents_style(style):
                content.contents.append(normalise(text))
                continue
            if kind == "body" and style and style.lower() in HEADING_STYLES and text.strip():
                heading = normalise(text)
            content.paragraphs.append(
                DocParagraph(
                    part=kind,
                    part_name=name,
                    index=index,
                    text=text,
                    style=style,
                    clause=None if node in signature_paragraphs else current_clause,
                    heading=heading if kind == "body" else None,
                    in_table=_inside(node, f"{W}tbl"),
                    in_textbox=_inside(node, f"{W}txbxContent"),
                    in_content_control=_inside(node, f"{W}sdtContent"),
                    control_text=(
                        paragraph_text(node, controls=True)
                        if next(node.iter(f"{W}sdtContent"), None) is not None
                        else ""
                    ),
                )
            )
            index += 1
