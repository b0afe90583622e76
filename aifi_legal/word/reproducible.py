"""Byte-identical DOCX files: fixed zip timestamps and a strict XML check of every part."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

# The earliest time a zip entry can carry; any fixed value makes the bytes repeatable.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def normalise_docx(data: bytes, *, replace: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a DOCX zip with fixed timestamps and attributes, keeping the entry order.

    `replace` gives new contents for some of its parts, by name.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            entry.create_system = 0
            new = (replace or {}).get(info.filename)
            target.writestr(entry, new if new is not None else source.read(info.filename))
    return out.getvalue()


def xml_problems(data: bytes) -> list[str]:
    """Parts of a DOCX that do not parse as strict XML, with the parser's message."""
    problems = []
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                try:
                    etree.fromstring(archive.read(name), parser)
                except etree.XMLSyntaxError as exc:
                    problems.append(f"{name}: {exc}")
    return problems


# The zip that normalise_docx writes, written directly: every entry deflated with zlib's
# default level (as zipfile does), dated ZIP_TIME, made on MS-DOS (0) with mode 0600, no
# data descriptor, no extra field. A part that is the same in every document is deflated once
# (`deflate`) and its compressed bytes reused; the archive is byte for byte what
# normalise_docx makes of the same parts (tests/test_reproducible.py proves it).
_DOS_DATE = ((ZIP_TIME[0] - 1980) << 9) | (ZIP_TIME[1] << 5) | ZIP_TIME[2]
_DOS_TIME = (ZIP_TIME[3] << 11) | (ZIP_TIME[4] << 5) | (ZIP_TIME[5] // 2)
_VERSION = 20  # deflate needs version 2.0 to extract
_EXTERNAL_ATTR = 0o600 << 16


@dataclass(frozen=True)
class Deflated:
    """A part's bytes, compressed as zipfile would compress them."""

    size: int
    crc: int
    data: bytes


def deflate(data: bytes) -> Deflated:
    """Compress one part the way zipfile.writestr does (raw deflate, default level)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return Deflated(len(data), zlib.crc32(data), compressor.compress(data) + compressor.flush())


def docx_zip(entries: Iterable[tuple[str, bytes | Deflated]]) -> bytes:
    """The DOCX archive of `entries` (name, bytes or an already deflated part), in order."""
    out = bytearray()
    central = bytearray()
    count = 0
    for name, part in entries:
        deflated = part if isinstance(part, Deflated) else deflate(part)
        encoded = name.encode("ascii") if name.isascii() else name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800
        offset = len(out)
        fields = (
            _VERSION,
            0,
            flags,
            zipfile.ZIP_DEFLATED,
            _DOS_TIME,
            _DOS_DATE,
            deflated.crc,
            len(deflated.data),
            deflated.size,
            len(encoded),
            0,
        )
        out += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", *fields) + encoded + deflated.data
        central += (
            struct.pack(
                "<4s4B4HL2L5H2L",
                b"PK\x01\x02",
                _VERSION,
                0,  # made on MS-DOS, as normalise_docx says
                *fields[:-1],
                0,
                0,
                0,
                0,
                _EXTERNAL_ATTR,
                offset,
            )
            + encoded
        )
        count += 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)
