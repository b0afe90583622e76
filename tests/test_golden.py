"""Golden text of the rendered documents for two fixture hospitals.

The text (not the bytes) of each generated DOCX is compared with tests/golden/. When a clause is
changed on purpose, regenerate with `python -m pytest tests/test_golden.py --update-golden` and
review the diff like any other change of contract text.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from aifi_legal.documents import KINDS
from aifi_legal.word.numbering import Numberer

GOLDEN = Path(__file__).resolve().parent / "golden"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def paragraph_text(paragraph, labels=None) -> str:
    # The number Word shows before a paragraph (its own numbering, not text) comes first.
    label = (labels or {}).get(paragraph)
    pieces = [f"{label}\t"] if label else []
    for node in paragraph.iter(f"{W}t", f"{W}tab"):
        pieces.append("\t" if node.tag == f"{W}tab" else node.text or "")
    return "".join(pieces).replace("\xa0", " ").replace("\t", " ").rstrip()


def document_text(path: Path) -> str:
    """The body in reading order: one line per paragraph, table rows as `cell | cell`."""
    with zipfile.ZipFile(path) as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
        numberer = Numberer(
            etree.fromstring(archive.read("word/numbering.xml")),
            etree.fromstring(archive.read("word/styles.xml")),
        )
    labels = {p: numberer.label(p) for p in body.iter(f"{W}p")}
    lines = []
    for child in body:
        if child.tag == f"{W}p":
            text = paragraph_text(child, labels)
            if text:
                lines.append(text)
        elif child.tag == f"{W}tbl":
            for row in child.iter(f"{W}tr"):
                cells = [
                    " / ".join(
                        t for t in (paragraph_text(p, labels) for p in cell.iter(f"{W}p")) if t
                    )
                    for cell in row.iter(f"{W}tc")
                ]
                lines.append(" | ".join(cells))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("hospital", ["linde-en-eik", "den-bosch-noord"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_rendered_text_matches_golden(fixture_build, hospital, kind, update_golden):
    document = next(
        d for d in fixture_build.documents if d.hospital_id == hospital and d.kind == kind
    )
    text = document_text(document.path)
    golden = GOLDEN / hospital / f"{kind}.txt"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"no golden text yet: run pytest {__file__} --update-golden"
    assert text == golden.read_text(encoding="utf-8")
