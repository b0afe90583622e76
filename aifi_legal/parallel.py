"""Work shared out over forked worker processes, handed back in order.

Workers are forked from the calling process, so they share everything it has loaded and
compiled; they only compute and hand back results, and the caller does everything that
decides or writes. An item a worker could not do (an error, a result that cannot be handed
back, a worker that died) comes back as None, for the caller to do itself, which raises the
error as one process would.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from .errors import UsageError

T = TypeVar("T")
R = TypeVar("R")

# Below this many items per worker, starting workers costs more than it saves.
MIN_PER_WORKER = 4


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def workers_for(jobs: int | None, count: int) -> int:
    """How many workers `count` items get: 1 means do them here (UsageError for bad jobs)."""
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise UsageError(
            f"jobs must be a whole number of 1 or more, not {jobs!r}",
            argument="jobs",
            value=str(jobs),
        )
    if jobs is None and threading.active_count() > 1:
        # Forking a process that runs other threads (a notebook's kernel) can leave a child
        # waiting on a lock one of them held: by default such a process works by itself.
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(jobs or default_jobs(), count // MIN_PER_WORKER))


def forked_map(function: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R | None]:
    """function(item) for each item, in order, in `workers` forked processes (None: failed)."""
    global _FUNCTION
    _FUNCTION = function
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_signals
    )
    try:
        chunk = max(1, len(items) // (workers * 8))
        # In order, as they come: the caller handles each one before the next arrives.
        results = iter(pool.map(_call, items, chunksize=chunk))
        broken = False
        for _ in items:
            if broken:
                yield None
                continue
            try:
                yield next(results)
            except Exception:  # the pool broke, or a result could not be handed back
                broken = True
                yield None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _FUNCTION = None


_FUNCTION: Callable[[Any], Any] | None = None  # what the forked workers call


def _worker_signals() -> None:
    # Ctrl-C and a terminated run are the calling process's to handle: it stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _call(item: Any) -> Any:
    assert _FUNCTION is not None
    try:
        return _FUNCTION(item)
    except Exception:  # done again by the calling process, which raises it
        return None
