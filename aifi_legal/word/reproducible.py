"""Byte-identical DOCX files: fixed zip timestamps and a strict XML check of every part."""

from __future__ import annotations

import io
import zipfile

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
