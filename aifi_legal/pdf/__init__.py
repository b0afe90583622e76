"""PDF for signing: convert with LibreOffice, add properties and signature fields, check returns.

>>> pdfs = convert_to_pdf([docx], Path("pdf"))                 # {docx: pdf path}
>>> data = prepare_pdf(pdfs[docx].read_bytes(), title=..., subject=..., document_id=...,
...     source_sha256=..., slots=[SignatureSlot("sig_ziekenhuis_1",
...     "Naam: dr. Hanneke Zwartveld", "dr. Hanneke Zwartveld")], created=...)
>>> signature_fields(returned)      # which fields carry a signature (pypdf, no crypto)
>>> verify_signatures(returned)     # intact, covering the file, trusted? (pyHanko)
>>> compare_pages(data, returned)   # pages whose text differs from what we sent
"""

from ..errors import ConversionError, PdfError
from .convert import SOFFICE_PACKAGE, convert_to_pdf, find_soffice
from .layout import SignatureSlot
from .prepare import prepare_pdf
from .read import (
    FieldState,
    PageChange,
    compare_pages,
    page_texts,
    read_document_info,
    signature_fields,
)
from .verify import SignatureCheck, verify_signatures

__all__ = [
    "SOFFICE_PACKAGE",
    "ConversionError",
    "FieldState",
    "PageChange",
    "PdfError",
    "SignatureCheck",
    "SignatureSlot",
    "compare_pages",
    "convert_to_pdf",
    "find_soffice",
    "page_texts",
    "prepare_pdf",
    "read_document_info",
    "signature_fields",
    "verify_signatures",
]
