"""Renderings that do not depend on the hospital: each rendered once per process.

A template reads its context only through names, and each name through a chain of constant
attributes and subscripts (`ziekenhuis.retention.results_years`, `aifi["short_name"]`). Those
chains are found once per template text in its syntax tree; for a document, the value at the end
of each chain (the whole value below it, for a list or a table) with its type and the field it
came from is the rendering's *fingerprint*. Two documents whose fingerprints are equal get the
same text from the same template: what a rendering may observe is the values at its chains and
nothing else (the sandbox lets it reach no other state, its filters are pure). So a clause that
reads only the consortium's name is rendered once for a hundred hospitals, and one that reads
the hospital's name once per hospital.

Each chain is resolved with the environment's own `getattr`/`getitem`, so `x.items` is the
method exactly when the rendering would see the method; a chain that ends in a method takes the
whole value before it. A value of a type not known here (a Python object) makes the rendering
uncacheable: it is rendered every time, as without this module. So do global names other than
the pure ones of the environment (`range`, `dict`, `namespace`, `cycler`, `joiner`).
Callables the caller puts in the context (`ref`) are named with a fingerprint of what they
return (the document's numbering); side effects they have are the caller's to cache with the
text. Renderings that fail are never cached, so an error is reported every time.
"""

from __future__ import annotations

import io
import pickle
import threading
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from jinja2 import Undefined, nodes

from .jinja import ENV
from .placeholders import Placeholder
from .terms import TermDate, TermDecimal, TermInt, TermText

T = TypeVar("T")
Chain = tuple[str | int, ...]

MAX_RENDERINGS = 8192  # kept texts (a few KB each); when full, all are dropped
MAX_NUMBERS = 200_000  # numbered lists and tables (see _number)
MAX_NUMBERED_BYTES = 32 * 1024 * 1024  # and their pickles together
MAX_SOURCES = 4096  # template texts whose chains are kept
_PURE_GLOBALS = frozenset({"range", "dict", "namespace", "cycler", "joiner"})
_LEAVES = frozenset(
    {str, int, float, bool, type(None), Decimal, date, datetime}
    | {TermInt, TermDecimal, TermDate, TermText, Placeholder}
)


class Uncacheable(Exception):
    """A context value this module cannot fingerprint: the rendering is not cached."""


def _chains(source: str) -> tuple[Chain, ...] | None:
    """The name chains `source` reads, or None when a rendering of it cannot be cached."""
    try:
        tree = ENV.parse(source)
    except Exception:  # a syntax error: rendering reports it, every time
        return None
    parent: dict[int, nodes.Node] = {}
    for each in tree.find_all(nodes.Node):
        for child in each.iter_child_nodes():
            parent[id(child)] = each
    found: set[Chain] = set()
    for name in tree.find_all(nodes.Name):
        if name.ctx != "load":
            continue
        if name.name in ENV.globals and name.name not in _PURE_GLOBALS:
            return None  # lipsum() and the like: not a function of the data
        chain: list[str | int] = [name.name]
        node: nodes.Node = name
        while True:
            above = parent.get(id(node))
            if isinstance(above, nodes.Getattr) and above.node is node:
                chain.append(above.attr)
            elif (
                isinstance(above, nodes.Getitem)
                and above.node is node
                and isinstance(above.arg, nodes.Const)
                and type(above.arg.value) in (str, int)
            ):
                chain.append(above.arg.value)
            else:
                break
            node = above
        found.add(tuple(chain))
    return tuple(sorted(found, key=repr))


_SOURCES: dict[str, tuple[Chain, ...] | None] = {}


def chains_of(source: str) -> tuple[Chain, ...] | None:
    """The name chains a template text reads (kept per text), None if uncacheable."""
    if source not in _SOURCES:
        if len(_SOURCES) >= MAX_SOURCES:
            _SOURCES.clear()
        _SOURCES[source] = _chains(source)
    return _SOURCES[source]


def _leaf(value: Any) -> Hashable:
    kind = type(value)
    if kind not in _LEAVES:
        raise Uncacheable(f"a {kind.__name__} in the context")
    field = getattr(value, "term_field", None) or getattr(value, "field", None)
    if isinstance(value, (float, Decimal, date)):
        # Equal is not the same here: Decimal("1.0") == Decimal("1.00"), 0.0 == -0.0, and
        # datetimes in other time zones; their text is what a rendering shows.
        return (kind.__name__, repr(value), field)
    # As a plain str or int: the type is named beside it (and a pickle of it is plain).
    if isinstance(value, str):
        return (kind.__name__, str(value), field)
    return (kind.__name__, value if value is None or kind is bool else int(value), field)


def _as_leaf(kind: str, text: Any, field: str | None) -> Hashable:
    """What a leaf's place in a pickle unpickles to: its fingerprint (see _leaf)."""
    return (kind, text, field)


class _Pickler(pickle.Pickler):
    """Pickles a list or table exactly: every leaf as _leaf sees it, anything else refused.

    Plain str, int, float, bool, None, lists and tables are pickled as they are (pickle does
    not ask reducer_override about them); each other value is a leaf (the term and
    placeholder types, Decimal, dates) pickled as its `_leaf` fingerprint, so that a
    Decimal's exponent and a term's field count, which their own pickling leaves out.
    """

    def reducer_override(self, obj: Any) -> Any:
        if obj is _as_leaf:  # the stand-in itself, pickled by name
            return NotImplemented
        return _as_leaf, _leaf(obj)


def _pickled(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


# Each distinct list or table (by its fingerprint) gets a number, so that a rendering's key is
# a short tuple however large the values it reads; numbers and renderings are dropped together.
_NUMBERS: dict[bytes, int] = {}
_RENDERED: dict[tuple[Hashable, ...], Any] = {}
_LOCK = threading.Lock()
_stats = {"rendered": 0, "reused": 0}
_generation = [0]  # counts the times the numbers were dropped
_numbered_bytes = [0]  # the size of the pickles in _NUMBERS


def _number(print_: bytes) -> int:
    with _LOCK:
        number = _NUMBERS.get(print_)
        if number is None:
            number = _NUMBERS[print_] = len(_NUMBERS)
            _numbered_bytes[0] += len(print_)
        return number


class Fingerprints:
    """One document's context, with the fingerprint of each chain worked out once.

    The context must not change while it is used: fingerprints are kept per chain and per
    object.
    """

    def __init__(self, context: dict[str, Any], callables: Mapping[str, Hashable] = {}):
        self.context = context
        self.callables = callables  # name -> what determines what the callable returns
        self._chains: dict[Chain, Hashable] = {}
        self._objects: dict[int, int] = {}  # id of a list or table in the context -> number
        self.generation = _generation[0]  # of the numbers in _objects

    def of(self, chain: Chain) -> Hashable:
        """The fingerprint of the value a rendering reads through `chain`."""
        if chain not in self._chains:
            self._chains[chain] = self._resolve(chain)
        return self._chains[chain]

    def _resolve(self, chain: Chain) -> Hashable:
        name = str(chain[0])  # a chain starts with a name
        if name in self.callables:
            return ("callable", self.callables[name])
        if name not in self.context:
            return ("global" if name in _PURE_GLOBALS else "missing", 0)
        value = self.context[name]
        for depth, step in enumerate(chain[1:], start=1):
            found = ENV.getattr(value, step) if isinstance(step, str) else ENV.getitem(value, step)
            if isinstance(found, Undefined):
                return ("missing", depth, type(value).__name__)
            if callable(found):  # a method of the value: the rendering may see all of it
                return ("whole", depth, self.fingerprint(value))
            value = found
        return self.fingerprint(value)

    def fingerprint(self, value: Any) -> Hashable:
        """Everything a rendering can observe of `value`: types, values, fields, order."""
        kind = type(value)
        if kind is not dict and kind is not list and kind is not tuple:
            return _leaf(value)
        known = self._objects.get(id(value))
        if known is None:
            known = self._objects[id(value)] = _number(_pickled(value))
        return ("value", known)

    def key(self, chains: tuple[Chain, ...]) -> tuple[Hashable, ...]:
        """The fingerprints of `chains` (Uncacheable if a value cannot be fingerprinted)."""
        if self.generation != _generation[0]:  # numbered before they were dropped
            self._chains.clear()
            self._objects.clear()
            self.generation = _generation[0]
        return tuple(self.of(chain) for chain in chains)


def render_once(
    template_id: Hashable, source: str, prints: Fingerprints, render: Callable[[], T]
) -> T:
    """`render()`'s result for this template and these fingerprints, rendered once.

    `template_id` names the compiled template (its file, content hash and part); `source` is
    its text; `render` renders it and returns an immutable result (the text, and what the
    rendering's callables recorded).
    """
    chains = chains_of(source)
    if chains is None:
        return render()
    try:
        key = (template_id, source, prints.key(chains))
    except Exception:  # Uncacheable, or a value whose attributes fail: render as without this
        return render()
    generation = prints.generation
    if generation != _generation[0]:  # dropped while the key was made: its numbers are mixed
        return render()
    result = _RENDERED.get(key, _MISSING)
    if result is not _MISSING:
        _stats["reused"] += 1
        return result
    result = render()
    with _LOCK:
        _stats["rendered"] += 1
        if (
            len(_RENDERED) >= MAX_RENDERINGS
            or len(_NUMBERS) >= MAX_NUMBERS
            or _numbered_bytes[0] >= MAX_NUMBERED_BYTES
        ):
            _drop()  # a long session: start again rather than grow
        elif generation == _generation[0]:  # the key's numbers still mean what they meant
            _RENDERED[key] = result
    return result


_MISSING = object()


def statistics() -> dict[str, int]:
    """How many renderings were made and how many reused, in this process."""
    return dict(_stats)


def clear() -> None:
    """Forget every kept rendering (tests; a process that wants its memory back)."""
    with _LOCK:
        _drop()
        _SOURCES.clear()


def _drop() -> None:
    _RENDERED.clear()
    _NUMBERS.clear()
    _numbered_bytes[0] = 0
    _generation[0] += 1
