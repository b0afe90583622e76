"""Preparing a PDF for signing: properties, empty signature fields, and a CONCEPT stamp.

The same input and arguments give byte-identical output.
"""

from __future__ import annotations

import hashlib
import io
import math
from datetime import UTC, datetime

import pypdf
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

from ..errors import PdfError
from .layout import Place, SignatureSlot, place_slots
from .read import field_state, reader_of, reading, sig_fields

AUTHOR = "aifi-legal"
DRAFT_TEXT = "CONCEPT"
# Helvetica-Bold advance widths (per 1000 em) of the letters in CONCEPT, from the standard AFM.
_HELVETICA_BOLD = {"C": 722, "O": 778, "N": 722, "E": 667, "P": 667, "T": 611}
_HELVETICA_BOLD_CAP_HEIGHT = 718
_DRAFT_FONT = "/AIFIConceptFont"
_DRAFT_STATE = "/AIFIConceptState"
# The stamp: its opacity (the text under it stays readable), its length as a share of the
# page's diagonal, and its grey level.
DRAFT_KEY = "/AIFIDraft"  # the info entry marking a CONCEPT-stamped draft
DRAFT_OPACITY = 0.35
DRAFT_DIAGONAL_SHARE = 0.6
DRAFT_GREY = 0.55


def prepare_pdf(
    pdf: bytes,
    *,
    title: str,
    subject: str,
    document_id: str,
    source_sha256: str,
    slots: list[SignatureSlot],
    draft: bool = False,
    created: datetime | None = None,
    signature_heading: str | None = None,
) -> bytes:
    """Add document properties, an empty signature field per slot and, for a draft, CONCEPT.

    `signature_heading` is the title of the signature section, where the search for the
    signature lines starts (the outline of the PDF says on which page).
    Each field sits on its signatory's signature line, found above the slot's anchor text.
    The same input and arguments give byte-identical output; without `created` the file has
    no creation date (LibreOffice's would change with every conversion).
    """
    names = [slot.field_name for slot in slots]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise PdfError(f"signature field names must be unique: {', '.join(doubles)}")
    reader = reader_of(pdf)
    with reading():
        existing = sig_fields(reader)
        if any(field_state(name, field).signed for name, field in existing):
            raise PdfError(
                "the PDF is already signed; adding fields would break the signature",
                hint="prepare the PDF before anyone signs it",
            )
        clash = sorted({name for name, _ in existing} & set(names))
        if clash:
            raise PdfError(f"the PDF already has a signature field named {', '.join(clash)}")
        places = place_slots(reader, slots, signature_heading)
        writer = pypdf.PdfWriter(clone_from=reader)
        info = {
            key: value
            for key, value in (reader.metadata or {}).items()
            if key not in ("/CreationDate", "/ModDate")
        }
        info.update(
            {
                "/Title": title,
                "/Subject": subject,
                "/Author": AUTHOR,
                "/Creator": AUTHOR,  # LibreOffice stays the /Producer: it made the PDF
                "/Keywords": "AIFI",
                "/AIFIDocumentId": document_id,
                "/AIFISourceSha256": source_sha256,
            }
        )
        if draft:
            info[DRAFT_KEY] = "true"  # intake refuses a signed draft by this entry
        if created is not None:
            info["/CreationDate"] = info["/ModDate"] = _pdf_date(created)
        writer.metadata = info
        _add_fields(writer, slots, places)
        if draft:
            _stamp_draft(writer)
        # The trailer /ID is random by default; derive it from the content instead, so the
        # same input gives the same bytes (and a different document a different ID): the file
        # is written once with a zero ID, which is then replaced in the trailer by the
        # digest of what was written.
        _set_file_id(writer, bytes(16))
        written = _written(writer)
        digest = hashlib.sha256(written).digest()[:16].hex().encode()
        trailer = written.rindex(b"trailer")
        zero = b"<" + bytes(16).hex().encode() + b">"
        tail = written[trailer:]
        if tail.count(zero) != 2:  # pypdf wrote the trailer otherwise: write it again
            _set_file_id(writer, bytes.fromhex(digest.decode()))
            return _written(writer)
        return written[:trailer] + tail.replace(zero, b"<" + digest + b">")


def _written(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_date(moment: datetime) -> str:
    """A PDF date string (D:YYYYMMDDHHmmSS+HH'mm'); a naive datetime is written as is."""
    text = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    if offset == UTC.utcoffset(None):
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}'{minutes:02d}'"


def _add_fields(writer, slots: list[SignatureSlot], places: dict[str, Place]) -> None:
    """One empty signature field per slot: a merged field/widget on its page."""
    if not slots:
        return
    root = writer.root_object
    acroform = root.get("/AcroForm")
    if acroform is None:
        acroform = DictionaryObject()
        root[NameObject("/AcroForm")] = _new_object(writer, acroform)
    acroform = acroform.get_object()
    fields = acroform.get("/Fields")
    if fields is None:
        fields = ArrayObject()
        acroform[NameObject("/Fields")] = fields
    fields = fields.get_object()
    for slot in slots:
        place = places[slot.field_name]
        page = writer.pages[place.page]
        x0, y0, x1, y1 = place.rect
        # An empty appearance: viewers draw their "click to sign" box themselves, and PDF 2.0
        # wants an appearance for every visible widget.
        appearance = DecodedStreamObject()
        appearance.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(
                    [
                        FloatObject(0),
                        FloatObject(0),
                        FloatObject(round(x1 - x0, 2)),
                        FloatObject(round(y1 - y0, 2)),
                    ]
                ),
            }
        )
        appearance.set_data(b"")
        field = DictionaryObject(
            {
                NameObject("/FT"): NameObject("/Sig"),
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/T"): TextStringObject(slot.field_name),
                NameObject("/TU"): TextStringObject(slot.signatory),
                NameObject("/F"): NumberObject(4),  # print
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in place.rect]),
                NameObject("/P"): page.indirect_reference,
                NameObject("/AP"): DictionaryObject(
                    {NameObject("/N"): _new_object(writer, appearance)}
                ),
            }
        )
        reference = _new_object(writer, field)
        annotations = page.get("/Annots")
        if annotations is None:
            page[NameObject("/Annots")] = ArrayObject([reference])
        else:
            annotations.get_object().append(reference)
        fields.append(reference)


def _stamp_draft(writer) -> None:
    """A large diagonal light-grey CONCEPT over every page, in Helvetica-Bold (no font file)."""
    font = _new_object(
        writer,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica-Bold"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        ),
    )
    # Translucent, so the text under the stamp stays readable.
    state = _new_object(
        writer,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/ExtGState"),
                NameObject("/ca"): FloatObject(DRAFT_OPACITY),
                NameObject("/CA"): FloatObject(DRAFT_OPACITY),
            }
        ),
    )
    em = sum(_HELVETICA_BOLD[c] for c in DRAFT_TEXT) / 1000
    for page in writer.pages:
        box = page.cropbox
        left, bottom = float(box.left), float(box.bottom)
        width, height = float(box.width), float(box.height)
        angle = math.atan2(height, width)
        size = DRAFT_DIAGONAL_SHARE * math.hypot(width, height) / em
        cos, sin = math.cos(angle), math.sin(angle)
        # Start so that the word's centre lies on the page's centre.
        dx, dy = -em * size / 2, -_HELVETICA_BOLD_CAP_HEIGHT / 1000 * size / 2
        tx = left + width / 2 + cos * dx - sin * dy
        ty = bottom + height / 2 + sin * dx + cos * dy
        stamp = (
            f"\nQ q {_DRAFT_STATE} gs {DRAFT_GREY} g BT {_DRAFT_FONT} {size:.2f} Tf "
            f"{cos:.5f} {sin:.5f} {-sin:.5f} {cos:.5f} {tx:.2f} {ty:.2f} Tm "
            f"({DRAFT_TEXT}) Tj ET Q\n"
        ).encode("ascii")
        _add_resource(page, "/Font", _DRAFT_FONT, font)
        _add_resource(page, "/ExtGState", _DRAFT_STATE, state)
        # Wrap the page's own content in q ... Q so its graphics state cannot move the stamp.
        before = DecodedStreamObject()
        before.set_data(b"q\n")
        after = DecodedStreamObject()
        after.set_data(stamp)
        contents = page.get("/Contents")
        existing = (
            []
            if contents is None
            else list(contents.get_object())
            if isinstance(contents.get_object(), ArrayObject)
            else [contents]
        )
        page[NameObject("/Contents")] = ArrayObject(
            [_new_object(writer, before), *existing, _new_object(writer, after)]
        )


def _add_resource(page, kind: str, name: str, reference) -> None:
    """Add a named resource to the page, copying inherited or shared dictionaries first."""
    node, resources = page, None
    while node is not None and resources is None:
        resources = node.get("/Resources")
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    own = (
        DictionaryObject(dict(resources.get_object()))
        if resources is not None
        else DictionaryObject()
    )
    group = own.get(kind)
    group = DictionaryObject(dict(group.get_object())) if group is not None else DictionaryObject()
    group[NameObject(name)] = reference
    own[NameObject(kind)] = group
    page[NameObject("/Resources")] = own


# pypdf has no public API for these two; each private use sits here, and
# tests/test_pdf.py fails when pypdf changes them.


def _new_object(writer: pypdf.PdfWriter, obj: PdfObject) -> IndirectObject:
    """Add an object to the writer as an indirect object (pypdf's private `_add_object`)."""
    return writer._add_object(obj)


def _set_file_id(writer: pypdf.PdfWriter, file_id: bytes) -> None:
    """Set the trailer's /ID (pypdf's private `_ID`; by default it is random per write)."""
    writer._ID = ArrayObject([ByteStringObject(file_id), ByteStringObject(file_id)])
