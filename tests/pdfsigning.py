"""Test helper: a self-signed certificate and a pyHanko signature in a named PDF field.

Stands in for the hospital's signing application; the key never leaves memory. The tests live
on a fixed clock (`NOW`, after the fixture documents' date): intake and `sign` refuse signing
times in the future or before the document's date, and the fixture data is dated ahead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

# The tests' "now", and the moment a test signature claims by default (an hour before).
NOW = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)
SIGNED_AT = NOW - timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Intake and `sign` read the clock as NOW (autouse where imported)."""
    monkeypatch.setattr("aifi_legal.register.intake._now", lambda: NOW)
    monkeypatch.setattr("aifi_legal.register.record._today", lambda: NOW.date())


@dataclass(frozen=True)
class SigningIdentity:
    signer: object  # pyhanko.sign.signers.SimpleSigner
    certificate_der: bytes


def make_signer(common_name: str = "Test Ondertekenaar") -> SigningIdentity:
    """An EC P-256 key with a self-signed certificate, valid from yesterday until after NOW."""
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "aifi-legal tests"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(max(now, NOW) + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert = asn1_x509.Certificate.load(der)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=keys.PrivateKeyInfo.load(pkcs8),
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )
    return SigningIdentity(signer, der)


def sign_field(
    pdf: bytes, field_name: str, signer: SigningIdentity, at: datetime = SIGNED_AT
) -> bytes:
    """Sign the existing empty field `field_name` as an incremental update; returns the file.

    The signature claims the signing time `at`, as a signing application with its clock set
    to that moment would.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.signers import pdf_signer

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return at.astimezone(tz)

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    with mock.patch.object(pdf_signer, "datetime", Clock):
        out = signers.sign_pdf(
            writer,
            signers.PdfSignatureMetadata(field_name=field_name),
            signer=signer.signer,
            existing_fields_only=True,
        )
    return out.getvalue()


def draw_white_box(pdf: bytes, page: int = 0, text: str = "") -> bytes:
    """An incremental update that paints a white rectangle over the top of a page.

    What an attacker does before signing to hide a clause (and, with `text`, to write another
    in its place); the page keeps its own content underneath.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    drawing = b"q 1 1 1 rg 50 600 500 200 re f Q"
    resources = None
    if text:
        drawing += b" BT /FAttack 12 Tf 60 700 Td (" + text.encode("latin-1") + b") Tj ET"
        font = writer.add_object(
            generic.DictionaryObject(
                {
                    generic.NameObject("/Type"): generic.NameObject("/Font"),
                    generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                    generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
                }
            )
        )
        fonts = generic.DictionaryObject({generic.NameObject("/FAttack"): font})
        resources = generic.DictionaryObject({generic.NameObject("/Font"): fonts})
    stream = writer.add_object(generic.StreamObject(stream_data=drawing))
    writer.add_stream_to_page(page, stream, resources=resources)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_annotation(pdf: bytes, subtype: str = "/FreeText", page: int = 0) -> bytes:
    """An incremental update that puts an annotation (a note, a box) on a page."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject(subtype),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (50, 600, 550, 800)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject("Vervalt: zie bijlage"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            generic.NameObject("/C"): generic.ArrayObject([generic.FloatObject(1)] * 3),
            generic.NameObject("/IC"): generic.ArrayObject([generic.FloatObject(1)] * 3),
        }
    )
    writer.register_annotation(
        writer.find_page_for_modification(page)[0], writer.add_object(annotation)
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
