"""Create the Word templates in templates/ from scratch.

The templates carry the styles (so lawyers can restyle a document in Word), the title page,
header and footer, and one `{{p body}}` paragraph where aifi-legal puts the parties, recitals,
articles, signature page and annexes. Run this only to reset the templates to the house style:

    python scripts/make_templates.py [TEMPLATES_DIR]

After a lawyer has edited a template in Word, keep the edited file instead.
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aifi_legal.documents import KINDS  # noqa: E402
from aifi_legal.word.conventions import STYLES  # noqa: E402  (style names shared with the writer)
from aifi_legal.word.reproducible import normalise_docx  # noqa: E402
from aifi_legal.word.writer import TEXT_WIDTH  # noqa: E402

FONT = "Arial"
DARK = RGBColor(0x1F, 0x3A, 0x5F)


def _lang(style) -> None:
    rpr = style.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "nl-NL")
    lang.set(qn("w:eastAsia"), "nl-NL")
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(lang)


def _paragraph_style(
    doc,
    name,
    base="Normal",
    *,
    size=None,
    bold=False,
    left=None,
    hanging=None,
    before=None,
    after=None,
    keep_next=False,
    page_break=False,
    color=None,
):
    styles = doc.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    if base and style.name != base:
        style.base_style = styles[base]
    style.quick_style = True
    font = style.font
    if size:
        font.size = Pt(size)
    font.bold = bold or None
    if color:
        font.color.rgb = color
    fmt = style.paragraph_format
    if left is not None:
        fmt.left_indent = Cm(left)
    if hanging is not None:
        fmt.first_line_indent = Cm(-hanging)
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if keep_next:
        fmt.keep_with_next = True
    if page_break:
        fmt.page_break_before = True
    return style


def _one_font(doc) -> None:
    """Every style and the document defaults in FONT, with no theme font above it.

    A theme font (`w:asciiTheme`) wins over `w:ascii`; the built-in headings name the theme's
    major font, which LibreOffice replaces by DejaVu Sans where Calibri is not installed.
    """
    for fonts in doc.styles.element.iter(qn("w:rFonts")):
        for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{theme}"), None)
        for script in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{script}"), FONT)


def _bottom_border(style) -> None:
    ppr = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr.append(borders)


def _field(paragraph, instruction: str, shown: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# The lines under the title on the title page; `{{r name}}` lines are filled by aifi-legal.
TITLE_LINES = {
    "intentieverklaring": ["tussen", "{{r aifi_name}}", "en", "{{r hospital_name}}"],
    "deelnameovereenkomst": ["tussen", "{{r aifi_name}}", "en", "{{r hospital_name}}"],
    "verwerkersovereenkomst": [
        "tussen",
        "{{r hospital_name}}",
        "als verwerkingsverantwoordelijke",
        "en",
        "{{r processor_name}}",
        "als verwerker",
    ],
    "dpia": [
        "AI-ondersteunde beoordeling van medische beelden via AIFI",
        "van",
        "{{r hospital_name}}",
    ],
}


# A title in a smaller size where its longest word would not fit the line at 26 pt
# ("Gegevensbeschermingseffectbeoordeling" does not, in Liberation Sans Bold, which LibreOffice
# uses for Arial; measured: it fits at 22 pt on the 453 pt line).
TITLE_SIZES = {"dpia": 22}


def make_template(kind_name: str, kind_title: str) -> Document:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    _lang(normal)

    _paragraph_style(
        doc, "Title", size=TITLE_SIZES.get(kind_name, 26), bold=True, color=DARK, after=18
    )
    _paragraph_style(doc, "Subtitle", size=13, color=DARK, after=6)
    _paragraph_style(
        doc, "Heading 1", size=11, bold=True, before=14, after=6, keep_next=True, color=DARK
    )
    _paragraph_style(
        doc, "Heading 2", size=10, bold=True, before=10, after=4, keep_next=True, color=DARK
    )
    for heading in ("Heading 1", "Heading 2", "Title", "Subtitle"):
        doc.styles[heading].font.italic = False
    _paragraph_style(doc, STYLES["annex_heading"], "Heading 1", page_break=True)
    _paragraph_style(doc, STYLES["signature_heading"], "Heading 1", before=18)
    _paragraph_style(doc, STYLES["text"], after=6)
    _paragraph_style(doc, STYLES["member"], left=0.9, hanging=0.9, after=6)
    _paragraph_style(doc, STYLES["recital"], left=0.9, hanging=0.9, after=6)
    _paragraph_style(doc, STYLES["item"], left=1.6, hanging=0.7, after=3)
    _paragraph_style(doc, STYLES["subheading"], "Heading 2")
    _paragraph_style(doc, STYLES["table_text"], after=0, size=9)
    _paragraph_style(doc, STYLES["signature_party"], bold=True, after=6, keep_next=True)
    _paragraph_style(doc, STYLES["signature_text"], after=2, keep_next=True)
    line = _paragraph_style(doc, STYLES["signature_line"], before=36, after=12)
    _bottom_border(line)
    _paragraph_style(doc, STYLES["title_meta"], size=10, after=2, color=DARK)
    # Not based on a heading: the contents list no heading of its own.
    _paragraph_style(
        doc,
        STYLES["contents_heading"],
        size=11,
        bold=True,
        before=0,
        after=12,
        keep_next=True,
        color=DARK,
    )
    entry = _paragraph_style(doc, STYLES["contents_entry"], after=3)
    entry.paragraph_format.tab_stops.add_tab_stop(
        Twips(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )
    _one_font(doc)

    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.different_first_page_header_footer = True

    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.add_run("{{r document_title}}")
    header.add_run(" – ")
    header.add_run("{{r hospital_name}}")
    for footer, numbered in (
        (section.footer.paragraphs[0], True),
        (section.first_page_footer.paragraphs[0], False),
    ):
        footer.style = doc.styles["Footer"]
        for text in ("Document-id ", "{{r document_id}}", " · versie ", "{{r version}}"):
            footer.add_run(text)
        if numbered:  # the title page carries no page number
            footer.add_run(" · pagina ")
            _field(footer, "PAGE", "1")
            footer.add_run(" van ")
            _field(footer, "NUMPAGES", "1")

    for _ in range(5):
        doc.add_paragraph()
    doc.add_paragraph(style="Title").add_run("{{r document_title}}")
    for line in TITLE_LINES[kind_name]:
        doc.add_paragraph(style="Subtitle").add_run(line)
    doc.add_paragraph()
    meta = doc.add_paragraph(style=STYLES["title_meta"])
    meta.add_run("Versie ")
    meta.add_run("{{r version}}")
    meta.add_run(" van ")
    meta.add_run("{{r date}}")
    meta = doc.add_paragraph(style=STYLES["title_meta"])
    meta.add_run("Document-id: ")
    meta.add_run("{{r document_id}}")
    meta = doc.add_paragraph(style=STYLES["title_meta"])
    meta.add_run("Implementatiegroep ")
    meta.add_run("{{r group}}")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("{{p body}}", style=STYLES["text"])

    props = doc.core_properties
    props.title = kind_title
    props.author = "aifi-legal"
    props.language = "nl-NL"
    return doc


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else ROOT / "templates"
    target.mkdir(parents=True, exist_ok=True)
    for kind in KINDS.values():
        doc = make_template(kind.name, kind.title)
        path = target / kind.template
        buffer = BytesIO()
        doc.save(buffer)
        path.write_bytes(normalise_docx(buffer.getvalue()))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
