"""A converted PDF made signable: its properties, its signature fields, the draft stamp.

One owner for what a PDF we send carries, for a build and for an addendum alike: the document
id and the sha256 of the DOCX it was made from (which intake checks), and one empty signature
field per signatory, below their name on the signature page.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..documents import DocumentRef
from ..pdf import SignatureSlot, prepare_pdf
from ..register.roles import signature_roles
from ..source import DocumentSource
from ..word.conventions import document_timestamp


def signable_pdf(
    source: DocumentSource,
    ref: DocumentRef,
    converted: bytes,
    meta: dict[str, Any],
    *,
    source_sha256: str,
    draft: bool,
) -> tuple[bytes, dict[str, Any]]:
    """The PDF to send, and its manifest record (`file`, `sha256`, `draft`, `fields`)."""
    roles = signature_roles(source.portfolio, ref)
    hospital = source.portfolio.hospital(ref.hospital_id or "")
    data = prepare_pdf(
        converted,
        title=f"{meta['title']} – {hospital.legal_name}",
        subject=f"AIFI {meta['title']}",
        document_id=ref.id,
        source_sha256=source_sha256,
        slots=[SignatureSlot(r.field_name, r.anchor_text, r.name) for r in roles],
        draft=draft,
        created=document_timestamp(meta["date"]),
        signature_heading=meta.get("signature_title"),
    )
    record = {
        "file": ref.pdf_name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "draft": draft,
        "fields": [r.field_name for r in roles],
    }
    return data, record
