"""Writing files so that readers see the old file or the new one, never a part."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import OutputError


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically: a temporary file beside it, fsynced, then renamed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="check that the output folder is writable and the file is not open in Word",
        ) from None


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sha256_text(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_or_none(path: Path) -> str | None:
    """The sha256 of a regular file, or None when there is no readable file at `path`."""
    try:
        return sha256_of(path) if path.is_file() else None
    except OSError:
        return None


def fsync_folder(folder: Path) -> None:
    """Make renames in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    # The temporary file is created 0600; give the final file the mode a plain open() would.
    mask = os.umask(0)
    os.umask(mask)
    return mask


def refuse_blocked(path: Path) -> None:
    """A folder (or anything but a file) where a file goes: refuse before anything is written."""
    if (path.exists() or path.is_symlink()) and not path.is_file():
        raise OutputError(
            f"cannot write {path}: something that is not a file is in its "
            "place; nothing was written",
            hint="move it out of the way and build again",
        )
