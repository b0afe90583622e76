"""The document part of a DOCX: a template's frame around the body the writer wrote.

docxtpl parses the body and puts it in the document's root, which drops the namespace
declarations the root already makes, and python-docx serialises the root. Moving a large tree
between lxml documents costs more than all the rest of a document, so word.render does it in
pieces with the same result: the template's document part as saved, up to its body and after
it (kept once per template), the rendered template around the body parsed and serialised as
python-docx would, and the body itself as the writer wrote it, which is already what lxml
serialises (tests/test_render.py proves the bytes equal to the straightforward path's) and
whose tables' grids fit their rows (word.writer writes every row as wide as the grid). The
body is checked as strict XML without building a tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers import expat

from docx.opc.oxml import serialize_part_xml
from lxml import etree

# Stands in for the body while the template's own Jinja is rendered and docxtpl's text
# passes run over the (small) result; a private-use character no data value may contain.
BODY_MARK = "\ue020aifi-body\ue020"
_BODY_MARK_BYTES = BODY_MARK.encode("utf-8")
# collect_ids=False: no table of xml:id attributes, which nothing reads (a third of a parse).
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, collect_ids=False)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# Well-formed XML content joined to well-formed XML content is well-formed: a piece of a body
# (a paragraph, a table) checked once needs no check in the next document. The set keeps the
# pieces' hashes only (Python's hash of the pair), not the pieces.
_CHECKED: set[int] = set()
MAX_CHECKED = 200_000


@dataclass(frozen=True)
class DocumentFrame:
    """A template's document part as python-docx saves it, around an empty body."""

    head: bytes  # the document part as saved, up to its body
    tail: bytes  # and after it
    namespaces: dict[bytes, bytes]  # prefix -> uri the document's root declares
    fix_tables: Callable[[str], etree._Element]  # docxtpl's fix_tables of this template
    declarations: bytes  # the namespaces as attributes of an element, to check a body in

    @classmethod
    def of(
        cls, root: etree._Element, fix_tables: Callable[[str], etree._Element]
    ) -> DocumentFrame | None:
        """The frame of a template's document root (None if it has not exactly one body)."""
        placeholder = root.makeelement(root.body.tag)
        original = root.body
        root.replace(original, placeholder)
        document = serialize_part_xml(root)
        root.replace(placeholder, original)
        empty = f"<{placeholder.prefix}:body/>".encode() if placeholder.prefix else b"<body/>"
        if document.count(empty) != 1:
            return None
        head, _, tail = document.partition(empty)
        namespaces = {(k or "").encode(): v.encode() for k, v in root.nsmap.items()}
        declarations = b"".join(
            b' xmlns%s="%s"' % (b":" + prefix if prefix else b"", uri)
            for prefix, uri in namespaces.items()
        )
        return cls(head, tail, namespaces, fix_tables, declarations)

    def part(self, xml: str, body: str, pieces: list[str] | None = None) -> bytes:
        """The document part: the rendered template `xml`, `body` where it holds BODY_MARK.

        `pieces`: what `body` is joined from, each whole XML content (paragraphs, tables).
        """
        if BODY_MARK not in xml or "docPr" in body:  # a body docxtpl's passes changed
            return self._serialised(xml.replace(BODY_MARK, body))
        template = self._serialised(xml)
        if template.count(_BODY_MARK_BYTES) != 1:
            return self._serialised(xml.replace(BODY_MARK, body))
        data = body.encode("utf-8")
        if pieces is None:
            self._check(data)
        else:
            self._check_pieces(pieces)
        head, _, tail = template.partition(_BODY_MARK_BYTES)
        return head + data + tail

    def _check_pieces(self, pieces: list[str]) -> None:
        """Check the pieces of a body, each piece once per process (see _CHECKED)."""
        hashes = [hash((self.declarations, piece)) for piece in pieces]
        unchecked = [p for p, h in zip(pieces, hashes, strict=True) if h not in _CHECKED]
        if not unchecked:
            return
        self._check("".join(unchecked).encode("utf-8"))
        if len(_CHECKED) > MAX_CHECKED:
            _CHECKED.clear()
        _CHECKED.update(hashes)

    def _check(self, body: bytes) -> None:
        """Check a body as strict XML (expat: no tree), its prefixes bound as in the root."""
        parser = expat.ParserCreate("UTF-8", " ")
        try:
            parser.Parse(b"<body" + self.declarations + b">", False)
            parser.Parse(body, False)
            parser.Parse(b"</body>", True)
        except expat.ExpatError as exc:  # a bug in aifi-legal: refuse to hand it out
            raise AssertionError(
                f"generated DOCX is not well-formed: word/document.xml (body): {exc}"
            ) from None

    def _serialised(self, xml: str) -> bytes:
        """A rendered document part, parsed strictly and serialised as python-docx saves it."""
        try:
            tree = etree.fromstring(xml.encode("utf-8"), STRICT)
        except etree.XMLSyntaxError as exc:  # a bug in aifi-legal: refuse to hand it out
            raise AssertionError(
                f"generated DOCX is not well-formed: word/document.xml: {exc}"
            ) from None
        if not tables_consistent(tree):
            tree = self.fix_tables(xml)  # docxtpl widens or narrows their grids
        for number, drawing in enumerate(tree.iter("{*}docPr"), start=1001):
            drawing.attrib["id"] = str(number)  # docxtpl's fix_docpr_ids
        body = etree.tostring(tree, encoding="UTF-8", xml_declaration=False)
        end = body.index(b">")
        start = re.sub(
            rb' xmlns:([\w.-]+)="([^"]*)"',
            lambda m: b"" if self.namespaces.get(m[1]) == m[2] else m[0],
            body[:end],
        )
        return self.head + start + body[end:] + self.tail


def tables_consistent(tree: etree._Element) -> bool:
    """Whether every table's grid fits its rows, so that docxtpl's fix_tables changes nothing.

    As fix_tables counts them: the cells of every row below the table (nested tables' rows
    too), each cell as wide as its gridSpan.
    """
    for table in tree.iter(f"{_W}tbl"):
        grid = table.find(f"{_W}tblGrid")
        if grid is None:
            return False
        columns = len(grid.findall(f"{_W}gridCol"))
        spanned = table.find(f".//{_W}gridSpan") is not None
        widest = spans = 0
        for row in table.iter(f"{_W}tr"):
            cells = row.findall(f"{_W}tc")
            widest = max(widest, len(cells))
            spans = max(spans, sum(_span(c) for c in cells) if spanned else len(cells))
        if widest > columns or spans < columns:
            return False
    return True


def _span(cell: etree._Element) -> int:
    span = cell.find(f"{_W}tcPr/{_W}gridSpan")
    return int(span.get(f"{_W}val") or 1) if span is not None else 1
