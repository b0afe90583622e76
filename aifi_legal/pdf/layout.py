"""Where a signature field goes: the signature line above each signatory's name.

pypdf reports text in runs with their position; the signature line is a stroked or filled
horizontal line in the page's content stream. Signature pages come at the end of a document, so
pages are searched from the last one back.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from pypdf.generic import ContentStream

from ..errors import PdfError

# The signature field: about the size of a handwritten signature, on the printed line.
FIELD_WIDTH = 200.0
FIELD_HEIGHT = 40.0
FIELD_MIN_HEIGHT = 20.0
# Without a drawn line above the anchor we fall back to where our template puts it: the
# paragraph with the line ends this many font sizes above the baseline of "Naam: ...".
LINE_ABOVE_ANCHOR = 2.35
# A drawn line counts as a signature line from this length (points); a filled rectangle counts
# as a line (Word draws borders so) when it is at most this thick.
MIN_LINE_LENGTH = 36.0
MAX_LINE_THICKNESS = 2.5
# A line belongs to an anchor when it lies more than LINE_MIN_RISE font sizes above the
# anchor's baseline and at most LINE_MAX_RISE font sizes (or LINE_MAX_RISE_POINTS, whichever
# is more) above it, and when it starts at most LINE_START_SLACK points right of the anchor's
# start and runs at least LINE_MIN_OVERLAP points past it.
LINE_MIN_RISE = 0.6
LINE_MAX_RISE = 6
LINE_MAX_RISE_POINTS = 40.0
LINE_START_SLACK = 3.0
LINE_MIN_OVERLAP = 20.0
# A line shorter than this does not set the field's width.
MIN_FIELD_LINE = 100.0
# pypdf reports no widths: a run is estimated this wide per character, in font sizes.
CHAR_WIDTH_EM = 0.55
# Text above the line caps the field this far (in font sizes) below its baseline, with a gap.
CEILING_DESCENT = 0.25
FIELD_GAP = 2.0
# Two runs are on different lines when their baselines differ by more than this (font sizes).
NEW_LINE_RISE = 0.5


@dataclass(frozen=True)
class SignatureSlot:
    """Where one signatory signs: a field name and the text printed below the signature line."""

    field_name: str  # e.g. "sig_ziekenhuis_1"
    anchor_text: str  # e.g. "Naam: dr. Hanneke Zwartveld"
    signatory: str  # the field's tooltip (/TU)


@dataclass(frozen=True)
class _Run:
    """A piece of text as pypdf reports it, with where it starts in page space."""

    text: str
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class Place:
    """Where a field goes: a page (0-based) and a rectangle in page space."""

    page: int  # 0-based
    rect: tuple[float, float, float, float]


def _mul(m1: list[float], m2: list[float]) -> list[float]:
    """The matrix product m1 x m2 of two PDF matrices [a b c d e f]."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return [
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    ]


def _page_runs(page) -> list[_Run]:
    runs: list[_Run] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        m = _mul([float(v) for v in tm], [float(v) for v in cm])
        runs.append(_Run(text, m[4], m[5], float(font_size or 0) * math.hypot(m[2], m[3])))

    page.extract_text(visitor_text=visit)
    return runs


_SAME = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u00ad": None,
    }
)


def _normal(char: str) -> str:
    """One character as we compare it: compatibility form, plain quotes, any case."""
    return unicodedata.normalize("NFKC", char).translate(_SAME).casefold()


@dataclass(frozen=True)
class _PageText:
    """A page's text for anchor search: characters without whitespace, compared loosely.

    pypdf reports text in pieces that need not follow words ("Naam: " and the name may come
    separately, a long name may wrap), so we search the concatenation with all whitespace
    removed, remembering which run each character came from and whether a word ended after it.
    """

    chars: str
    owner: tuple[int, ...]  # run index of each character
    word_end: tuple[bool, ...]  # whitespace or a new line follows the character

    @classmethod
    def of(cls, runs: list[_Run]) -> _PageText:
        chars: list[str] = []
        owner: list[int] = []
        word_end: list[bool] = []
        previous: _Run | None = None
        for index, run in enumerate(runs):
            if not run.text.strip():
                if word_end:
                    word_end[-1] = True
                continue
            if (
                previous is not None
                and word_end
                and abs(run.y - previous.y) > NEW_LINE_RISE * max(run.size, 1.0)
            ):
                word_end[-1] = True  # the run starts a new line
            previous = run
            for char in run.text:
                if char.isspace():
                    if word_end:
                        word_end[-1] = True
                    continue
                for piece in _normal(char):
                    if not piece.isspace():
                        chars.append(piece)
                        owner.append(index)
                        word_end.append(False)
        return cls("".join(chars), tuple(owner), tuple(word_end))

    def find(self, anchor: str) -> list[tuple[int, int]]:
        """(character position, run index) of each whole-word occurrence of `anchor`.

        Whole words: "Naam: Jan" does not match "Naam: Jansen".
        """
        needle = "".join(p for c in anchor for p in _normal(c) if not p.isspace())
        found: list[tuple[int, int]] = []
        start = self.chars.find(needle) if needle else -1
        while start != -1:
            end = start + len(needle)
            if (start == 0 or self.word_end[start - 1]) and (
                end == len(self.chars) or self.word_end[end - 1]
            ):
                found.append((start, self.owner[start]))
            start = self.chars.find(needle, start + 1)
        return found


def _horizontal_lines(page) -> list[tuple[float, float, float]]:
    """(x0, x1, y) of the horizontal lines drawn on the page, in page space.

    A signature line is a paragraph border: LibreOffice strokes it (m/l/S), Word fills a thin
    rectangle. Both count; clipping paths (W n) do not.
    """
    contents = page.get_contents()
    if contents is None:
        return []
    if not isinstance(contents, ContentStream):
        contents = ContentStream(contents, page.pdf)
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    stack: list[list[float]] = []
    pending: list[tuple[float, float, float]] = []
    lines: list[tuple[float, float, float]] = []
    current: tuple[float, float] | None = None

    def point(x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    for operands, operator in contents.operations:
        try:
            numbers = [float(v) for v in operands]
        except (TypeError, ValueError):
            numbers = []
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop() if stack else ctm
        elif operator == b"cm" and len(numbers) == 6:
            ctm = _mul(numbers, ctm)
        elif operator == b"m" and len(numbers) == 2:
            current = point(*numbers)
        elif operator == b"l" and len(numbers) == 2 and current is not None:
            end = point(*numbers)
            if abs(end[1] - current[1]) < 0.5 and abs(end[0] - current[0]) >= MIN_LINE_LENGTH:
                pending.append((min(end[0], current[0]), max(end[0], current[0]), end[1]))
            current = end
        elif operator == b"re" and len(numbers) == 4:
            x, y, w, h = numbers
            corners = [point(x, y), point(x + w, y), point(x, y + h), point(x + w, y + h)]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            if max(ys) - min(ys) <= MAX_LINE_THICKNESS and max(xs) - min(xs) >= MIN_LINE_LENGTH:
                pending.append((min(xs), max(xs), (max(ys) + min(ys)) / 2))
        elif operator in (b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
            lines.extend(pending)
            pending = []
        elif operator == b"n":
            pending = []
    return lines


def place_slots(
    reader, slots: list[SignatureSlot], heading: str | None = None
) -> dict[str, Place]:
    """Find each slot's anchor and the rectangle on the signature line above it.

    pypdf's text extraction is slow (about 0.1 s a page), so the search starts where the
    signature section begins, by the PDF's outline entry for its `heading`, and goes on
    from there; without one, from the last page back (signature pages come at the end of a
    document, before the annexes). It stops once every slot has an occurrence with a
    signature line above it. Among the
    occurrences found, those with a line come first, then document order; slots with the same
    anchor take them in turn, longer anchors first, so "Naam: Jan" cannot take the place of
    "Naam: Jan de Vries".
    """
    if not slots:
        return {}
    needed: dict[str, int] = {}
    for slot in slots:
        needed[slot.anchor_text] = needed.get(slot.anchor_text, 0) + 1
    runs: dict[int, list[_Run]] = {}
    found: dict[str, list[tuple[bool, int, int, _Run, Any]]] = {a: [] for a in needed}
    for index in _search_order(reader, heading):
        runs[index] = _page_runs(reader.pages[index])
        text = _PageText.of(runs[index])
        lines: list[tuple[float, float, float]] | None = None
        for anchor in needed:
            for start, run_index in text.find(anchor):
                if lines is None:
                    lines = _horizontal_lines(reader.pages[index])
                run = runs[index][run_index]
                line = _line_above(run, lines)
                found[anchor].append((line is None, index, start, run, line))
        if all(sum(1 for c in found[a] if not c[0]) >= n for a, n in needed.items()):
            break

    places: dict[str, Place] = {}
    taken: set[tuple[int, int]] = set()
    for slot in sorted(slots, key=lambda s: -len(s.anchor_text)):
        candidates = sorted(
            (c for c in found[slot.anchor_text] if (c[1], c[2]) not in taken),
            key=lambda c: (c[0], c[1], c[2]),
        )
        if not candidates:
            raise PdfError(
                f"cannot place signature field {slot.field_name}: the text "
                f"{slot.anchor_text!r} is not in the PDF",
                hint="the signature page must show the signatory's name as "
                "generated; regenerate the document",
            )
        _, index, start, run, line = candidates[0]
        taken.add((index, start))
        places[slot.field_name] = Place(index, _field_rect(run, line, runs[index]))
    return places


def _search_order(reader, heading: str | None) -> list[int]:
    """The pages to search: from the heading's page on, then the rest from the last back."""
    count = len(reader.pages)
    start = None
    if heading:
        try:
            for entry in _outline_entries(reader.outline):
                if str(entry.title).strip() == heading:
                    start = reader.get_destination_page_number(entry)
                    break
        except Exception:  # a damaged outline only loses the shortcut
            start = None
    if start is None or not 0 <= start < count:
        return list(reversed(range(count)))
    return list(range(start, count)) + list(reversed(range(start)))


def _outline_entries(outline: Any) -> Any:
    for entry in outline:
        if isinstance(entry, list):
            yield from _outline_entries(entry)
        else:
            yield entry


def _line_above(anchor: _Run, lines: list[tuple[float, float, float]]):
    """The nearest horizontal line above the anchor that runs over the anchor's start."""
    size = anchor.size or 10.0
    above = [
        line
        for line in lines
        if anchor.y + LINE_MIN_RISE * size
        < line[2]
        <= anchor.y + max(LINE_MAX_RISE * size, LINE_MAX_RISE_POINTS)
        and line[0] - LINE_START_SLACK <= anchor.x + 1
        and line[1] >= anchor.x + LINE_MIN_OVERLAP
    ]
    return min(above, key=lambda line: line[2]) if above else None


def _field_rect(anchor: _Run, line, runs: list[_Run]) -> tuple[float, float, float, float]:
    """About 200 x 40 pt standing on the signature line, lower if text above leaves less room."""
    size = anchor.size or 10.0
    if line is not None:
        x0, bottom = line[0], line[2] + 1.0
        width = (
            min(FIELD_WIDTH, line[1] - line[0])
            if line[1] - line[0] >= MIN_FIELD_LINE
            else FIELD_WIDTH
        )
    else:
        x0, bottom, width = anchor.x, anchor.y + LINE_ABOVE_ANCHOR * size + 1.0, FIELD_WIDTH
    # The nearest text above the line within the field's width (a party's name) caps the
    # height; a run's extent is estimated, pypdf does not report widths.
    ceiling = math.inf
    for run in runs:
        if not run.text.strip() or run.y <= bottom:
            continue
        right = run.x + len(run.text) * max(run.size, 1.0) * CHAR_WIDTH_EM
        if run.x < x0 + width and right > x0:
            ceiling = min(ceiling, run.y - CEILING_DESCENT * max(run.size, 1.0))
    height = max(FIELD_MIN_HEIGHT, min(FIELD_HEIGHT, ceiling - bottom - FIELD_GAP))
    return (round(x0, 2), round(bottom, 2), round(x0 + width, 2), round(bottom + height, 2))
