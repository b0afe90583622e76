"""The Jinja environment clauses are rendered in: sandboxed, strict, and bounded.

A clause is code from the clause library; it may not reach Python objects (the sandbox), use a
name the data does not have (StrictUndefined), or run or grow without bound: ranges, repeated
strings and powers are capped, and each render has a time limit.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .clauses import Clause
from .formatting import FILTERS
from .placeholders import mark
from .terms import keeps_term

# Far above what a clause needs (the longest loop runs over the data's lists, a few dozen
# items), far below what hangs a build.
MAX_RANGE = 1_000
MAX_REPEAT = 10_000  # `"x" * n`: at most this many characters or items
MAX_EXPONENT = 100
MAX_RENDER_SECONDS = 5.0


class RenderTimeout(Exception):
    """A clause took longer than MAX_RENDER_SECONDS to render."""


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with `*` and `**` checked: no gigabyte strings, no endless powers."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for count, other in ((left, right), (right, left)):
                if (
                    isinstance(count, int)
                    and isinstance(other, (str, list, tuple))
                    and count * max(len(other), 1) > MAX_REPEAT
                ):
                    raise SecurityError(f"a repeated text or list longer than {MAX_REPEAT:,}")
        elif operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"a power with an exponent above {MAX_EXPONENT}")
        return super().call_binop(context, operator, left, right)


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() of more than {MAX_RANGE:,} numbers")
    return numbers


def _environment() -> ImmutableSandboxedEnvironment:
    env = _BoundedSandbox(
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=mark,
        keep_trailing_newline=False,
    )
    env.filters.update({name: keeps_term(f) for name, f in FILTERS.items()})
    env.globals["range"] = _bounded_range
    return env


ENV = _environment()
# Compiling Jinja is most of the cost of rendering; a clause is compiled once per process and
# rendered for every hospital (see scripts/bench_build.py).
_COMPILED: dict[tuple[str, str, str], Any] = {}


def compile_clause(source: str, clause: Clause, what: str) -> Template:
    """The compiled template of a clause's body or a defined term (`what`), cached."""
    key = (str(clause.path), clause.sha256, what)
    template = _COMPILED.get(key)
    if template is None:
        code = ENV.compile(source, name=clause.id, filename=str(clause.path))
        template = ENV.template_class.from_code(ENV, code, ENV.make_globals(None))
        _COMPILED[key] = template
    return template


def render(template: Template, context: dict[str, Any]) -> str:
    """Render a clause template within the time limit."""
    with time_limit(MAX_RENDER_SECONDS):
        return template.render(context)


def condition_holds(expression: str, context: dict[str, Any]) -> bool:
    """Evaluate a condition expression (as in a clause head) against a context.

    Compiled once per process, like the clauses.
    """
    key = ("", "", expression)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = ENV.compile_expression(expression, undefined_to_none=False)
        _COMPILED[key] = compiled
    with time_limit(MAX_RENDER_SECONDS):
        return bool(compiled(**context))


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in the block after `seconds` (a real-time alarm).

    Signals reach only the main thread; elsewhere (a worker thread of a notebook) the block
    runs unbounded, protected by the caps on ranges and repetition alone.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(
        signal.SIGALRM
    ) not in (signal.SIG_DFL, signal.SIG_IGN, None):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise RenderTimeout(f"takes longer than {seconds:g} s to render (a loop without end?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
