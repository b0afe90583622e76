"""REF fields as a reader finds them in a paragraph: where a cross-reference points.

A cross-reference is a REF field to a heading's bookmark; what it shows is its result as Word
last computed it. Both complex fields (w:fldChar) and simple ones (w:fldSimple) are read.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class FieldReference:
    """A REF field as a reader finds it: the bookmark it points at and the text it shows."""

    target: str  # bookmark name
    switches: tuple[str, ...]  # "\\r", "\\h", ...
    shown: str  # the field's result as last computed (what Word shows until fields update)


def _reference(instruction: str, shown: str) -> FieldReference | None:
    words = instruction.split()
    if len(words) < 2 or words[0].upper() != "REF":
        return None
    return FieldReference(words[1], tuple(w for w in words[2:] if w.startswith("\\")), shown)


def field_references(paragraph: etree._Element) -> list[FieldReference]:
    """The REF fields of a paragraph, complex (w:fldChar) and simple (w:fldSimple)."""
    found: list[FieldReference] = []
    for simple in paragraph.iter(f"{W}fldSimple"):
        shown = "".join(t.text or "" for t in simple.iter(f"{W}t"))
        ref = _reference(simple.get(f"{W}instr") or "", shown)
        if ref:
            found.append(ref)
    # A complex field: begin, instruction text, separate, result runs, end; fields may nest.
    stack: list[list[str]] = []  # per open field: [instruction, result, state]
    for node in paragraph.iter(f"{W}fldChar", f"{W}instrText", f"{W}t"):
        if node.tag == f"{W}fldChar":
            kind = node.get(f"{W}fldCharType")
            if kind == "begin":
                stack.append(["", "", "instr"])
            elif kind == "separate" and stack:
                stack[-1][2] = "result"
            elif kind == "end" and stack:
                instruction, shown, _ = stack.pop()
                ref = _reference(instruction, shown)
                if ref:
                    found.append(ref)
                if stack and stack[-1][2] == "result":
                    stack[-1][1] += shown
        elif stack and node.tag == f"{W}instrText" and stack[-1][2] == "instr":
            stack[-1][0] += node.text or ""
        elif stack and node.tag == f"{W}t" and stack[-1][2] == "result":
            stack[-1][1] += node.text or ""
    return found
