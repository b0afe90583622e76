"""Converting DOCX to PDF with LibreOffice headless, in parallel batches.

LibreOffice (`soffice`) is a run-time dependency found on the PATH. Each worker converts its
share of the files in one `soffice` call, with a profile of its own, in a process group of its
own so that a time-out or Ctrl-C stops soffice.bin too. A small watchdog leads that group: it
waits on a pipe from us and kills the group when the pipe closes, so LibreOffice stops also
when we are killed with SIGKILL and no cleanup of ours can run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import ConversionError
from ..output.files import write_atomic

SOFFICE_PACKAGE = "libreoffice-writer-nogui"
# Blocks until our end of its stdin closes (we finished, or died), then kills its own group.
_WATCHDOG = "import os, sys\nsys.stdin.buffer.read()\nos.killpg(0, 9)\n"


def find_soffice() -> str:
    """The path of LibreOffice's `soffice`; ConversionError when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    # Installations that do not put soffice on the PATH (tarball, macOS app).
    candidates = [
        "/usr/lib/libreoffice/program/soffice",
        *sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True),
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ]
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise ConversionError(
        "LibreOffice is not installed: `soffice` was not found on the PATH",
        hint=f"install it, on Debian or Ubuntu with `apt-get install "
        f"{SOFFICE_PACKAGE} fonts-liberation2`, or from libreoffice.org",
    )


# How often a running conversion is looked at, for progress and its time-out (seconds).
POLL_SECONDS = 0.25


def convert_to_pdf(
    docx_files: list[Path],
    out_dir: Path,
    *,
    workers: int = 2,
    timeout: float = 300,
    work_dir: Path | None = None,
    converted_one: Callable[[Path], None] | None = None,
) -> dict[Path, Path]:
    """Convert DOCX files to PDF with LibreOffice headless; returns {docx: pdf}.

    Each PDF keeps the file's place below the folder the inputs share: files from one folder
    land in `out_dir` as `<stem>.pdf`; `out/a/x.docx` and `out/b/x.docx` land in
    `out_dir/a/x.pdf` and `out_dir/b/x.pdf`. The files are split over `workers` LibreOffice
    processes, each converting its share in one `soffice` call (much faster than a call per
    file) with a profile of its own; `timeout` is in seconds per call. Nothing is written
    unless every file converted, and each PDF is written atomically. LibreOffice's profiles
    and copies go to temporary folders in `work_dir` (default: the system's temporary folder).
    `converted_one(docx)` is called as each file is done (from a worker thread, one at a time).
    """
    if workers < 1:
        raise ConversionError(f"workers must be at least 1, not {workers}")
    sources: dict[Path, Path] = {}  # resolved -> as given, first occurrence
    for given in docx_files:
        path = Path(given)
        if not path.is_file():
            raise ConversionError(
                f"cannot convert {path}: no such file", hint="build the documents first"
            )
        sources.setdefault(path.resolve(), path)
    if not sources:
        return {}
    targets = _pdf_targets(list(sources), Path(out_dir))
    soffice = find_soffice()

    batches = _batches(list(sources), min(workers, len(sources)))
    lock = threading.Lock()

    def announce(resolved: Path) -> None:
        if converted_one is not None:
            with lock:
                converted_one(sources[resolved])

    converted: dict[Path, bytes] = {}
    failed: dict[Path, str] = {}
    running: set[subprocess.Popen] = set()
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        futures = [
            pool.submit(_run_soffice, soffice, files, timeout, running, work_dir, announce)
            for files in batches
        ]
        try:
            for future in futures:
                done, problems = future.result()
                converted.update(done)
                failed.update(problems)
        except BaseException:
            # Ctrl-C reaches only us (soffice runs in a process group of its own, so that a
            # time-out can stop soffice.bin too): stop the conversions before the pool waits.
            for process in list(running):
                _signal_group(process)
            raise
    if failed:
        names = "; ".join(f"{sources[p]} ({why})" for p, why in sorted(failed.items()))
        raise ConversionError(
            f"LibreOffice could not convert {len(failed)} of {len(sources)} "
            f"file{'s' if len(sources) != 1 else ''}: {names}",
            hint="open the file in LibreOffice Writer to see whether it loads; "
            "nothing was written",
        )

    result: dict[Path, Path] = {}
    for resolved, target in targets.items():
        write_atomic(target, converted[resolved])
    for given in docx_files:
        result[Path(given)] = targets[Path(given).resolve()]
    return result


def _pdf_targets(sources: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Where each (resolved) source's PDF goes; ConversionError when two would land on one file."""
    common = Path(os.path.commonpath([str(s.parent) for s in sources]))
    targets = {s: out_dir / s.parent.relative_to(common) / f"{s.stem}.pdf" for s in sources}
    seen: dict[str, Path] = {}
    for source, target in targets.items():
        # casefold: on macOS and Windows a.pdf and A.pdf are one file
        key = str(target).casefold()
        if key in seen:
            raise ConversionError(
                f"{seen[key]} and {source} would both become {target}",
                hint="rename one of them or convert them in separate calls",
            )
        seen[key] = source
    return targets


def _batches(sources: list[Path], count: int) -> list[list[Path]]:
    """Split the files over `count` workers: biggest first, each to the least loaded worker."""
    loads = [0] * count
    batches: list[list[Path]] = [[] for _ in range(count)]
    for source in sorted(sources, key=lambda s: (-s.stat().st_size, str(s))):
        index = loads.index(min(loads))
        batches[index].append(source)
        loads[index] += source.stat().st_size
    return [b for b in batches if b]


def _run_soffice(
    soffice: str,
    files: list[Path],
    timeout: float,
    running: set[subprocess.Popen],
    work_dir: Path | None,
    announce: Callable[[Path], None],
) -> tuple[dict[Path, bytes], dict[Path, str]]:
    """Convert one worker's files in one soffice call, with a profile of its own."""
    done: dict[Path, bytes] = {}
    failed: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="aifi-legal-soffice-", dir=work_dir) as temp:
        # One call writes every PDF into one --outdir, named after the input: copies with
        # numbered names keep out/a/dpia.docx and out/b/dpia.docx apart (LibreOffice does
        # not put the file name in the PDF).
        staged = Path(temp, "in")
        staged.mkdir()
        names = {}
        try:
            for number, source in enumerate(files):
                names[source] = f"{number:04d}"
                shutil.copyfile(source, staged / f"{number:04d}{source.suffix}")
        except OSError as exc:
            return {}, {f: f"cannot read: {exc.strerror or exc}" for f in files}
        outdir = Path(temp, "out")
        # Two soffice processes sharing a profile make one of them fail: one profile each.
        # A file URI needs an absolute path (the output folder may be given relative).
        profile = Path(temp, "profile").absolute().as_uri()
        command = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            *(str(staged / f"{names[f]}{f.suffix}") for f in files),
        ]
        try:
            watchdog, pipe = _start_watchdog()
        except OSError as exc:
            return {}, {f: f"cannot start {sys.executable}: {exc.strerror or exc}" for f in files}
        running.add(watchdog)
        try:
            # soffice's output goes to files, not pipes: it is read while soffice runs (a
            # "convert ... -> ..." line per finished file), and a pipe never fills up.
            log, errors = Path(temp, "stdout"), Path(temp, "stderr")
            try:
                with log.open("wb") as stdout, errors.open("wb") as stderr_file:
                    process = subprocess.Popen(
                        command,
                        stdin=subprocess.DEVNULL,
                        stdout=stdout,
                        stderr=stderr_file,
                        process_group=watchdog.pid,
                    )
            except OSError as exc:
                return {}, {f: f"cannot start {soffice}: {exc.strerror or exc}" for f in files}
            if not _wait(process, timeout, log, [(f, names[f]) for f in files], announce):
                _signal_group(watchdog)
                process.wait()
                # A killed process may have left a PDF half-written: trust none of them.
                return {}, {f: f"timed out after {timeout} s" for f in files}
            stderr = errors.read_bytes()
        finally:
            # The watchdog still leads the group, so its id is ours: stop any straggler.
            _signal_group(watchdog)
            watchdog.wait()
            os.close(pipe)
            running.discard(watchdog)
        message = _last_line(stderr)
        for source in files:
            pdf = outdir / f"{names[source]}.pdf"
            data = pdf.read_bytes() if pdf.is_file() else b""
            if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
                done[source] = data
            else:
                reason = "no PDF produced" if not data else "incomplete PDF"
                failed[source] = f"{reason}, exit code {process.returncode}" + (
                    f": {message}" if message else ""
                )
    return done, failed


def _wait(
    process: subprocess.Popen,
    timeout: float,
    log: Path,
    files: list[tuple[Path, str]],
    announce: Callable[[Path], None],
) -> bool:
    """Wait for soffice, announcing each file its log says is done; False on a time-out."""
    deadline = time.monotonic() + timeout
    pending = list(files)
    while True:
        try:
            process.wait(timeout=POLL_SECONDS)
            finished = True
        except subprocess.TimeoutExpired:
            finished = False
        text = log.read_bytes().decode("utf-8", "replace") if pending else ""
        for source, name in list(pending):
            if finished or f"/{name}{source.suffix} " in text:
                pending.remove((source, name))
                announce(source)
        if finished:
            return True
        if time.monotonic() > deadline:
            return False


def _start_watchdog() -> tuple[subprocess.Popen, int]:
    """The leader of a new process group for one soffice call, and our end of its pipe."""
    read, write = os.pipe()
    try:
        watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG],
            stdin=read,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
    except BaseException:
        os.close(write)
        raise
    finally:
        os.close(read)
    return watchdog, write


def _signal_group(process: subprocess.Popen) -> None:
    """Stop the watchdog, soffice and the soffice.bin it started (one process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)


def _last_line(stderr: bytes) -> str:
    lines = [
        line.strip()
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and "javaldx" not in line
    ]  # javaldx: harmless Java notice
    return lines[-1][:200] if lines else ""
