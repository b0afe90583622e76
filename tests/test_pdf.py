"""PDFs for signing: conversion with LibreOffice, properties and signature fields, checking the
returned file (pypdf for the fields, pyHanko for the signatures).

LibreOffice runs twice for the whole module (the eight fixture documents, then an edited and a
re-converted document); CI installs it (see .ci/run).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from conftest import SOFFICE, TWO_HOSPITALS
from docxedit import DOCUMENT, replace_once, rewrite_docx

from aifi_legal.pdf import (
    PdfError,
    SignatureSlot,
    compare_pages,
    convert_to_pdf,
    find_soffice,
    page_texts,
    prepare_pdf,
    read_document_info,
    signature_fields,
    verify_signatures,
)

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("pyhanko", reason="pyHanko checks the signatures (pip install pyhanko)")

from pdfsigning import make_signer, sign_field  # noqa: E402

HERE = Path(__file__).parent
needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (Debian package "
    "libreoffice-writer-nogui); .ci/run installs it",
)

HOSPITAL = "den-bosch-noord"
BART = "drs. Bart van 't Veld"
INGRID = "Ingrid Sønnesyn"
MARLOES = "drs. Marloes Verhagen-Ait Taleb"  # AIFI's signatory
SLOTS = [
    SignatureSlot("sig_ziekenhuis_1", f"Naam: {BART}", BART),
    SignatureSlot("sig_ziekenhuis_2", f"Naam: {INGRID}", INGRID),
    SignatureSlot("sig_aifi_1", f"Naam: {MARLOES}", MARLOES),
]
CREATED = datetime(2026, 3, 1, 9, 0)
# The smallest document with all three signatories (8 pages): pypdf reads ~0.1 s a page.
STEM = "intentieverklaring"
# In the parties of the intentieverklaring.
EDIT = ("ieder afzonderlijk als", "elk afzonderlijk als")


def prepare(pdf: bytes, **changes) -> bytes:
    arguments = dict(
        title="Intentieverklaring – Stichting Ziekenhuis 's-Hertogenbosch Noord",
        subject="AIFI Intentieverklaring",
        document_id="AIFI-IVK-DEN-BOSCH-NOORD-V1.0",
        source_sha256="ab" * 32,
        slots=SLOTS,
        created=CREATED,
    )
    arguments.update(changes)
    return prepare_pdf(pdf, **arguments)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from aifi_legal import load_project

    project = load_project(TWO_HOSPITALS)
    return project.build(tmp_path_factory.mktemp("docx"))


@pytest.fixture(scope="module")
def converted(built, tmp_path_factory):
    """All eight documents of both hospitals (same file names!) in one call."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (Debian package libreoffice-writer-nogui)")
    out = tmp_path_factory.mktemp("pdf")
    return out, convert_to_pdf([d.path for d in built.documents], out)


@pytest.fixture(scope="module")
def second_run(built, tmp_path_factory):
    """The intentieverklaring with one word changed, and the same DOCX converted again."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed (Debian package libreoffice-writer-nogui)")
    source = next(
        d.path
        for d in built.documents
        if d.hospital_id == HOSPITAL and d.kind == "intentieverklaring"
    )
    work = tmp_path_factory.mktemp("second")
    (work / "edited").mkdir()
    (work / "again").mkdir()
    _edit_docx(source, work / "edited" / source.name, *EDIT)
    shutil.copyfile(source, work / "again" / source.name)
    out = tmp_path_factory.mktemp("pdf2")
    result = convert_to_pdf([work / "edited" / source.name, work / "again" / source.name], out)
    return {
        "edited": result[work / "edited" / source.name],
        "again": result[work / "again" / source.name],
    }


def _edit_docx(source: Path, target: Path, old: str, new: str) -> None:
    rewrite_docx(source, target, changes={DOCUMENT: replace_once(old, new)})


def _pdf(converted, stem: str, hospital: str = HOSPITAL) -> bytes:
    _out, mapping = converted
    return next(
        p for d, p in mapping.items() if d.parent.name == hospital and d.stem == stem
    ).read_bytes()


@pytest.fixture(scope="module")
def prepared(converted) -> bytes:
    return prepare(_pdf(converted, STEM))


@pytest.fixture(scope="module")
def signer():
    return make_signer(BART)


@pytest.fixture(scope="module")
def signed_once(prepared, signer) -> bytes:
    return sign_field(prepared, "sig_ziekenhuis_1", signer)


def _anchors(pdf: bytes) -> dict[str, tuple[int, float, float]]:
    """Independently of the module: page (0-based), x and y of each "Naam: ..." line."""
    found = {}
    for index, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, font, size, index=index):
            if text.startswith("Naam: "):
                found[text.strip()] = (index, tm[4], tm[5])

        page.extract_text(visitor_text=visit)
    return found


def _fields(pdf: bytes) -> dict[str, tuple[int, list[float], dict]]:
    fields = {}
    for index, page in enumerate(pypdf.PdfReader(io.BytesIO(pdf)).pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/FT") == "/Sig":
                fields[annotation["/T"]] = (
                    index,
                    [float(v) for v in annotation["/Rect"]],
                    annotation,
                )
    return fields


# --------------------------------------------------------------------------- conversion


@needs_soffice
def test_files_with_the_same_name_from_two_hospitals_do_not_collide(built, converted):
    out, mapping = converted
    assert set(mapping) == {d.path for d in built.documents}
    assert len(set(mapping.values())) == 8
    for docx, pdf in mapping.items():
        assert pdf == out / docx.parent.name / f"{docx.stem}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-")
    ours = read_document_info(_pdf(converted, "dpia"))["/Title"]
    theirs = read_document_info(_pdf(converted, "dpia", "linde-en-eik"))["/Title"]
    assert "'s-Hertogenbosch Noord" in ours and "'s-Hertogenbosch Noord" not in theirs
    assert not [p for p in out.rglob("*") if p.is_file() and p.suffix != ".pdf"]


@needs_soffice
def test_a_file_libreoffice_cannot_load_is_named_and_nothing_is_written(built, tmp_path):
    bad = tmp_path / "in" / "kapot.docx"
    bad.parent.mkdir()
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("[Content_Types].xml", "<niet-af")
    good = built.documents[0].path
    out = tmp_path / "out"
    with pytest.raises(PdfError) as caught:
        convert_to_pdf([good, bad], out)
    assert "kapot.docx" in caught.value.message
    assert good.name not in caught.value.message
    assert not out.exists() or not any(out.rglob("*.pdf"))


@needs_soffice
def test_a_conversion_that_times_out_is_reported(built, tmp_path):
    with pytest.raises(PdfError, match="timed out"):
        convert_to_pdf([built.documents[0].path], tmp_path / "out", timeout=0.01)
    assert not any(tmp_path.rglob("*.pdf"))


def test_missing_libreoffice_names_the_debian_package(monkeypatch):
    import aifi_legal.pdf.convert as module

    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    monkeypatch.setattr(module.os.path, "isfile", lambda path: False)
    with pytest.raises(PdfError) as caught:
        find_soffice()
    assert "libreoffice-writer-nogui" in caught.value.hint


@needs_soffice
def test_a_relative_output_folder_converts(built, tmp_path, monkeypatch):
    """`aifi-legal build --out out --pdf` in the current folder (a file URI needs care)."""
    source = next(d.path for d in built.documents if d.path.stem == STEM)
    shutil.copyfile(source, tmp_path / "ivk.docx")
    monkeypatch.chdir(tmp_path)
    Path("out").mkdir()
    [(_, pdf)] = convert_to_pdf([Path("ivk.docx")], Path("out"), work_dir=Path("out")).items()
    assert (tmp_path / pdf).read_bytes().startswith(b"%PDF")


def test_a_missing_input_file_is_an_error(tmp_path):
    with pytest.raises(PdfError, match="no such file"):
        convert_to_pdf([tmp_path / "weg.docx"], tmp_path)


# --------------------------------------------------------------------------- preparing


@needs_soffice
def test_properties_are_set(prepared):
    info = read_document_info(prepared)
    assert info["/Title"] == "Intentieverklaring – Stichting Ziekenhuis 's-Hertogenbosch Noord"
    assert info["/Subject"] == "AIFI Intentieverklaring"
    assert info["/Author"] == info["/Creator"] == "aifi-legal"
    assert info["/Keywords"] == "AIFI"
    assert info["/AIFIDocumentId"] == "AIFI-IVK-DEN-BOSCH-NOORD-V1.0"
    assert info["/AIFISourceSha256"] == "ab" * 32
    assert info["/CreationDate"] == info["/ModDate"] == "D:20260301090000"


@needs_soffice
def test_one_empty_field_per_slot_on_its_signature_line(prepared):
    assert [(f.field_name, f.signed) for f in signature_fields(prepared)] == [
        (s.field_name, False) for s in SLOTS
    ]
    anchors = _anchors(prepared)
    fields = _fields(prepared)
    for slot in SLOTS:
        page, x, y = anchors[slot.anchor_text]
        field_page, (x0, y0, x1, y1), field = fields[slot.field_name]
        assert field_page == page, slot
        # Above the "Naam:" line (not on it), about 200 x 40, starting where the text starts.
        assert y + 10 < y0 < y + 40, (slot, y, y0)
        assert 20 <= y1 - y0 <= 40 and 150 <= x1 - x0 <= 200
        assert abs(x0 - x) < 5
        assert field["/TU"] == slot.signatory and field["/F"] == 4
        assert "/V" not in field
    # The two hospital signatories sign one below the other, AIFI's beside them.
    assert fields["sig_ziekenhuis_2"][1][1] < fields["sig_ziekenhuis_1"][1][1]
    assert fields["sig_aifi_1"][1][0] > fields["sig_ziekenhuis_1"][1][2]


@needs_soffice
def test_a_slot_whose_name_is_not_in_the_pdf_is_an_error(converted):
    slot = SignatureSlot("sig_ziekenhuis_3", "Naam: dr. Niet Aanwezig", "dr. Niet Aanwezig")
    with pytest.raises(PdfError, match="sig_ziekenhuis_3"):
        prepare(_pdf(converted, STEM), slots=[*SLOTS, slot])
    # Whole words only: "Naam: drs. Bart va" is not in the PDF.
    prefix = SignatureSlot("sig_x", "Naam: drs. Bart va", "drs. Bart va")
    with pytest.raises(PdfError, match="sig_x"):
        prepare(_pdf(converted, STEM), slots=[prefix])


@needs_soffice
def test_a_draft_says_concept_on_every_page(converted, prepared):
    draft = prepare(_pdf(converted, STEM), draft=True)
    texts = page_texts(draft)
    assert len(texts) == len(page_texts(prepared)) == 8
    assert all("CONCEPT" in text for text in texts)
    assert not any("CONCEPT" in text for text in page_texts(prepared))
    # The stamp does not hide the text or the fields.
    assert "Naam: drs. Bart van 't Veld" in texts[_fields(draft)["sig_ziekenhuis_1"][0]]
    assert len(signature_fields(draft)) == 3


@needs_soffice
def test_prepared_pdfs_are_reproducible(converted, prepared, second_run):
    source = _pdf(converted, STEM)
    assert prepare(source) == prepared
    assert prepare(source, draft=True) == prepare(source, draft=True)
    other = prepare(source, document_id="AIFI-IVK-DEN-BOSCH-NOORD-V1.1")
    trailer_id = pypdf.PdfReader(io.BytesIO(other)).trailer["/ID"]
    assert trailer_id != pypdf.PdfReader(io.BytesIO(prepared)).trailer["/ID"]
    # LibreOffice stamps each conversion with its time and a random /ID; the prepared PDF
    # carries neither, so converting the same DOCX again gives the same bytes.
    again = second_run["again"].read_bytes()
    assert source != again
    assert prepare(again) == prepared
    assert "/CreationDate" not in read_document_info(prepare(source, created=None))


@needs_soffice
def test_a_signed_pdf_is_not_prepared_again(signed_once):
    with pytest.raises(PdfError, match="already signed"):
        prepare(signed_once, slots=[])


def _synthetic_pdf(content: bytes) -> bytes:
    """A one-page A4 PDF with Helvetica (WinAnsi) as /F1 and the given content stream."""
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _rect(pdf: bytes, field_name: str) -> list[float]:
    return _fields(pdf)[field_name][1]


BART_SLOT = [SignatureSlot("sig_ziekenhuis_1", f"Naam: {BART}", BART)]


def test_an_anchor_split_over_text_operations_is_found_on_its_line():
    # "Naam:" and the name in separate text objects (no space character between them), the
    # name itself split again, with a typographic apostrophe (\x92 in WinAnsi); a line above.
    pdf = _synthetic_pdf(
        b"0.75 w 71 700 m 287 700 l S "
        b"BT /F1 10 Tf 71 676 Td (Naam:) Tj ET "
        b"BT /F1 10 Tf 102 676 Td (drs. Bart van ) Tj (\x92t Veld) Tj ET"
    )
    x0, y0, x1, y1 = _rect(prepare(pdf, slots=BART_SLOT), "sig_ziekenhuis_1")
    assert (x0, y0, x1 - x0, y1 - y0) == (71, 701, 200, 40)


def test_without_a_line_the_field_goes_where_our_template_puts_the_line():
    pdf = _synthetic_pdf(b"BT /F1 10 Tf 71 676 Td (Naam: drs. Bart van 't Veld) Tj ET")
    x0, y0, x1, y1 = _rect(prepare(pdf, slots=BART_SLOT), "sig_ziekenhuis_1")
    assert x0 == 71 and 676 + 20 < y0 < 676 + 30 and (x1 - x0, y1 - y0) == (200, 40)


def test_the_field_gets_lower_when_text_is_close_above_the_line():
    pdf = _synthetic_pdf(
        b"71 700 m 287 700 l S BT /F1 10 Tf 71 725 Td (Stichting X) Tj ET "
        b"BT /F1 10 Tf 71 676 Td (Naam: drs. Bart van 't Veld) Tj ET"
    )
    _x0, y0, _x1, y1 = _rect(prepare(pdf, slots=BART_SLOT), "sig_ziekenhuis_1")
    assert y0 == 701 and 20 <= y1 - y0 < 25 and y1 < 725


def test_an_occurrence_with_a_signature_line_wins_and_whole_words_count():
    # The name first appears in running text, then on the signature line further down.
    pdf = _synthetic_pdf(
        b"BT /F1 10 Tf 71 780 Td (Naam: drs. Bart van 't Veld) Tj ET "
        b"71 400 m 287 400 l S "
        b"BT /F1 10 Tf 71 376 Td (Naam: drs. Bart van 't Veld) Tj ET "
        b"BT /F1 10 Tf 71 200 Td (Naam: Jansen) Tj ET"
    )
    assert _rect(prepare(pdf, slots=BART_SLOT), "sig_ziekenhuis_1")[1] == 401
    jan = SignatureSlot("sig_x", "Naam: Jan", "Jan")
    with pytest.raises(PdfError, match="sig_x"):
        prepare(pdf, slots=[jan])


def test_two_outputs_on_one_file_are_refused_before_converting(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"x")
    (tmp_path / "a.odt").write_bytes(b"x")
    with pytest.raises(PdfError, match="would both become"):
        convert_to_pdf([tmp_path / "a.docx", tmp_path / "a.odt"], tmp_path / "out")


# --------------------------------------------------------------------------- signatures


@needs_soffice
def test_signing_one_field_is_an_intact_covering_untrusted_signature(
    prepared, signed_once, signer
):
    assert signed_once.startswith(prepared)  # an incremental update
    states = {f.field_name: f for f in signature_fields(signed_once)}
    assert [name for name, f in states.items() if f.signed] == ["sig_ziekenhuis_1"]
    state = states["sig_ziekenhuis_1"]
    assert state.sub_filter in ("/adbe.pkcs7.detached", "/ETSI.CAdES.detached")
    assert state.signing_time.startswith("D:")
    assert state.byte_range[0] == 0 and sum(state.byte_range[2:]) == len(signed_once)

    [check] = verify_signatures(signed_once)
    assert check.field_name == "sig_ziekenhuis_1"
    assert (check.intact, check.covers_document, check.trusted) == (True, True, False)
    assert check.signer == BART and check.problem is None
    assert check.signing_time is not None
    # Trust is a policy: with the certificate as a trust root the same signature is trusted.
    [trusted] = verify_signatures(signed_once, trust_roots=[signer.certificate_der])
    assert trusted.trusted and trusted.intact


@needs_soffice
def test_one_changed_byte_breaks_the_signature_quietly(signed_once, capfd, caplog):
    start, length = signature_fields(signed_once)[0].byte_range[:2]
    # A byte inside a stream of the signed revision: the file still parses.
    position = signed_once.index(b"stream", length // 2) + 40
    assert start <= position < start + length
    tampered = bytearray(signed_once)
    tampered[position] ^= 0x01
    [check] = verify_signatures(bytes(tampered))
    assert check.intact is False and check.covers_document is False
    assert "changed" in check.problem
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert not [r for r in caplog.records if r.name.startswith("pyhanko")]


@needs_soffice
def test_an_untrusted_certificate_logs_no_traceback(signed_once, capfd, caplog):
    verify_signatures(signed_once)
    assert capfd.readouterr() == ("", "")
    assert not caplog.records


@needs_soffice
def test_verifying_works_inside_a_running_event_loop(signed_once):
    """Jupyter runs an event loop; pyHanko's synchronous API would refuse to start another."""
    import asyncio

    async def inside():
        return verify_signatures(signed_once)

    [check] = asyncio.run(inside())
    assert check.intact


@needs_soffice
def test_a_trust_root_that_is_not_a_certificate_is_a_pdf_error(signed_once):
    with pytest.raises(PdfError, match="trust root"):
        verify_signatures(signed_once, trust_roots=[b"not a certificate"])


@needs_soffice
def test_a_second_signature_keeps_both_valid(prepared, signed_once):
    twice = sign_field(signed_once, "sig_aifi_1", make_signer(MARLOES))
    assert twice.startswith(signed_once)
    states = {f.field_name: f.signed for f in signature_fields(twice)}
    assert states == {"sig_ziekenhuis_1": True, "sig_ziekenhuis_2": False, "sig_aifi_1": True}
    checks = {c.field_name: c for c in verify_signatures(twice)}
    assert set(checks) == {"sig_ziekenhuis_1", "sig_aifi_1"}
    assert all(c.intact and c.covers_document and c.problem is None for c in checks.values())
    assert checks["sig_aifi_1"].signer == MARLOES
    # Signature appearances are annotations, not page text.
    assert compare_pages(prepared, twice) == []


@needs_soffice
def test_content_added_after_a_signature_is_not_covered(signed_once):
    # An incremental update that changes the page content (not a signature).
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_once))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = generic.StreamObject(stream_data=b"BT /F1 40 Tf 100 400 Td (Nieuw) Tj ET")
    page["/Contents"] = generic.ArrayObject(
        [
            *(page["/Contents"] if isinstance(page["/Contents"], list) else [page["/Contents"]]),
            writer.add_object(extra),
        ]
    )
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    [check] = verify_signatures(out.getvalue())
    assert check.intact is True and check.covers_document is False
    assert check.problem == "the content was changed after signing"


# --------------------------------------------------------------------------- comparing


@needs_soffice
def test_an_edited_word_is_found_on_its_page(prepared, second_run):
    edited = prepare(second_run["edited"].read_bytes())
    changes = compare_pages(prepared, edited)
    page = next(i for i, text in enumerate(page_texts(prepared), 1) if EDIT[0] in text)
    assert [c.page for c in changes] == [page]
    assert "- ieder" in changes[0].diff
    assert "+ elk" in changes[0].diff
    assert len(changes[0].diff.splitlines()) < 10


@needs_soffice
def test_added_and_removed_pages_are_reported(prepared):
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(prepared)))
    writer.add_blank_page()
    longer = io.BytesIO()
    writer.write(longer)
    count = len(page_texts(prepared))
    [added] = compare_pages(prepared, longer.getvalue())
    assert added.page == count + 1 and added.diff.startswith("+ page added")
    [removed] = compare_pages(longer.getvalue(), prepared)
    assert removed.page == count + 1 and removed.diff.startswith("- page removed")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "function", [read_document_info, page_texts, signature_fields, verify_signatures]
)
def test_a_file_that_is_not_a_pdf_is_a_pdf_error(function):
    with pytest.raises(PdfError):
        function(b"PK\x03\x04 a Word document, not a PDF")


@needs_soffice
def test_a_truncated_pdf_is_a_pdf_error_not_a_traceback(signed_once, capfd):
    with pytest.raises(PdfError):
        verify_signatures(signed_once[: len(signed_once) // 3])
    with pytest.raises(PdfError):
        page_texts(b"%PDF-1.7\n" + b"\x00" * 200)
    assert capfd.readouterr() == ("", "")


def test_revisions_that_only_sign_our_field_pass_and_trailing_bytes_do_not(prepared, signed_once):
    from aifi_legal.pdf.revisions import check_revisions

    clean = check_revisions(signed_once, prepared)
    assert clean.problems == [] and clean.signed_fields == ["sig_ziekenhuis_1"]
    padded = check_revisions(signed_once + b"\n" + b"%" * 499, prepared)
    assert any("(500 byte(s) after byte" in p for p in padded.problems), padded.problems
