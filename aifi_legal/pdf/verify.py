"""Verifying embedded signatures with pyHanko: intact, covering the file, trusted.

Integrity and trust are separate answers: a self-signed certificate validates as intact but
untrusted. Nothing is fetched from the network; pyHanko's log messages (it logs an untrusted
certificate with a full traceback) are silenced.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pem, x509
from pyhanko.pdf_utils.misc import PdfError as HankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from ..errors import PdfError
from .read import quiet


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one embedded signature."""

    field_name: str
    intact: bool
    covers_document: bool
    trusted: bool
    signer: str | None
    signing_time: datetime | None
    problem: str | None


def verify_signatures(pdf: bytes, *, trust_roots: Iterable[bytes] = ()) -> list[SignatureCheck]:
    """Check every embedded signature with pyHanko: intact, covering the file, trusted.

    `trust_roots` are the certificates (DER or PEM) a signature may chain to; without them
    every signature is untrusted, which is a policy answer, not an integrity one. Nothing is
    fetched from the network. A PDF pyHanko cannot read raises PdfError.
    """
    if not isinstance(pdf, (bytes, bytearray)) or b"%PDF-" not in bytes(pdf[:1024]):
        raise PdfError(
            "the file is not a PDF (no %PDF- header)",
            hint="check that it is the PDF file, not a Word document or a scan",
        )
    roots = []
    for data in trust_roots:
        try:
            if pem.detect(data):
                _, _, data = pem.unarmor(data)
            root = x509.Certificate.load(data)
            root.subject  # noqa: B018 - asn1crypto parses lazily; fail here, not later
        except (ValueError, TypeError) as exc:
            raise PdfError(
                f"a trust root is not a certificate: {exc}",
                hint="give certificates in DER or PEM form",
            ) from None
        roots.append(root)
    with quiet():
        try:
            reader = PdfFileReader(io.BytesIO(bytes(pdf)), strict=False)
            signatures = list(reader.embedded_signatures)
        except (HankoPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise PdfError(
                f"the PDF cannot be read to check its signatures: {exc}",
                hint="ask for the signed PDF as the signing application saved it",
            ) from None
        # No fetching: revocation is soft-fail and nothing leaves the machine.
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        return _run(_validate_all(signatures, context))


async def _validate_all(signatures: list, context) -> list[SignatureCheck]:
    checks = []
    for signature in signatures:
        if signature.sig_object_type == "/DocTimeStamp":
            continue  # a time stamp on the document, not anybody's signature
        name = signature.field_name
        try:
            status = await async_validate_pdf_signature(signature, context)
        except Exception as exc:
            checks.append(
                SignatureCheck(
                    name,
                    False,
                    False,
                    False,
                    None,
                    None,
                    f"the signature cannot be validated: {exc}",
                )
            )
            continue
        checks.append(_check_from_status(name, status))
    return checks


def _run(coroutine):
    """Run a coroutine to the end, also inside Jupyter, where an event loop already runs."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _check_from_status(name: str, status) -> SignatureCheck:
    intact = bool(status.intact and status.valid)
    coverage = status.coverage
    level = status.modification_level
    # After a signature, later revisions may only add signatures (form filling) or
    # validation data (LTA updates); pyHanko's difference analysis tells which it was.
    allowed = (
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    )
    covers = coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and level in allowed
        and status.docmdp_ok is not False
    )
    problem = None
    if not status.intact:
        problem = "the signed bytes were changed after signing"
    elif not status.valid:
        problem = "the signature value does not match the signed data and certificate"
    elif not covers:
        if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
            problem = "the signature does not cover its whole revision of the file"
        elif level == ModificationLevel.ANNOTATIONS:
            problem = "annotations or comments were added after signing"
        elif level not in allowed:
            problem = "the content was changed after signing"
        else:
            problem = "the certifying signature does not allow the changes made after it"
    signer = None
    with contextlib.suppress(AttributeError, KeyError, TypeError, ValueError):
        common_name = status.signing_cert.subject.native.get("common_name")
        if isinstance(common_name, list):  # a name may repeat an attribute
            common_name = common_name[-1] if common_name else None
        signer = str(common_name) if common_name else None
    when = status.signer_reported_dt
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is not None and stamp.intact and stamp.valid:
        when = stamp.timestamp  # a time-stamp authority's time beats the signer's clock
    return SignatureCheck(
        name, intact, covers and intact, bool(status.trusted), signer, when, problem
    )
