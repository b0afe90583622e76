"""A lock on an output folder, so that builds, signatures and intakes take turns.

Builds take it exclusively; readers that must see one consistent manifest (sign, status,
intake) take it shared. The lock is an advisory `flock` on a file in the folder, released when
the process ends, however it ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputError

LOCK_FILE = ".aifi-legal.lock"


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, shared: bool = False) -> Iterator[None]:
    """Hold the folder's lock (exclusive, or `shared`) for the duration of the block.

    A shared lock on a folder that does not exist holds nothing (there is nothing to read
    consistently) and creates no folder.
    """
    folder = Path(folder)
    if shared and not folder.is_dir():
        yield
        return
    if folder.is_symlink() and not folder.exists():
        raise OutputError(
            f"cannot write into {folder}: it is a link to "
            f"{os.readlink(folder)}, which does not exist",
            hint="name another output folder (out=), or remove the link",
        )
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"cannot write into {folder}: it is a file, not a folder",
            hint="name another output folder (out=), or move the file away",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(
            f"cannot lock {folder}: {exc.strerror or exc}",
            hint="check that the output folder is writable",
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
