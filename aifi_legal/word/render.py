"""A DOCX from a Word template: each template opened, compiled and split once per process.

The straightforward path (`render_docx_plain`) opens the template with docxtpl for every
document, renders it, saves it with python-docx and zips it again for fixed timestamps.
`render_docx` makes the same bytes (tests/test_render.py proves it on every document of the
example) with what never changes done once per template: opening it, patching and compiling
its Jinja (title page, header, footer), the parts no document changes (settings, fonts,
theme, the second style part), which are serialised and deflated once and copied into every
document, and the styles as linked to the lists for each combination of sections. Per
document it writes the body, fills the compiled Jinja, serialises the parts that differ
(body, header, footer, numbering, properties), checks those as strict XML and zips once.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup

from ..assembly.assemble import AssembledDocument
from ..assembly.formatting import datum
from ..errors import Problem, TemplateError
from .conventions import document_timestamp
from .document_part import BODY_MARK as _BODY_MARK
from .document_part import STRICT as _STRICT
from .document_part import DocumentFrame
from .numbering import ListWriter, link_styles, style_links, styles_based_on
from .reproducible import Deflated, deflate, docx_zip, normalise_docx, xml_problems
from .writer import _rich, body_parts, body_xml, style_ids_of


def template_env() -> SandboxedEnvironment:
    """The Jinja environment a template's own fields are rendered in."""
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def template_variables(context: dict[str, Any], body: str) -> dict[str, Any]:
    """What a template's own Jinja (title page, header, footer) is filled with."""
    meta = context["document"]
    return {
        "document_title": _rich(meta["title"]),
        "hospital_name": _rich(context["ziekenhuis"]["legal_name"]),
        "aifi_name": _rich(context["aifi"]["legal_name"]),
        "processor_name": _rich(
            context["verwerker"]["legal_name"] if "verwerker" in context else ""
        ),
        "version": _rich(meta["version"]),
        "date": _rich(datum(meta["date"])),
        "document_id": _rich(meta["id"]),
        "group": _rich(context["groep"]["number"]),
        "body": Markup(body),
    }


def open_template(template_path: Path) -> DocxTemplate:
    """The template, opened (TemplateError when it is not a DOCX)."""
    try:
        template = DocxTemplate(str(template_path))
        template.init_docx()
    except Exception as exc:  # not a zip, not a DOCX
        raise TemplateError(
            [Problem(template_path, None, "", f"cannot open the template: {exc}")]
        ) from None
    return template


def render_docx_plain(
    template_path: Path, document: AssembledDocument, *, contents: bool | None = None
) -> bytes:
    """The straightforward path: open the template, render it with docxtpl, save, re-zip.

    word.render.render_docx makes the same bytes with each template opened and compiled once;
    this path stays as the reference it is tested against.
    """
    context = document.context
    template = open_template(template_path)
    lists = ListWriter(template.docx.part.numbering_part.element)
    style_ids = style_ids_of(template, template_path)
    styles = template.docx.styles.element
    sections = {rendered.clause.head.section for rendered in document.clauses}
    linked = link_styles(sections, lists, styles, style_ids)
    body = body_xml(document, style_ids, lists, styles_based_on(styles, linked), contents)
    try:
        template.render(
            template_variables(context, body), jinja_env=template_env(), autoescape=True
        )
    except Exception as exc:
        raise TemplateError(
            [Problem(template_path, None, "", f"the template does not render: {exc}")]
        ) from None
    lists.install()
    set_core_properties(template.docx.core_properties, context)
    buffer = io.BytesIO()
    template.save(buffer)
    data = normalise_docx(buffer.getvalue(), replace={APP_PART: app_properties(context)})
    broken = xml_problems(data)
    if broken:  # a bug in aifi-legal, never the user's doing; refuse to hand it out
        raise AssertionError(f"generated DOCX is not well-formed: {broken}")
    return data


def set_core_properties(props: CoreProperties, context: dict[str, Any]) -> None:
    """The document's core properties: title, id, version, dates, and who made it."""
    meta = context["document"]
    stamp = (
        document_timestamp(meta["date"])
        if not isinstance(meta["date"], str)
        else datetime(2000, 1, 1)
    )
    props.title = f"{meta['title']} – {context['ziekenhuis']['legal_name']}"
    props.subject = f"AIFI {meta['title']}"
    props.identifier = str(meta["id"])
    props.version = str(meta["version"])
    props.author = "aifi-legal"
    props.last_modified_by = "aifi-legal"
    props.language = "nl-NL"
    props.keywords = "AIFI"
    # The template's own description ("generated by python-docx") says nothing true here.
    props.comments = (
        f"{meta['title']}, versie {meta['version']}, document-id {meta['id']}: "
        "gemaakt met aifi-legal uit de gegevens en de clausulebibliotheek van AIFI."
    )
    props.category = "AIFI juridische pijler"
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp


APP_PART = "docProps/app.xml"


def app_properties(context: dict[str, Any]) -> bytes:
    """The extended properties: this application, the consortium, and no stale statistics.

    The template's part names another application and counts one page and no words; Word and
    LibreOffice compute the statistics themselves, so none are written.
    """
    company = escape(str(context["aifi"]["legal_name"]))
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties">'
        f"<Application>aifi-legal</Application><Company>{company}</Company>"
        "<DocSecurity>0</DocSecurity><LinksUpToDate>false</LinksUpToDate>"
        "</Properties>"
    ).encode()


# --- the compiled path --------------------------------------------------------------------------

# What docxtpl's listing pass changes in a text run: nothing else.
_LISTING = ("\t", "\a", "\n", "\f")
CORE_PART = "docProps/core.xml"


@dataclass
class _TemplatePart:
    """A header or footer: where it goes, its encoding and its compiled Jinja."""

    name: str
    encoding: str
    jinja: Template


@dataclass
class CompiledTemplate:
    """One template, opened and compiled: the fixed parts deflated, the variable ones ready."""

    path: Path
    docxtpl: DocxTemplate
    style_ids: dict[str, str]
    body: Template
    parts: list[_TemplatePart]
    order: list[str]  # the part names in the order python-docx saves them
    fixed: dict[str, Deflated]
    frame: DocumentFrame  # the document part around its body
    numbering: etree._Element
    styles: etree._Element
    core: etree._Element
    by_sections: dict[frozenset[str], tuple[Deflated, set[str]]] = field(default_factory=dict)

    def styles_for(self, sections: frozenset[str]) -> tuple[Deflated, set[str]]:
        """The style part as linked to the lists for these sections, and the styles numbered."""
        if sections not in self.by_sections:
            styles = copy.deepcopy(self.styles)
            lists = ListWriter(copy.deepcopy(self.numbering))
            linked = link_styles(sections, lists, styles, self.style_ids)
            data = serialize_part_xml(styles)
            self.by_sections[sections] = (deflate(data), styles_based_on(styles, linked))
        return self.by_sections[sections]


_COMPILED: dict[tuple[str, str], CompiledTemplate] = {}
MAX_COMPILED = 32  # templates kept compiled; the oldest goes first


def compiled_template(path: Path) -> CompiledTemplate:
    """The template at `path`, compiled once per process and content (its sha256)."""
    data = _read(path)
    key = (str(Path(path).resolve()), hashlib.sha256(data).hexdigest())
    if key not in _COMPILED:
        if len(_COMPILED) >= MAX_COMPILED:  # a long session that keeps editing templates
            del _COMPILED[next(iter(_COMPILED))]
        _COMPILED[key] = _compile(path, data)
    return _COMPILED[key]


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TemplateError(
            [Problem(path, None, "", f"cannot open the template: {exc.strerror or exc}")]
        ) from None


def _compile(path: Path, data: bytes) -> CompiledTemplate:
    template = open_template(path)
    docx = template.docx
    env = template_env()
    body = env.from_string(_for_jinja(template.patch_xml(template.get_xml())))
    parts = []
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _, part in template.get_headers_footers(uri):
            xml = template.get_part_xml(part)
            parts.append(
                _TemplatePart(
                    str(part.partname).lstrip("/"),
                    template.get_headers_footers_encoding(xml),
                    env.from_string(_for_jinja(template.patch_xml(xml))),
                )
            )
    # What python-docx writes for the template as it is: the order, and the parts that no
    # document changes, serialised and deflated once.
    buffer = io.BytesIO()
    docx.save(buffer)
    with zipfile.ZipFile(buffer) as saved:
        order = saved.namelist()
        variable = {"word/document.xml", "word/numbering.xml", "word/styles.xml", CORE_PART}
        variable |= {APP_PART} | {p.name for p in parts}
        fixed = {name: deflate(saved.read(name)) for name in order if name not in variable}
    if any(name.startswith("word/footnotes") for name in order):
        raise TemplateError(  # docxtpl would render them; no template of ours has them
            [Problem(path, None, "", "a template with footnotes is not supported")]
        )
    frame = DocumentFrame.of(docx.element, template.fix_tables)
    if frame is None:
        raise TemplateError([Problem(path, None, "", "the template's document has no one body")])
    return CompiledTemplate(
        path,
        template,
        style_ids_of(template, path),
        body,
        parts,
        order,
        fixed,
        frame,
        copy.deepcopy(docx.part.numbering_part.element),
        copy.deepcopy(docx.styles.element),
        copy.deepcopy(docx.core_properties._element),
    )


def _for_jinja(xml: str) -> str:
    """Docxtpl's preparation of a part's XML for Jinja (render_xml_part, first step)."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _after_jinja(compiled: CompiledTemplate, xml: str, body: str = "") -> tuple[str, str]:
    """Docxtpl's passes over rendered XML (render_xml_part): the result, and the body.

    The listing pass changes only tabs, bells, newlines and form feeds inside text runs; a
    body without them comes out unchanged, so it is left out of the pass: the result holds
    _BODY_MARK where the body goes. A body with them goes through the pass inside the result
    (no mark; the body returned is empty).
    """
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    replace = (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}"))
    # Each of these holds "{_" or "_}": a body with neither (the usual one) is not scanned
    # four times more.
    body_too = "{_" in body or "_}" in body
    for old, new in replace:
        xml = xml.replace(old, new)
        if body_too:
            body = body.replace(old, new)
    if any(c in body for c in _LISTING):
        return compiled.docxtpl.resolve_listing(xml.replace(_BODY_MARK, body)), ""
    return compiled.docxtpl.resolve_listing(xml), body


def render_docx(
    template_path: Path, document: AssembledDocument, *, contents: bool | None = None
) -> bytes:
    """Fill `template_path` with the assembled document; returns reproducible DOCX bytes.

    `contents`: whether a table of contents comes first (default: as the kind has it).
    """
    return docx_zip(render_parts(template_path, document, contents=contents))


def render_parts(
    template_path: Path, document: AssembledDocument, *, contents: bool | None = None
) -> list[tuple[str, bytes | Deflated]]:
    """The DOCX's parts in their order, each checked as strict XML, not yet zipped.

    What `validate` needs: everything that can fail, without packaging the result.
    """
    compiled = compiled_template(template_path)
    context = document.context
    sections = frozenset(rendered.clause.head.section for rendered in document.clauses)
    styles, unnumbered = compiled.styles_for(sections)
    numbering = copy.deepcopy(compiled.numbering)
    lists = ListWriter(numbering)
    for name in style_links(sections):  # the lists link_styles numbers, in its order
        lists.num_id(name)
    pieces = body_parts(document, compiled.style_ids, lists, unnumbered, contents)
    body = "".join(pieces)
    variables = template_variables(context, _BODY_MARK)
    try:
        xml, passed = _after_jinja(compiled, compiled.body.render(variables), body)
        rendered = {
            part.name: _after_jinja(compiled, part.jinja.render(variables))[0].encode(
                part.encoding
            )
            for part in compiled.parts
        }
    except Exception as exc:
        raise TemplateError(
            [Problem(template_path, None, "", f"the template does not render: {exc}")]
        ) from None
    lists.install()
    written = {
        # The pieces are checked as strict XML one by one, when the body is still theirs.
        "word/document.xml": compiled.frame.part(xml, passed, pieces if passed is body else None),
        "word/numbering.xml": serialize_part_xml(numbering),
        CORE_PART: _core_part(compiled, context),
        APP_PART: app_properties(context),
    }
    for name, data in rendered.items():  # as python-docx loads a rendered header and saves it
        written[name] = serialize_part_xml(parse_xml(data))
    for name in (APP_PART,):
        _strict(name, written[name])  # the others were parsed strictly on the way
    written_or_fixed: dict[str, bytes | Deflated] = {**compiled.fixed, **written}
    written_or_fixed["word/styles.xml"] = styles
    return [(name, written_or_fixed[name]) for name in compiled.order]


def _core_part(compiled: CompiledTemplate, context: dict[str, Any]) -> bytes:
    element = copy.deepcopy(compiled.core)
    set_core_properties(CoreProperties(element), context)
    return serialize_part_xml(element)


def _strict(name: str, data: bytes) -> None:
    try:
        etree.fromstring(data, _STRICT)
    except etree.XMLSyntaxError as exc:
        raise AssertionError(f"generated DOCX is not well-formed: {name}: {exc}") from None
