"""Test helper: change a DOCX the way a person with Word (or an attacker with a zip tool) would.

One function rewrites the package: named parts pass through a change, extra parts are added,
everything else is copied with its own zip entry (name, date, compression).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from lxml import etree

DOCUMENT = "word/document.xml"


def rewrite_docx(
    source: Path,
    target: Path | None = None,
    *,
    changes: Mapping[str, Callable[[bytes], bytes]] | None = None,
    added: Mapping[str, bytes] | None = None,
) -> Path:
    """Copy `source` to `target` (in place without one), changing and adding parts."""
    changes = dict(changes or {})
    with zipfile.ZipFile(source) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    missing = set(changes) - {info.filename for info, _ in entries}
    assert not missing, f"{source.name} has no part {sorted(missing)}"
    target = target or source
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            change = changes.get(info.filename)
            archive.writestr(info, change(data) if change else data)
        for name, data in (added or {}).items():
            archive.writestr(name, data)
    return target


def replace_once(old: str, new: str) -> Callable[[bytes], bytes]:
    """A change that replaces text occurring exactly once in the part."""

    def change(data: bytes) -> bytes:
        assert data.count(old.encode()) == 1, f"{old!r} occurs {data.count(old.encode())} times"
        return data.replace(old.encode(), new.encode())

    return change


def in_xml(edit: Callable[[etree._Element], object]) -> Callable[[bytes], bytes]:
    """A change that calls `edit(root)` on the parsed part and saves it as Word does."""

    def change(data: bytes) -> bytes:
        root = etree.fromstring(data)
        edit(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return change
