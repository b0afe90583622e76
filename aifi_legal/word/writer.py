"""Writing an assembled document into a Word template (docxtpl) as a reproducible DOCX.

The template supplies the styles, title page, header and footer; this module writes the body
(parties, recitals, articles, signature page, annexes) as WordprocessingML that refers to the
template's styles, never to direct formatting, so that a lawyer can restyle it in Word.
Every clause is wrapped in a bookmark named after its id, which survives editing in Word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docxtpl import DocxTemplate, RichText

from ..assembly.assemble import AssembledDocument, RenderedClause
from ..assembly.blocks import HEADING_NUMBERS, Cell, Run, Table
from ..assembly.placeholders import Placeholder
from ..documents import KINDS
from ..errors import Problem, TemplateError
from .conventions import (
    CONTENTS_TITLE,
    DATE_LINE,
    HIGHLIGHT,
    HIGHLIGHT_HEX,
    SIGNATORY_LABELS,
    STYLES,
    bookmark_name,
    heading_bookmark,
    labelled,
    term_bookmark,
)
from .numbering import ListWriter, num_pr

TEXT_WIDTH = 9071  # twentieths of a point: A4 less 2 x 2.5 cm margins
# For column widths: a character of 9 pt table text (bold headers included) takes at most
# about 100 twips; a cell adds its left and right margins.
CHAR_TWIPS = 100
CELL_MARGINS = 230
# Sections whose headings the table of contents does not list: they carry no article number.
UNLISTED_SECTIONS = frozenset({"partijen", "overwegingen", "ondertekening"})


def column_widths(texts: list[list[str]], total: int = TEXT_WIDTH) -> list[int]:
    """Column widths (twips) that fit the content: no word broken while the page allows it.

    Each column first gets room for its longest word; what is left is shared in proportion to
    the longest cell text of each column beyond that. The widths add up to `total`.
    """
    count = max(len(row) for row in texts)
    columns = [[row[i] if i < len(row) else "" for row in texts] for i in range(count)]
    least = [
        max((len(w) for cell in col for w in cell.split()), default=1) * CHAR_TWIPS + CELL_MARGINS
        for col in columns
    ]
    wanted = [max(len(cell) for cell in col) * CHAR_TWIPS + CELL_MARGINS for col in columns]
    if sum(least) >= total:  # even the words do not fit: shrink them all alike
        widths = [w * total // sum(least) for w in least]
    else:
        extra = [max(want - low, 0) for want, low in zip(wanted, least, strict=True)]
        room = total - sum(least)
        share = sum(extra) or 1
        widths = [
            low + (room * more // share if sum(extra) else room // count)
            for low, more in zip(least, extra, strict=True)
        ]
    widths[-1] += total - sum(widths)
    return widths


# A run's properties by (bold, placeholder).
_PROPS = {
    (bold, placeholder): (
        "<w:rPr>"
        + ("<w:b/>" if bold else "")
        + (f'<w:highlight w:val="{HIGHLIGHT}"/>' if placeholder else "")
        + "</w:rPr>"
        if bold or placeholder
        else ""
    )
    for bold in (False, True)
    for placeholder in (False, True)
}


def _run_xml(run: Run) -> str:
    """A run's XML (without a term's bookmark): its text, and a REF field for a reference."""
    props = _PROPS[run.bold, run.placeholder]
    xml = f'<w:r>{props}<w:t xml:space="preserve">{escape(run.text)}</w:t></w:r>'
    if run.ref is not None:
        xml = (
            f'<w:r>{props}<w:fldChar w:fldCharType="begin"/></w:r><w:r>{props}<w:instrText '
            f'xml:space="preserve"> REF {heading_bookmark(run.ref)} \\r \\h </w:instrText>'
            f'</w:r><w:r>{props}<w:fldChar w:fldCharType="separate"/></w:r>{xml}'
            f'<w:r>{props}<w:fldChar w:fldCharType="end"/></w:r>'
        )
    return xml


# The XML of runs written before, by (text, bold, placeholder, ref): most runs of a document
# were in the one before it.
_RUNS: dict[tuple[str, bool, bool, str | None], str] = {}
MAX_RUNS = 50_000


class _Body:
    """Collects the body XML of one document."""

    def __init__(self, style_ids: dict[str, str], lists: ListWriter, unnumbered: set[str]):
        self.style_ids = style_ids
        self.lists = lists
        self.unnumbered = unnumbered  # style ids a list numbers unless the paragraph says not
        self.section = ""  # the section of the clause being written
        self.parts: list[str] = []
        self.bookmark_id = 0
        self.clause_id: str | None = None  # the clause being written
        self.terms = 0  # terms written in it so far
        self.new_page = False  # the next clause starts on a new page

    def run(self, run: Run) -> str:
        """One run; a term from the data inside a bookmark that names its place.

        A cross-reference is a REF field to the heading it names, showing its number now, so
        that Word renumbers it with the heading (on updating fields) and LibreOffice shows it
        as laid out.
        """
        key = (run.text, run.bold, run.placeholder, run.ref)
        xml = _RUNS.get(key)
        if xml is None:
            xml = _run_xml(run)
            if len(_RUNS) >= MAX_RUNS:
                _RUNS.clear()
            _RUNS[key] = xml
        if run.term is None or self.clause_id is None:
            return xml
        self.terms += 1
        self.bookmark_id += 1
        name = term_bookmark(self.clause_id, self.terms)
        return (
            f'<w:bookmarkStart w:id="{self.bookmark_id}" w:name="{name}"/>{xml}'
            f'<w:bookmarkEnd w:id="{self.bookmark_id}"/>'
        )

    def numbering(self, role: str, label: str | None) -> str:
        """The w:numPr that makes Word show `label` before a paragraph of `role`."""
        if role in ("heading", "annex_heading") and self.section in HEADING_NUMBERS:
            return num_pr(self.lists.num_id(self.section))
        if label is None:
            return ""
        if role == "member":
            return num_pr(self.lists.num_id("artikel"), 1)
        name = {"recital": "overwegingen", "item": "opsomming"}[role]
        if role == "item" and self.section == "partijen":
            name = "partijen"
        # A list starts again where its first label stands ("a.", "1.", "A."), as in the text.
        return num_pr(self.lists.num_id(name, new=label in ("a.", "1.", "A.")))

    def paragraph(
        self,
        role: str,
        runs: tuple[Run, ...] | list[Run],
        label: str | None = None,
        *,
        before: str = "",
        after: str = "",
    ) -> str:
        numbering = self.numbering(role, label)
        if not numbering and self.style_ids[role] in self.unnumbered:
            numbering = num_pr(0)  # numId 0: not numbered, though its style is
        xml = f'<w:p><w:pPr><w:pStyle w:val="{self.style_ids[role]}"/>{numbering}</w:pPr>{before}'
        xml += "".join([self.run(r) for r in runs]) + after + "</w:p>"
        return xml

    def table(self, table: Table) -> str:
        width = max(len(row) for row in table.rows)
        widths = column_widths(
            [["".join(r.text for r in cell.runs) for cell in row] for row in table.rows]
        )
        grid = "".join(f'<w:gridCol w:w="{column}"/>' for column in widths)
        rows = []
        for index, row in enumerate(table.rows):
            cells = list(row) + [Cell(())] * (width - len(row))
            # A row never breaks across pages; the header row repeats on every page.
            header = (
                "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
                if index == 0
                else "<w:trPr><w:cantSplit/></w:trPr>"
            )
            xml_cells = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{column}" w:type="dxa"/>'
                + (
                    f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.fill}"/>'
                    if cell.fill
                    else ""
                )
                + "</w:tcPr>"
                + self.paragraph(
                    "table_text",
                    # The header row bold; the other rows' runs as they are (no copies).
                    tuple(r if r.bold else replace(r, bold=True) for r in cell.runs)
                    if index == 0
                    else cell.runs,
                )
                + "</w:tc>"
                for cell, column in zip(cells, widths, strict=True)
            )
            rows.append(f"<w:tr>{header}{xml_cells}</w:tr>")
        return (
            "<w:tbl><w:tblPr>"
            f'<w:tblStyle w:val="{self.style_ids["table"]}"/>'
            f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
            '<w:tblLayout w:type="fixed"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
        )

    def clause(self, rendered: RenderedClause) -> None:
        """Write one clause wrapped in a bookmark named after its id."""
        self.clause_id, self.terms = rendered.clause.id, 0
        self.bookmark_id += 1
        start = (
            f'<w:bookmarkStart w:id="{self.bookmark_id}" '
            f'w:name="{bookmark_name(rendered.clause.id)}"/>'
        )
        end = f'<w:bookmarkEnd w:id="{self.bookmark_id}"/>'
        pieces: list[str] = []
        section = self.section = rendered.clause.head.section
        if rendered.heading or section in ("partijen", "overwegingen", "ondertekening"):
            role = {"bijlage": "annex_heading", "ondertekening": "signature_heading"}.get(
                section, "heading"
            )
            # The number is Word's (numbering.LISTS); the text is the title, inside the hidden
            # bookmark that cross-references point at, as Word's own cross-references do.
            before = after = ""
            if rendered.heading:
                self.bookmark_id += 1
                name = heading_bookmark(rendered.clause.id)
                before = f'<w:bookmarkStart w:id="{self.bookmark_id}" w:name="{name}"/>'
                after = f'<w:bookmarkEnd w:id="{self.bookmark_id}"/>'
            title = Run(rendered.clause.head.title)
            pieces.append(self.paragraph(role, (title,), before=before, after=after))
        for block in rendered.blocks:
            if isinstance(block, Table):
                pieces.append(self.table(block))
            else:
                pieces.append(self.paragraph(block.role, block.runs, block.label))
        # The bookmark opens inside the first paragraph and closes inside the last one. A
        # clause never ends on a table: LibreOffice loses the next clause's bookmark on a round
        # trip when a bookmark closes in or right after a table (measured with 7.4).
        if pieces[-1].startswith("<w:tbl>"):
            pieces.append(self.paragraph("text", ()))
        first = pieces[0]
        head, _, rest = first.partition("</w:pPr>")
        if self.new_page:
            head, self.new_page = head + "<w:pageBreakBefore/>", False
        pieces[0] = f"{head}</w:pPr>{start}{rest}"
        pieces[-1] = pieces[-1][: -len("</w:p>")] + end + "</w:p>"
        self.parts.extend(pieces)
        self.clause_id = None

    def contents(self, clauses: Sequence[RenderedClause]) -> None:
        """A table of contents on a page of its own: every article and annex, with its page.

        Each entry links to its clause's bookmark; its page number is a PAGEREF field to that
        bookmark, computed when the document is laid out (by LibreOffice for the PDF, by Word
        on opening, as the field is marked out of date), so the DOCX holds no page number
        that could be stale.
        """
        self.parts.append(self.paragraph("contents_heading", (Run(CONTENTS_TITLE),)))
        for rendered in clauses:
            if not rendered.heading or rendered.clause.head.section in UNLISTED_SECTIONS:
                continue
            name = bookmark_name(rendered.clause.id)
            page = (
                '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                f'<w:r><w:instrText xml:space="preserve"> PAGEREF {name} \\h </w:instrText>'
                '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            )
            number = HEADING_NUMBERS[rendered.clause.head.section].format(rendered.number)
            self.parts.append(
                self.paragraph(
                    "contents_entry",
                    (
                        Run(number, ref=rendered.clause.id),
                        Run(" " + rendered.clause.head.title),
                    ),
                    before=f'<w:hyperlink w:anchor="{name}" w:history="1">',
                    after=f"<w:r><w:tab/></w:r>{page}</w:hyperlink>",
                )
            )
        self.new_page = True

    def signatures(self, parties: list[dict[str, Any]]) -> None:
        """The signature table: one column per party, a block per signatory."""
        # Equal columns that fill the line (the last takes the odd twips).
        widths = [TEXT_WIDTH // len(parties)] * len(parties)
        widths[-1] += TEXT_WIDTH - sum(widths)
        cells = []
        for party, column in zip(parties, widths, strict=True):
            paragraphs = [self.paragraph("signature_party", (_run(party["legal_name"]),))]
            for signatory in party["signatories"]:
                paragraphs.append(self.paragraph("signature_line", ()))
                values = (
                    signatory["name"],
                    signatory["function"],
                    signatory["capacity"],
                    signatory["place"],
                )
                for label, value in zip(SIGNATORY_LABELS, values, strict=True):
                    paragraphs.append(
                        self.paragraph("signature_text", (Run(labelled(label, "")), _run(value)))
                    )
                paragraphs.append(self.paragraph("signature_text", (Run(DATE_LINE),)))
            cells.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{column}" w:type="dxa"/></w:tcPr>'
                f"{''.join(paragraphs)}</w:tc>"
            )
        grid = "".join(f'<w:gridCol w:w="{column}"/>' for column in widths)
        self.parts.append(
            f'<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/>'
            '<w:tblLayout w:type="fixed"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr>"
            f"{''.join(cells)}</w:tr></w:tbl>"
        )
        # Word requires a paragraph after a table at the end of a cell or section.
        self.parts.append(self.paragraph("text", ()))


def _run(value: Any) -> Run:
    return Run(str(value), placeholder=isinstance(value, Placeholder))


def _rich(value: Any) -> RichText:
    if isinstance(value, Placeholder):
        return RichText(str(value), highlight=HIGHLIGHT_HEX)
    return RichText(str(value))


def style_ids_of(template: DocxTemplate, path: Path) -> dict[str, str]:
    """The template's style id of each paragraph role (TemplateError for a missing style)."""
    by_name = {style.name: style.style_id for style in template.get_docx().styles}
    missing = [name for name in STYLES.values() if name not in by_name]
    if missing:
        raise TemplateError(
            [
                Problem(path, None, "", f"style {name!r} is missing from the template")
                for name in missing
            ]
        )
    return {role: by_name[name] for role, name in STYLES.items()}


def body_xml(
    document: AssembledDocument,
    style_ids: dict[str, str],
    lists: ListWriter,
    unnumbered: set[str],
    contents: bool | None,
) -> str:
    """The WordprocessingML of a document's body: contents, clauses and the signature table."""
    return "".join(body_parts(document, style_ids, lists, unnumbered, contents))


def body_parts(
    document: AssembledDocument,
    style_ids: dict[str, str],
    lists: ListWriter,
    unnumbered: set[str],
    contents: bool | None,
) -> list[str]:
    """The body as the paragraphs and tables it is made of, each whole XML content."""
    context = document.context
    body = _Body(style_ids, lists, unnumbered)
    # The signature table follows the signature section and precedes the annexes; a document
    # that is not signed in its present state (a draft DPIA) has none.
    parties = [context[key] for key in KINDS[document.kind].parties]
    placed = not context["document"]["signed"]
    if KINDS[document.kind].contents if contents is None else contents:
        body.contents(document.clauses)
    for rendered in document.clauses:
        if rendered.clause.head.section == "bijlage" and not placed:
            body.signatures(parties)
            placed = True
        body.clause(rendered)
    if not placed:
        body.signatures(parties)
    return body.parts
