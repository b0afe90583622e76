"""Word's own numbering: the lists a document is numbered with, written and read back.

Articles, members, chapters, annexes, recitals and lettered items are numbered by Word
(`w:numPr` on the paragraph, the lists in `word/numbering.xml`), never typed as text, so that a
lawyer who inserts an article in Word sees every later number move up. The writer defines the
lists here; the reader computes the numbers as Word shows them, from the same part, also after
Word or LibreOffice rewrote it.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from lxml import etree

from ..assembly.blocks import HEADING_NUMBERS

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"


@dataclass(frozen=True)
class Level:
    """One level of a list: how its number is formatted and what follows it."""

    format: str  # w:numFmt: decimal, lowerLetter, upperLetter
    text: str  # w:lvlText: "Artikel %1", "%1.%2", "%1."


def _heading_level(section: str) -> Level:
    return Level("decimal", HEADING_NUMBERS[section].format("%1"))


# Every list a document uses, by name. An article's members are its second level ("7.1"), so
# that a new article restarts them. The heading levels say exactly what the assembly writes
# (HEADING_NUMBERS), so that a number reads the same in the text, in Word and in the PDF.
LISTS: dict[str, tuple[Level, ...]] = {
    "artikel": (_heading_level("artikel"), Level("decimal", "%1.%2")),
    "hoofdstuk": (_heading_level("hoofdstuk"),),
    "bijlage": (_heading_level("bijlage"),),
    "partijen": (Level("decimal", "%1."),),
    "overwegingen": (Level("upperLetter", "%1."),),
    "opsomming": (Level("lowerLetter", "%1."),),
}
# Lists that start again at 1 wherever a new run of them begins (each run is its own w:num).
RESTARTING = frozenset({"partijen", "overwegingen", "opsomming"})


class ListWriter:
    """Allocates list instances for one document and writes their definitions."""

    def __init__(self, numbering: etree._Element):
        self.numbering = numbering
        abstract_ids = [int(a.get(f"{W}abstractNumId")) for a in numbering.iter(f"{W}abstractNum")]
        num_ids = [int(n.get(f"{W}numId")) for n in numbering.iter(f"{W}num")]
        first_abstract = max(abstract_ids, default=0) + 1
        self.abstract_ids = {name: first_abstract + i for i, name in enumerate(LISTS)}
        self.next_num = max(num_ids, default=0) + 1
        self.instances: list[tuple[int, str, bool]] = []  # (numId, list, restarts)
        self.current: dict[str, int] = {}  # list -> the instance paragraphs continue

    def num_id(self, name: str, *, new: bool = False) -> int:
        """The w:numId of list `name`: its current instance, or a fresh one that restarts."""
        if not new and name in self.current:
            return self.current[name]
        num = self.next_num
        self.next_num += 1
        self.instances.append((num, name, new))
        self.current[name] = num
        return num

    def install(self) -> None:
        """Add the lists used to the numbering part (abstract lists before instances)."""
        used = {name for _, name, _ in self.instances}
        first_num = next(iter(self.numbering.iter(f"{W}num")), None)
        for name in (n for n in LISTS if n in used):
            element = etree.fromstring(_abstract_xml(self.abstract_ids[name], name))
            if first_num is not None:
                first_num.addprevious(element)
            else:
                self.numbering.append(element)
        for num, name, restarts in self.instances:
            override = (
                '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
                if restarts
                else ""
            )
            self.numbering.append(
                etree.fromstring(
                    f'<w:num xmlns:w="{W_NS}" w:numId="{num}">'
                    f'<w:abstractNumId w:val="{self.abstract_ids[name]}"/>{override}</w:num>'
                )
            )


def _abstract_xml(abstract_id: int, name: str) -> str:
    levels = "".join(
        f'<w:lvl w:ilvl="{index}"><w:start w:val="1"/><w:numFmt w:val="{level.format}"/>'
        f'<w:lvlText w:val="{level.text}"/><w:lvlJc w:val="left"/><w:suff w:val="tab"/></w:lvl>'
        for index, level in enumerate(LISTS[name])
    )
    return (
        f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="{"multilevel" if len(LISTS[name]) > 1 else "singleLevel"}"/>'
        f'<w:name w:val="aifi-{name}"/>{levels}</w:abstractNum>'
    )


# The children of w:pPr that come after w:numPr (the schema's order; Word refuses another).
_AFTER_NUM_PR = frozenset(
    {
        "suppressLineNumbers",
        "pBdr",
        "shd",
        "tabs",
        "suppressAutoHyphens",
        "kinsoku",
        "wordWrap",
        "overflowPunct",
        "topLinePunct",
        "autoSpaceDE",
        "autoSpaceDN",
        "bidi",
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    }
)


def link_style(styles: etree._Element, style_id: str, num_id: int, level: int = 0) -> None:
    """Number a paragraph style in a list, as Word's "Koppelen aan stijl" does.

    A paragraph a lawyer gives that style in Word (a new article heading) is numbered in the
    list at once, like the ones we wrote.
    """
    style = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == style_id)
    ppr = style.find(f"{W}pPr")
    if ppr is None:
        ppr = etree.SubElement(style, f"{W}pPr")
        rpr = style.find(f"{W}rPr")
        if rpr is not None:
            rpr.addprevious(ppr)
    for old in ppr.findall(f"{W}numPr"):
        ppr.remove(old)
    element = etree.fromstring(
        num_pr(num_id, level).replace("<w:numPr>", f'<w:numPr xmlns:w="{W_NS}">')
    )
    after = next((c for c in ppr if etree.QName(c).localname in _AFTER_NUM_PR), None)
    if after is not None:
        after.addprevious(element)
    else:
        ppr.append(element)


def link_styles(
    sections: Collection[str], lists: ListWriter, styles: etree._Element, style_ids: dict[str, str]
) -> set[str]:
    """Number the heading, annex heading and member styles of a document in its lists.

    `sections` are the sections the document has, `style_ids` the style id of each paragraph
    role. A lawyer who gives a new paragraph the heading style in Word gets the next article
    (or chapter) number, as with the headings we wrote. Returns the style ids linked.
    """
    links = _links(sections)
    for role, name, level in links:
        link_style(styles, style_ids[role], lists.num_id(name), level)
    return {style_ids[role] for role, _, _ in links}


def style_links(sections: Collection[str]) -> list[str]:
    """The lists link_styles numbers for these sections, in the order it takes them."""
    return [name for _, name, _ in _links(sections)]


def _links(sections: Collection[str]) -> list[tuple[str, str, int]]:
    """(paragraph role, list, level) of each style a document with these sections numbers."""
    links: list[tuple[str, str, int]] = []
    main = next((s for s in ("hoofdstuk", "artikel") if s in sections), None)
    if main:
        links.append(("heading", main, 0))
    if "bijlage" in sections:
        links.append(("annex_heading", "bijlage", 0))
    if "artikel" in sections:
        links.append(("member", "artikel", 1))
    return links


def styles_based_on(styles: etree._Element, style_ids: set[str]) -> set[str]:
    """The styles that are, or are based on (at any depth), one of `style_ids`."""
    parents = _style_parents(styles)
    every = {style.get(f"{W}styleId") or "" for style in styles.iter(f"{W}style")}
    return {sid for sid in every if any(s in style_ids for s in _lineage(sid, parents))}


def _style_parents(styles: etree._Element) -> dict[str, str]:
    """Style id -> the id of the style it is based on."""
    parents = {}
    for style in styles.iter(f"{W}style"):
        based = style.find(f"{W}basedOn")
        if based is not None:
            parents[style.get(f"{W}styleId") or ""] = based.get(f"{W}val") or ""
    return parents


def _lineage(style_id: str, parents: dict[str, str]) -> Iterator[str]:
    """A style and the styles it is based on, nearest first; a loop (a hostile file) ends."""
    seen: set[str] = set()
    while style_id and style_id not in seen:
        yield style_id
        seen.add(style_id)
        style_id = parents.get(style_id, "")


def num_pr(num_id: int, level: int = 0) -> str:
    """The paragraph property that numbers a paragraph in list instance `num_id`."""
    return f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'


# --- reading the numbers back ------------------------------------------------------------------


def format_number(value: int, number_format: str) -> str:
    """A counter in a w:numFmt, as Word writes it (letters repeat after z: aa, bb)."""
    if number_format in ("lowerLetter", "upperLetter"):
        letter = "abcdefghijklmnopqrstuvwxyz"[(value - 1) % 26] * ((value - 1) // 26 + 1)
        return letter.upper() if number_format == "upperLetter" else letter
    if number_format in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman if number_format == "upperRoman" else roman.lower()
    if number_format == "none":
        return ""
    if number_format == "decimalZero":
        return f"{value:02d}"
    return str(value)  # decimal, and what we do not know


def _roman(value: int) -> str:
    digits = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC")]
    digits += [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for amount, letters in digits:
        while value >= amount:
            out, value = out + letters, value - amount
    return out


@dataclass
class _Instance:
    abstract: str  # the list it is an instance of; instances of one list count on together
    levels: dict[int, tuple[str, str, int]]  # ilvl -> (numFmt, lvlText, start)
    restarts: frozenset[int] = frozenset()  # levels a w:startOverride starts again


def style_numbers(styles: etree._Element) -> dict[str, tuple[str | None, str | None]]:
    """Style id -> the (numId, level) it numbers its paragraphs with, itself or by basedOn."""
    parents = _style_parents(styles)
    own = {
        style.get(f"{W}styleId") or "": _num_pr_values(pr)
        for style in styles.iter(f"{W}style")
        if (pr := style.find(f"{W}pPr/{W}numPr")) is not None
    }
    found = {}
    for sid in parents.keys() | own.keys():
        numbered = next((s for s in _lineage(sid, parents) if s in own), None)
        if numbered is not None:
            found[sid] = own[numbered]
    return found


class Numberer:
    """Computes the number Word shows before each paragraph, in document order."""

    # Paragraph-level numbering in a hostile file: at most this many levels are followed.
    MAX_LEVEL = 9

    def __init__(
        self,
        numbering: etree._Element | None,
        styles: etree._Element | None,
        style_num: dict[str, tuple[str | None, str | None]] | None = None,
    ):
        """`style_num`: what style_numbers(styles) gives, when it is known already."""
        self.instances: dict[str, _Instance] = {}
        self.counters: dict[str, dict[int, int]] = {}  # abstract list -> level -> counter
        self.started: set[str] = set()  # instances met so far
        self.style_num: dict[str, tuple[str | None, str | None]] = {}
        abstracts: dict[str, dict[int, tuple[str, str, int]]] = {}
        if numbering is not None:
            for abstract in numbering.iter(f"{W}abstractNum"):
                abstracts[abstract.get(f"{W}abstractNumId") or ""] = _levels(abstract)
            for num in numbering.iter(f"{W}num"):
                ref = num.find(f"{W}abstractNumId")
                abstract = (ref.get(f"{W}val") or "") if ref is not None else ""
                levels = dict(abstracts.get(abstract, {}))
                restarts = set()
                for override in num.iter(f"{W}lvlOverride"):
                    ilvl = _int(override.get(f"{W}ilvl"))
                    replacement = override.find(f"{W}lvl")
                    if replacement is not None:
                        levels.update(_levels(override))
                    start = override.find(f"{W}startOverride")
                    if start is not None and ilvl in levels:
                        fmt, text, _ = levels[ilvl]
                        levels[ilvl] = (fmt, text, _int(start.get(f"{W}val"), 1))
                        restarts.add(ilvl)
                self.instances[num.get(f"{W}numId") or ""] = _Instance(
                    abstract, levels, frozenset(restarts)
                )
        if style_num is not None:
            self.style_num = style_num
        elif styles is not None:
            self.style_num = style_numbers(styles)

    def fresh(self) -> Numberer:
        """The same lists and styles with every counter at its start: for the next part."""
        again = copy.copy(self)
        again.counters, again.started = {}, set()
        return again

    def label(self, paragraph: etree._Element) -> str | None:
        """The number of `paragraph` as Word shows it ("Artikel 7", "7.2", "b."), or None.

        Call it for every paragraph of the part in document order: the counters advance.
        """
        ppr = paragraph.find(f"{W}pPr")
        style = ppr.find(f"{W}pStyle") if ppr is not None else None
        style_id = (style.get(f"{W}val") or "") if style is not None else ""
        num_id, ilvl = self.style_num.get(style_id, (None, None))
        own = ppr.find(f"{W}numPr") if ppr is not None else None
        if own is not None:
            own_id, own_level = _num_pr_values(own)
            num_id = own_id if own_id is not None else num_id
            ilvl = own_level if own_level is not None else ilvl
        if not num_id or num_id == "0" or num_id not in self.instances:
            return None
        level = min(max(_int(ilvl), 0), self.MAX_LEVEL)
        instance = self.instances[num_id]
        if level not in instance.levels:
            return None
        counters = self.counters.setdefault(instance.abstract, {})
        if num_id not in self.started:
            # An instance that overrides its start begins the list again where it is first used.
            self.started.add(num_id)
            for restart in instance.restarts:
                counters.pop(restart, None)
        start = instance.levels[level][2]
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]  # a lower level starts again under a new number
        number_format, text, _ = instance.levels[level]
        if number_format == "bullet":
            return None  # a bullet is not a number anyone refers to
        for index in range(level, -1, -1):
            if f"%{index + 1}" in text:
                fmt, _, first = instance.levels.get(index, ("decimal", "", 1))
                value = counters.get(index, first)
                text = text.replace(f"%{index + 1}", format_number(value, fmt))
        return text


def _levels(element: etree._Element) -> dict[int, tuple[str, str, int]]:
    levels = {}
    for lvl in element.findall(f"{W}lvl"):
        fmt = lvl.find(f"{W}numFmt")
        text = lvl.find(f"{W}lvlText")
        start = lvl.find(f"{W}start")
        levels[_int(lvl.get(f"{W}ilvl"))] = (
            fmt.get(f"{W}val") or "decimal" if fmt is not None else "decimal",
            text.get(f"{W}val") or "" if text is not None else "",
            _int(start.get(f"{W}val"), 1) if start is not None else 1,
        )
    return levels


def _num_pr_values(num_pr: etree._Element) -> tuple[str | None, str | None]:
    num = num_pr.find(f"{W}numId")
    level = num_pr.find(f"{W}ilvl")
    return (
        num.get(f"{W}val") if num is not None else None,
        level.get(f"{W}val") if level is not None else None,
    )


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
