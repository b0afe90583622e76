"""What each incremental revision after our PDF changed, judged object by object.

pyHanko's difference analysis judges what was added *after* a signature; what a revision adds
*before* the first signature (a white box drawn over a page, an annotation) is covered by that
signature and looks valid. So every revision added to our bytes is read here against the one
before it: it may fill exactly one of our empty signature fields and change nothing else, and
the last signature must end where the file ends.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError as HankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from ..errors import PdfError
from .read import quiet

# The keys a signing application may change when it fills a signature field, per object.
_FIELD_KEYS = frozenset({"/V", "/AP"})
_ACROFORM_KEYS = frozenset({"/SigFlags", "/DR", "/DA"})
_CATALOG_KEYS = frozenset({"/Metadata", "/Extensions", "/Version", "/DSS"})
_INFO_KEYS = frozenset({"/ModDate", "/Producer"})
# Keys under which new objects belong to the signature rather than to the document.
_SIGNATURE_KEYS = ("/V", "/AP")
_CATALOG_DATA_KEYS = ("/Metadata", "/DSS")
_READ_ERRORS = (
    HankoPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
)


@dataclass
class RevisionReport:
    """The fields our added revisions signed, in order, and every problem found."""

    signed_fields: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_revisions(pdf: bytes, base: bytes) -> RevisionReport:
    """Judge each revision `pdf` adds to `base` (our PDF, a prefix of `pdf`); see the module.

    A file pyHanko cannot read raises PdfError.
    """
    with quiet():
        try:
            base_revisions = PdfFileReader(io.BytesIO(base), strict=False).xrefs.total_revisions
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            return _check(reader, len(pdf), base_revisions)
        except _READ_ERRORS as exc:
            raise PdfError(
                f"the revisions of the PDF cannot be read: {exc}",
                hint="ask for the signed PDF as the signing application saved it",
            ) from None


def _check(reader: PdfFileReader, size: int, base_revisions: int) -> RevisionReport:
    report = RevisionReport()
    base = reader.get_historical_resolver(base_revisions - 1)
    ours = _our_fields(base)
    pages = _page_roles(base)
    signatures: dict[int, list[Any]] = {}
    for signature in reader.embedded_signatures:
        signatures.setdefault(signature.signed_revision, []).append(signature)
    total = reader.xrefs.total_revisions
    for revision in range(base_revisions, total):
        number = revision - base_revisions + 1
        before = reader.get_historical_resolver(revision - 1)
        after = reader.get_historical_resolver(revision)
        problems, signed = _judge(reader, revision, before, after, ours, pages)
        made = signatures.get(revision, [])
        if signed is None:
            problems.append("it adds no signature to any of our signature fields")
        elif len(made) != 1 or made[0].field_name != signed:
            problems.append(f"its signature value in {signed} is not a signature of this revision")
        else:
            report.signed_fields.append(signed)
        report.problems.extend(f"revision {number} added to our PDF: {p}" for p in problems)
    if total == base_revisions:
        report.problems.append("nothing was added to our PDF: it carries no signature")
    last = signatures.get(total - 1, [])
    if last and total > base_revisions:
        start, length = _range_end(last[0])
        if start + length != size:
            report.problems.append(
                f"there are unsigned bytes after the last signature ({size - start - length} "
                f"byte(s) after byte {start + length}): only a file that ends with a "
                "signature is accepted"
            )
    elif total > base_revisions:
        report.problems.append(
            f"the last revision added to our PDF (revision {total - base_revisions}) is not signed"
        )
    return report


def _range_end(signature: Any) -> tuple[int, int]:
    byte_range = [int(x) for x in signature.byte_range]
    return byte_range[2], byte_range[3]


def _our_fields(resolver: Any) -> dict[tuple[int, int], str]:
    """Our empty signature fields (top-level, merged with their widget) by reference."""
    acroform = resolver.root.get("/AcroForm")
    found: dict[tuple[int, int], str] = {}
    if acroform is None:
        return found
    for item in acroform.get_object().raw_get("/Fields"):
        if not isinstance(item, generic.IndirectObject):
            continue
        node = item.get_object()
        if node.get("/FT") == "/Sig" and "/V" not in node and "/T" in node:
            found[_key(item)] = str(node["/T"])
    return found


def _page_roles(resolver: Any) -> dict[tuple[int, int], str]:
    """What each page object and page content stream is, for naming a change ("page 3")."""
    roles: dict[tuple[int, int], str] = {}
    pages_ref = resolver.root.raw_get("/Pages")
    roles[_key(pages_ref)] = "the page tree"
    number = 0
    stack = [pages_ref]
    while stack:
        ref = stack.pop()
        node = ref.get_object()
        if node.get("/Type") == "/Pages":
            stack.extend(reversed(list(node.raw_get("/Kids"))))
            roles.setdefault(_key(ref), "the page tree")
            continue
        number += 1
        roles[_key(ref)] = f"page {number}"
        contents = node.raw_get("/Contents") if "/Contents" in node else None
        parts = contents.get_object() if isinstance(contents, generic.IndirectObject) else contents
        if isinstance(contents, generic.IndirectObject) and not isinstance(
            parts, generic.ArrayObject
        ):
            roles[_key(contents)] = f"the content of page {number}"
        elif isinstance(parts, generic.ArrayObject):
            for part in parts:
                if isinstance(part, generic.IndirectObject):
                    roles[_key(part)] = f"the content of page {number}"
        for annotation in (node.get("/Annots") or []) if "/Annots" in node else []:
            if isinstance(annotation, generic.IndirectObject):
                roles.setdefault(_key(annotation), f"an annotation on page {number}")
    return roles


def _judge(
    reader: PdfFileReader,
    revision: int,
    before: Any,
    after: Any,
    ours: dict[tuple[int, int], str],
    pages: dict[tuple[int, int], str],
) -> tuple[list[str], str | None]:
    """The problems of one revision, and the one field of ours it signs (None: none)."""
    problems: list[str] = []
    xrefs = reader.xrefs
    for name in ("/Root", "/Info"):
        was = before.trailer_view.raw_get(name) if name in before.trailer_view else None
        now = after.trailer_view.raw_get(name) if name in after.trailer_view else None
        if was is not None and not _same(was, now):
            problems.append(f"it replaces the document's {_TRAILER_NAMES[name]}")
    if "/Encrypt" in after.trailer_view:
        problems.append("it encrypts the document")
    if xrefs.refs_freed_in_revision(revision):
        problems.append("it deletes objects of the document")
    containers = {_key(r) for r in xrefs.object_streams_used_in(revision)} | {
        _key(r) for r in xrefs.xref_stream_refs
    }
    root_key = _key(before.trailer_view.raw_get("/Root"))
    info_ref = before.trailer_view.raw_get("/Info") if "/Info" in before.trailer_view else None
    info_key = _key(info_ref) if info_ref is not None else None
    acroform_ref = before.root.raw_get("/AcroForm") if "/AcroForm" in before.root else None
    acroform_key = _key(acroform_ref) if isinstance(acroform_ref, generic.IndirectObject) else None
    metadata = before.root.raw_get("/Metadata") if "/Metadata" in before.root else None
    metadata_key = _key(metadata) if isinstance(metadata, generic.IndirectObject) else None
    signed: list[str] = []
    anchors: list[Any] = []  # where the objects that belong to the signature hang
    new: set[tuple[int, int]] = set()
    for ref in xrefs.explicit_refs_in_revision(revision):
        key = (ref.idnum, ref.generation)
        if key in containers:
            continue
        if xrefs.get_introducing_revision(ref) == revision:
            new.add(key)
            continue
        old, now = before.get_object(ref), after.get_object(ref)
        if key in ours:
            name = ours[key]
            changed = _changed_keys(old, now)
            if "/V" in old:
                problems.append(
                    f"it changes the signature field {name} after it was signed ({_keys(changed)})"
                )
                continue
            if changed - _FIELD_KEYS:
                problems.append(
                    f"it changes the signature field {name} "
                    f"({_keys(changed - _FIELD_KEYS)}), not only its signature"
                )
            if "/V" in now:
                signed.append(name)
                anchors.extend(now.raw_get(k) for k in _SIGNATURE_KEYS if k in now)
            else:
                problems.append(f"it changes the signature field {name} without signing it")
        elif key == root_key:
            changed = _changed_keys(old, now)
            if changed - _CATALOG_KEYS:
                problems.append(f"it changes the document catalog ({_keys(changed)})")
            anchors.extend(now.raw_get(k) for k in _CATALOG_DATA_KEYS if k in now)
        elif key == info_key:
            changed = _changed_keys(old, now)
            if changed - _INFO_KEYS:
                problems.append(
                    f"it changes the document properties ({_keys(changed - _INFO_KEYS)})"
                )
        elif key == acroform_key:
            changed = _changed_keys(old, now)
            if changed - _ACROFORM_KEYS:
                problems.append(
                    f"it changes the form ({_keys(changed - _ACROFORM_KEYS)}): "
                    "a field was added, removed or filled in"
                )
            anchors.extend(now.raw_get(k) for k in ("/DR",) if k in now)
        elif key == metadata_key:
            continue  # the XMP metadata stream: the signing application's own record
        elif key in pages:
            problems.append(f"it changes {pages[key]}" + _what_changed(old, now))
        else:
            problems.append(f"it changes {_describe(now, key)}, which a signature does not touch")
    if len(signed) > 1:
        problems.append(f"it signs {len(signed)} fields at once ({', '.join(signed)})")
    # New objects are allowed only as parts of the signature (its value, its appearance,
    # their fonts) or of the signing application's metadata.
    belonging = _reachable(anchors, new)
    for key in sorted(new - belonging):
        problems.append(
            f"it adds {_describe(after.get_object(generic.Reference(*key)), key)}"
            ", which is not part of a signature"
        )
    return problems, signed[0] if len(signed) == 1 else None


_TRAILER_NAMES = {"/Root": "catalog", "/Info": "properties"}


def _key(ref: Any) -> tuple[int, int]:
    reference = ref.reference if isinstance(ref, generic.IndirectObject) else ref
    return reference.idnum, reference.generation


def _reachable(anchors: Iterable[Any], new: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The new objects reachable from `anchors` through new objects only."""
    seen: set[tuple[int, int]] = set()
    stack = list(anchors)
    while stack:
        item = stack.pop()
        if isinstance(item, generic.IndirectObject):
            key = _key(item)
            if key not in new or key in seen:
                continue
            seen.add(key)
            stack.append(item.get_object())
        elif isinstance(item, generic.DictionaryObject):
            stack.extend(item.raw_get(k) for k in item)
        elif isinstance(item, list):
            stack.extend(item)
    return seen


def _changed_keys(old: Any, new: Any) -> set[str]:
    if not isinstance(old, generic.DictionaryObject) or not isinstance(
        new, generic.DictionaryObject
    ):
        return {"(the whole object)"}
    changed = {str(k) for k in set(old) ^ set(new)}
    changed |= {str(k) for k in set(old) & set(new) if not _same(old.raw_get(k), new.raw_get(k))}
    old_data = old.data if isinstance(old, generic.StreamObject) else None
    new_data = new.data if isinstance(new, generic.StreamObject) else None
    if old_data != new_data:
        changed.add("(its content)")
    return changed


def _same(a: Any, b: Any) -> bool:
    """Whether two PDF values are equal, references compared by number (not resolved)."""
    if isinstance(a, generic.IndirectObject) or isinstance(b, generic.IndirectObject):
        return (
            isinstance(a, generic.IndirectObject)
            and isinstance(b, generic.IndirectObject)
            and _key(a) == _key(b)
        )
    if isinstance(a, generic.DictionaryObject) and isinstance(b, generic.DictionaryObject):
        return not _changed_keys(a, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _keys(keys: Iterable[str]) -> str:
    return ", ".join(sorted(keys))


def _what_changed(old: Any, new: Any) -> str:
    changed = _changed_keys(old, new)
    if "/Annots" in changed:
        return " (its annotations)"
    if "/Contents" in changed or "(its content)" in changed:
        return " (what is drawn on it)"
    return f" ({_keys(changed)})"


def _describe(obj: Any, key: tuple[int, int]) -> str:
    if isinstance(obj, dict):
        kind = obj.get("/Subtype") or obj.get("/Type")
        if obj.get("/Type") == "/Annot" or "/Rect" in obj:
            return f"an annotation ({str(kind or 'of no type').lstrip('/')}, object {key[0]})"
        if isinstance(obj, generic.StreamObject):
            return f"a drawing or content stream (object {key[0]})"
        if kind is not None:
            return f"a {str(kind).lstrip('/')} object (object {key[0]})"
    return f"object {key[0]}"
