"""What a DOCX package may hold: its size, its parts, and nothing that runs or loads.

The reader refuses a zip bomb before unpacking it and names macros, ActiveX, embedded files
and content Word would fetch from outside the file.
"""

from __future__ import annotations

import zipfile
import zlib

from lxml import etree

from ..errors import NotADocx

RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# A Word document of ours has about 20 parts and unpacks to about 1 MB; these limits keep a
# hostile archive (a zip bomb) an error instead of gigabytes in memory.
MAX_PARTS = 2_000
MAX_PART_BYTES = 50_000_000
MAX_TOTAL_BYTES = 200_000_000


def check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive that would unpack to more than a Word document ever holds."""
    if len(infos) > MAX_PARTS:
        raise NotADocx(f"the file holds more than {MAX_PARTS:,} parts; not a document we made")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES or any(i.file_size > MAX_PART_BYTES for i in infos):
        raise NotADocx(
            f"the file unpacks to {total:,} bytes, more than a Word document holds (a zip bomb?)"
        )


def read_capped(archive: zipfile.ZipFile, name: str) -> bytes:
    """A part's bytes, read no further than MAX_PART_BYTES whatever its header claims."""
    try:
        with archive.open(name) as handle:
            data = handle.read(MAX_PART_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise NotADocx(f"the part {name} is damaged ({exc})") from None
    if len(data) > MAX_PART_BYTES:
        raise NotADocx(f"the part {name} unpacks to more than {MAX_PART_BYTES:,} bytes")
    return data


def hazards(names: list[str]) -> list[tuple[str, str, str]]:
    """Macros and active content: (rule, part, message) for each."""
    found = []
    for name in names:
        lower = name.lower()
        if lower.endswith("vbaproject.bin") or lower.endswith("vbadata.xml"):
            found.append(("integrity.macros", name, "the document contains macros (VBA)"))
        elif lower.startswith("word/activex/"):
            found.append(
                ("integrity.active-content", name, "the document contains ActiveX controls")
            )
        elif lower.startswith("word/embeddings/"):
            found.append(
                ("integrity.active-content", name, "the document embeds another file or object")
            )
    return found


def external_relationships(roots: dict[str, etree._Element]) -> list[tuple[str, str, str]]:
    """Parts that Word fetches from outside the file: attached templates, linked data."""
    found = []
    for name, root in roots.items():
        if not name.endswith(".rels"):
            continue
        for rel in root.iter(f"{{{RELS_NS}}}Relationship"):
            if rel.get("TargetMode") != "External":
                continue
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            if kind == "hyperlink":
                continue  # a link a reader may follow; Word fetches nothing
            rule = (
                "integrity.external-template"
                if kind == "attachedTemplate"
                else "integrity.external-content"
            )
            found.append(
                (
                    rule,
                    name,
                    f"the document loads {kind} from outside the file: {rel.get('Target')!r}",
                )
            )
    return found
