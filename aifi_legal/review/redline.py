"""A redline: the old document with the way to the new one as Word's own tracked changes.

The old document is the base, so everything in it stays as it is: its styles, the bookmarks the
checks read, and a lawyer's own tracked changes and comments. Paragraphs are aligned by their
text; a paragraph that changed gets its changed words as `w:del` (the old words) and `w:ins`
(the new words, in the new document's run formatting), split at word boundaries so that the
unchanged words keep their runs; a paragraph that came or went is inserted or deleted whole,
its paragraph mark included. Accepting every change gives the new text, rejecting every change
gives the old one.
"""

from __future__ import annotations

import copy
import difflib
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime

from lxml import etree

from ..word.reader import W
from ..word.reproducible import normalise_docx

PART_NAME = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
# Two paragraphs whose words agree at least this much are one paragraph, changed.
SAME_PARAGRAPH = 0.5
# How far ahead a changed paragraph is looked for among the new ones.
LOOKAHEAD = 25
# A word with the spaces after it; a tab or a line break is a token of its own.
_TOKENS = re.compile(r"[^\s]+ *| +|\s")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
_TEXT_TAGS = (f"{W}t", f"{W}tab", f"{W}br")
_TRACKED = (f"{W}ins", f"{W}del", f"{W}moveFrom", f"{W}moveTo")
_GONE = (f"{W}del", f"{W}moveFrom", f"{W}txbxContent")  # text that is not (or not here)


def redline(old: bytes, new: bytes, *, author: str, when: datetime) -> tuple[bytes, int]:
    """The redline DOCX of `new` against `old`, and the number of tracked changes in it."""
    old_parts = _xml_parts(old)
    new_parts = _xml_parts(new)
    marks = _Marks(author, when, _highest_id(old_parts.values()) + 1)
    changed: dict[str, bytes] = {}
    for name, root in old_parts.items():
        if name not in new_parts:
            continue
        before = marks.count
        _redline_part(root, new_parts[name], marks)
        if marks.count != before:
            changed[name] = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", standalone=True
            )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(old)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, changed.get(info.filename) or source.read(info.filename))
    return normalise_docx(out.getvalue()), marks.count


class _Marks:
    """Makes `w:ins` and `w:del` elements with one author, one date and fresh ids."""

    def __init__(self, author: str, when: datetime, first_id: int):
        self.author = author
        self.date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.next_id = first_id
        self.count = 0

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    def make(self, kind: str) -> etree._Element:
        self.count += 1
        return etree.Element(
            f"{W}{kind}",
            {f"{W}id": self.new_id(), f"{W}author": self.author, f"{W}date": self.date},
        )


def _xml_parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: etree.fromstring(archive.read(name), _PARSER)
            for name in archive.namelist()
            if PART_NAME.fullmatch(name)
        }


def _highest_id(roots) -> int:
    ids = [0]
    for root in roots:
        for node in root.iter():
            value = node.get(f"{W}id")
            if value is not None and value.lstrip("-").isdigit():
                ids.append(int(value))
    return max(ids)


def _paragraphs(root: etree._Element) -> list[etree._Element]:
    """The part's paragraphs in order, those inside text boxes excepted."""
    return [p for p in root.iter(f"{W}p") if not _has_ancestor(p, f"{W}txbxContent")]


def _has_ancestor(node: etree._Element, tag: str) -> bool:
    return any(parent.tag == tag for parent in node.iterancestors())


def _redline_part(old_root: etree._Element, new_root: etree._Element, marks: _Marks) -> None:
    old, new = _paragraphs(old_root), _paragraphs(new_root)
    old_texts = [_base_text(p) for p in old]
    new_texts = [_base_text(p) for p in new]
    matcher = difflib.SequenceMatcher(None, old_texts, new_texts, autojunk=False)
    bookmark_ids = _BookmarkIds(marks)

    def insert(place: _Place, j: int) -> None:
        paragraph = _inserted_paragraph(new[j], marks, bookmark_ids)
        place.insert(paragraph, in_table=_has_ancestor(new[j], f"{W}tbl"))

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        place = _Place(old[i1 - 1] if i1 > 0 else None, old[i1] if i1 < i2 else None, old_root)
        if op == "insert" and i1 < len(old):
            place = _Place(old[i1 - 1] if i1 > 0 else None, old[i1], old_root)
        j = j1
        for i in range(i1, i2):
            match = _similar(old_texts[i], new_texts, j, j2)
            if match is None:
                _delete_paragraph(old[i], marks)
            else:
                for k in range(j, match):  # new paragraphs before this one came in
                    insert(place, k)
                _redline_paragraph(old[i], new[match], marks)
                j = match + 1
            place = _Place(old[i], None, old_root)
        for k in range(j, j2):
            insert(place, k)


def _similar(text: str, texts: list[str], start: int, end: int) -> int | None:
    """The first of `texts[start:end]` (within a window) that is `text`, changed; or None."""
    words = text.split()
    for k in range(start, min(end, start + LOOKAHEAD)):
        ratio = difflib.SequenceMatcher(None, words, texts[k].split(), autojunk=False).ratio()
        if ratio >= SAME_PARAGRAPH:
            return k
    return None


class _Place:
    """Where inserted paragraphs go: after the paragraph before them, in order."""

    def __init__(
        self,
        after: etree._Element | None,
        before: etree._Element | None,
        root: etree._Element,
    ):
        self.after, self.before, self.root = after, before, root

    def insert(self, paragraph: etree._Element, *, in_table: bool) -> None:
        if self.after is not None:
            after = self.after
            if not in_table:  # a paragraph of the body does not go into a table's cell
                tables = [a for a in after.iterancestors(f"{W}tbl")]
                after = tables[-1] if tables else after
            after.addnext(paragraph)
        elif self.before is not None:
            self.before.addprevious(paragraph)
        else:
            body = self.root.find(f"{W}body")
            container = body if body is not None else self.root
            section = container.find(f"{W}sectPr")
            if section is not None:
                section.addprevious(paragraph)
            else:
                container.append(paragraph)
        self.after = paragraph


class _BookmarkIds:
    """Fresh ids for the bookmarks of inserted paragraphs (a start and its end alike)."""

    def __init__(self, marks: _Marks):
        self.marks = marks
        self.ids: dict[str, str] = {}

    def renumber(self, paragraph: etree._Element) -> None:
        for node in paragraph.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd"):
            old = node.get(f"{W}id", "")
            node.set(f"{W}id", self.ids.setdefault(old, self.marks.new_id()))


def _text_runs(paragraph: etree._Element) -> list[etree._Element]:
    """The paragraph's runs that are still there (not deleted), text boxes excepted."""
    runs = []
    for run in paragraph.iter(f"{W}r"):
        node = run.getparent()
        while node is not None and node is not paragraph and node.tag not in _GONE:
            node = node.getparent()
        if node is paragraph:
            runs.append(run)
    return runs


def _mark_paragraph(paragraph: etree._Element, mark: etree._Element) -> None:
    """Track the paragraph mark itself (`w:pPr/w:rPr/w:ins|w:del`)."""
    properties = paragraph.find(f"{W}pPr")
    if properties is None:
        properties = etree.Element(f"{W}pPr")
        paragraph.insert(0, properties)
    run_properties = properties.find(f"{W}rPr")
    if run_properties is None:
        run_properties = etree.Element(f"{W}rPr")
        later = [c for c in properties if c.tag in (f"{W}sectPr", f"{W}pPrChange")]
        if later:
            later[0].addprevious(run_properties)
        else:
            properties.append(run_properties)
    run_properties.insert(0, mark)


def _delete_run(run: etree._Element, marks: _Marks) -> None:
    for node in run.iter(f"{W}t"):
        node.tag = f"{W}delText"
    for node in run.iter(f"{W}instrText"):
        node.tag = f"{W}delInstrText"
    wrapper = marks.make("del")
    run.addprevious(wrapper)
    wrapper.append(run)


def _delete_paragraph(paragraph: etree._Element, marks: _Marks) -> None:
    for run in _text_runs(paragraph):
        _delete_run(run, marks)
    _mark_paragraph(paragraph, marks.make("del"))


def _inserted_paragraph(
    source: etree._Element, marks: _Marks, bookmark_ids: _BookmarkIds
) -> etree._Element:
    paragraph = copy.deepcopy(source)
    for section in paragraph.iter(f"{W}sectPr"):  # a new paragraph never starts a section
        section.getparent().remove(section)
    bookmark_ids.renumber(paragraph)
    for run in _text_runs(paragraph):
        wrapper = marks.make("ins")
        run.addprevious(wrapper)
        wrapper.append(run)
    _mark_paragraph(paragraph, marks.make("ins"))
    return paragraph


# --- one paragraph, changed by words -------------------------------------------------------------


def _redline_paragraph(old: etree._Element, new: etree._Element, marks: _Marks) -> None:
    _split_runs(old)
    old_text = _base_text(old)
    new_pieces = _pieces(new)
    new_text = _base_text(new)
    old_tokens, new_tokens = _tokens(old_text), _tokens(new_text)
    deletions: list[tuple[int, int]] = []
    insertions: list[tuple[int, int, int]] = []  # at old offset: new text from..to
    matcher = difflib.SequenceMatcher(
        None, [t for t, _ in old_tokens], [t for t, _ in new_tokens], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        start = old_tokens[i1][1] if i1 < len(old_tokens) else len(old_text)
        end = old_tokens[i2][1] if i2 < len(old_tokens) else len(old_text)
        if i2 > i1:
            deletions.append((start, end))
        if j2 > j1:
            new_start = new_tokens[j1][1]
            new_end = new_tokens[j2][1] if j2 < len(new_tokens) else len(new_text)
            insertions.append((end, new_start, new_end))
    cuts = {c for span in deletions for c in span} | {at for at, _, _ in insertions}
    _cut_at(old, cuts)
    placed = list(_placed_pieces(old))
    for start, end in deletions:
        for run, offset, length, deleted in placed:
            if start <= offset and offset + length <= end and not deleted:
                _delete_run(run, marks)
    for at, new_start, new_end in insertions:
        wrapper = marks.make("ins")
        for run in _inserted_runs(new_pieces, new_start, new_end):
            wrapper.append(run)
        before = [run for run, offset, length, _ in placed if offset + length <= at]
        if before:
            _outside_tracked(before[-1]).addnext(wrapper)
        elif placed:
            _outside_tracked(placed[0][0]).addprevious(wrapper)
        else:
            properties = old.find(f"{W}pPr")
            if properties is not None:
                properties.addnext(wrapper)
            else:
                old.insert(0, wrapper)


def _tokens(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in _TOKENS.finditer(text)]


def _piece_text(node: etree._Element) -> str:
    if node.tag in (f"{W}t", f"{W}delText"):
        return node.text or ""
    return "\t" if node.tag == f"{W}tab" else "\n"  # one character that stays what it was


def _base_runs(paragraph: etree._Element) -> list[tuple[etree._Element, bool]]:
    """(run, already deleted) for each run of the text as it was before anyone's tracked changes.

    Someone's insertion is not part of it (it stays theirs, untouched); someone's deletion is
    (its words were there, and are already marked as gone).
    """
    runs = []
    for run in paragraph.iter(f"{W}r"):
        deleted, node = False, run.getparent()
        while node is not None and node is not paragraph:
            if node.tag in (f"{W}ins", f"{W}moveTo", f"{W}txbxContent"):
                break
            deleted = deleted or node.tag in (f"{W}del", f"{W}moveFrom")
            node = node.getparent()
        if node is paragraph:
            runs.append((run, deleted))
    return runs


def _pieces(paragraph: etree._Element) -> list[tuple[etree._Element, str, bool]]:
    """(run, text, already deleted) for each text piece of the paragraph's original text."""
    found = []
    for run, deleted in _base_runs(paragraph):
        for child in run:
            if child.tag in _TEXT_TAGS or child.tag == f"{W}delText":
                found.append((run, _piece_text(child), deleted))
    return found


def _inserted_runs(
    pieces: list[tuple[etree._Element, str, bool]], start: int, end: int
) -> Iterator[etree._Element]:
    """Runs for the new text from `start` to `end`, each with its own run's formatting."""
    offset = 0
    for run, text, _ in pieces:
        a, b = max(start, offset), min(end, offset + len(text))
        if a < b:
            made = etree.Element(f"{W}r")
            properties = run.find(f"{W}rPr")
            if properties is not None:
                made.append(copy.deepcopy(properties))
            if text in ("\t", "\n"):
                made.append(copy.deepcopy(next(c for c in run if c.tag in _TEXT_TAGS[1:])))
            else:
                _set_text(etree.SubElement(made, f"{W}t"), text[a - offset : b - offset])
            yield made
        offset += len(text)


def _base_text(paragraph: etree._Element) -> str:
    return "".join(text for _, text, _ in _pieces(paragraph))


def _placed_pieces(paragraph: etree._Element) -> Iterator[tuple[etree._Element, int, int, bool]]:
    offset = 0
    for run, text, deleted in _pieces(paragraph):
        if text:
            yield run, offset, len(text), deleted
        offset += len(text)


def _split_runs(paragraph: etree._Element) -> None:
    """Give every text run exactly one content child, so that runs can be moved one by one."""
    for run, _ in _base_runs(paragraph):
        content = [c for c in run if c.tag != f"{W}rPr"]
        if len(content) <= 1:
            continue
        properties = run.find(f"{W}rPr")
        for child in content:
            single = etree.Element(f"{W}r", dict(run.attrib))
            if properties is not None:
                single.append(copy.deepcopy(properties))
            single.append(child)
            run.addprevious(single)
        run.getparent().remove(run)


def _cut_at(paragraph: etree._Element, cuts: set[int]) -> None:
    """Split text runs so that every offset in `cuts` falls between two runs."""
    for run, offset, length, _ in list(_placed_pieces(paragraph)):
        inside = sorted(c - offset for c in cuts if offset < c < offset + length)
        text_node = run.find(f"{W}t")
        if text_node is None:
            text_node = run.find(f"{W}delText")
        if not inside or text_node is None:
            continue
        text = text_node.text or ""
        bounds = [0, *inside]
        for a, b in itertools.pairwise(bounds):  # every piece but the last goes before the run
            part = copy.deepcopy(run)
            _set_text(part.find(text_node.tag), text[a:b])
            run.addprevious(part)
        _set_text(text_node, text[bounds[-1] :])


def _set_text(node: etree._Element, text: str) -> None:
    node.text = text
    node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _outside_tracked(run: etree._Element) -> etree._Element:
    """The element to insert beside: the run, or the tracked change (ours or not) holding it."""
    node = run
    while node.getparent() is not None and node.getparent().tag in _TRACKED:
        node = node.getparent()
    return node
