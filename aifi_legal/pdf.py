"""PDF for signing: convert with LibreOffice, add properties and signature fields, check returns.

    >>> pdfs = convert_to_pdf([docx], Path("pdf"))                 # {docx: pdf path}
    >>> data = prepare_pdf(pdfs[docx].read_bytes(), title=..., subject=..., document_id=...,
    ...     source_sha256=..., slots=[SignatureSlot("sig_ziekenhuis_1",
    ...     "Naam: dr. Hanneke Zwartveld", "dr. Hanneke Zwartveld")], created=...)
    >>> signature_fields(returned)      # which fields carry a signature (pypdf, no crypto)
    >>> verify_signatures(returned)     # intact, covering the file, trusted? (pyHanko)
    >>> compare_pages(data, returned)   # pages whose text differs from what we sent

LibreOffice (`soffice`) is a run-time dependency found on the PATH; pypdf does the editing and
reading, pyHanko the cryptographic checks. Nothing here prints: pypdf's and pyHanko's log
messages (pyHanko logs an untrusted certificate with a full traceback) are silenced while our
functions run, and every problem a user can cause raises :class:`PdfError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import glob
import hashlib
import io
import logging
import math
import os
import shutil
import signal
import subprocess
import tempfile
import unicodedata
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import AifiLegalError

SOFFICE_PACKAGE = "libreoffice-writer-nogui"
AUTHOR = "aifi-legal"

# The signature field: about the size of a handwritten signature, on the printed line.
FIELD_WIDTH = 200.0
FIELD_HEIGHT = 40.0
FIELD_MIN_HEIGHT = 20.0
# Without a drawn line above the anchor we fall back to where our template puts it: the
# paragraph with the line ends this many font sizes above the baseline of "Naam: ...".
LINE_ABOVE_ANCHOR = 2.35

DRAFT_TEXT = "CONCEPT"
# Helvetica-Bold advance widths (per 1000 em) of the letters in CONCEPT, from the standard AFM.
_HELVETICA_BOLD = {"C": 722, "O": 778, "N": 722, "E": 667, "P": 667, "T": 611}
_HELVETICA_BOLD_CAP_HEIGHT = 718
_DRAFT_FONT = "/AIFIConceptFont"
_DRAFT_STATE = "/AIFIConceptState"

_QUIET_LOGGERS = ("pypdf", "pyhanko", "pyhanko_certvalidator")


class PdfError(AifiLegalError):
    """A PDF could not be made, read or checked."""


# --------------------------------------------------------------------------- data types

@dataclass(frozen=True)
class SignatureSlot:
    """Where one signatory signs: a field name and the text printed below the signature line."""

    field_name: str      # e.g. "sig_ziekenhuis_1"
    anchor_text: str     # e.g. "Naam: dr. Hanneke Zwartveld"
    signatory: str       # the field's tooltip (/TU)


@dataclass(frozen=True)
class FieldState:
    """A signature field as the file declares it (no cryptography involved)."""

    field_name: str
    signed: bool
    sub_filter: str | None
    signing_time: str | None
    byte_range: tuple[int, ...] | None


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one embedded signature."""

    field_name: str
    intact: bool
    covers_document: bool
    trusted: bool
    signer: str | None
    signing_time: datetime | None
    problem: str | None


@dataclass(frozen=True)
class PageChange:
    """A page whose text differs between two PDFs."""

    page: int
    diff: str


# --------------------------------------------------------------------------- LibreOffice

def find_soffice() -> str:
    """The path of LibreOffice's `soffice`; PdfError when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    # Installations that do not put soffice on the PATH (tarball, macOS app, Windows).
    candidates = ["/usr/lib/libreoffice/program/soffice",
                  *sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True),
                  "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                  r"C:\Program Files\LibreOffice\program\soffice.exe"]
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise PdfError("LibreOffice is not installed: `soffice` was not found on the PATH",
                   hint=f"install it, on Debian or Ubuntu with `apt-get install "
                        f"{SOFFICE_PACKAGE} fonts-liberation2`, or from libreoffice.org")


def convert_to_pdf(docx_files: list[Path], out_dir: Path, *, workers: int = 2,
                   timeout: float = 300) -> dict[Path, Path]:
    """Convert DOCX files to PDF with LibreOffice headless; returns {docx: pdf}.

    Each PDF keeps the file's place below the folder the inputs share: files from one folder
    land in `out_dir` as `<stem>.pdf`; `out/a/x.docx` and `out/b/x.docx` land in
    `out_dir/a/x.pdf` and `out_dir/b/x.pdf`. The files are split over `workers` LibreOffice
    processes, each converting its share in one `soffice` call (much faster than a call per
    file) with a profile of its own; `timeout` is in seconds per call. Nothing is written
    unless every file converted, and each PDF is written atomically.
    """
    if workers < 1:
        raise PdfError(f"workers must be at least 1, not {workers}")
    sources: dict[Path, Path] = {}            # resolved -> as given, first occurrence
    for given in docx_files:
        path = Path(given)
        if not path.is_file():
            raise PdfError(f"cannot convert {path}: no such file",
                           hint="build the documents first")
        sources.setdefault(path.resolve(), path)
    if not sources:
        return {}
    targets = _pdf_targets(list(sources), Path(out_dir))
    soffice = find_soffice()

    batches = _batches(list(sources), min(workers, len(sources)))
    converted: dict[Path, bytes] = {}
    failed: dict[Path, str] = {}
    running: set[subprocess.Popen] = set()
    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        futures = [pool.submit(_run_soffice, soffice, files, timeout, running)
                   for files in batches]
        try:
            for future in futures:
                done, problems = future.result()
                converted.update(done)
                failed.update(problems)
        except BaseException:
            # Ctrl-C reaches only us (soffice runs in its own session, so that a time-out
            # can stop soffice.bin too): stop the conversions before the pool waits for them.
            for process in list(running):
                _signal_group(process)
            raise
    if failed:
        names = "; ".join(f"{sources[p]} ({why})" for p, why in sorted(failed.items()))
        raise PdfError(f"LibreOffice could not convert {len(failed)} of {len(sources)} "
                       f"file{'s' if len(sources) != 1 else ''}: {names}",
                       hint="open the file in LibreOffice Writer to see whether it loads; "
                            "nothing was written")

    from .build import write_atomic   # late: build imports this module
    result: dict[Path, Path] = {}
    for resolved, target in targets.items():
        write_atomic(target, converted[resolved])
    for given in docx_files:
        result[Path(given)] = targets[Path(given).resolve()]
    return result


def _pdf_targets(sources: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Where each (resolved) source's PDF goes; PdfError when two would land on one file."""
    common = Path(os.path.commonpath([str(s.parent) for s in sources]))
    targets = {s: out_dir / s.parent.relative_to(common) / f"{s.stem}.pdf" for s in sources}
    seen: dict[str, Path] = {}
    for source, target in targets.items():
        # casefold: on macOS and Windows a.pdf and A.pdf are one file
        key = str(target).casefold()
        if key in seen:
            raise PdfError(f"{seen[key]} and {source} would both become {target}",
                           hint="rename one of them or convert them in separate calls")
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


def _run_soffice(soffice: str, files: list[Path], timeout: float,
                 running: set[subprocess.Popen]) -> tuple[dict[Path, bytes], dict[Path, str]]:
    """Convert one worker's files in one soffice call, with a profile of its own."""
    done: dict[Path, bytes] = {}
    failed: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="aifi-legal-soffice-") as temp:
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
        command = [soffice, f"-env:UserInstallation={Path(temp, 'profile').as_uri()}",
                   "--headless", "--norestore", "--nolockcheck",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
                   *(str(staged / f"{names[f]}{f.suffix}") for f in files)]
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       start_new_session=True)
        except OSError as exc:
            return {}, {f: f"cannot start {soffice}: {exc.strerror or exc}" for f in files}
        running.add(process)
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process)
            process.communicate()
            # A killed process may have left a PDF half-written: trust none of them.
            return {}, {f: f"timed out after {timeout} s" for f in files}
        finally:
            running.discard(process)
        message = _last_line(stderr)
        for source in files:
            pdf = outdir / f"{names[source]}.pdf"
            data = pdf.read_bytes() if pdf.is_file() else b""
            if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
                done[source] = data
            else:
                reason = "no PDF produced" if not data else "incomplete PDF"
                failed[source] = f"{reason}, exit code {process.returncode}" + \
                    (f": {message}" if message else "")
    return done, failed


def _signal_group(process: subprocess.Popen) -> None:
    """Stop soffice and the soffice.bin it started (they share a session of their own)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()
             if line.strip() and "javaldx" not in line]   # javaldx: harmless Java notice
    return lines[-1][:200] if lines else ""


# --------------------------------------------------------------------------- reading

@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep pypdf's and pyHanko's log messages and warnings away from the user."""
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _pypdf():
    try:
        import pypdf
    except ImportError:  # pragma: no cover - a declared dependency
        raise PdfError("the Python package pypdf is not installed",
                       hint="pip install pypdf") from None
    return pypdf


@contextlib.contextmanager
def _reading(what: str = "the file") -> Iterator[None]:
    """Turn pypdf's errors on a broken or foreign file into PdfError (pypdf reads lazily)."""
    pypdf = _pypdf()
    try:
        with _quiet():
            yield
    except PdfError:
        raise
    except (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError, AssertionError) as exc:
        raise PdfError(f"{what} is not a readable PDF: {exc}",
                       hint="check that it is the PDF file, not a scan or another format") \
            from None


def _reader(pdf: bytes, what: str = "the file"):
    pypdf = _pypdf()
    if not isinstance(pdf, (bytes, bytearray)):
        raise PdfError(f"{what}: expected the PDF's bytes, got {type(pdf).__name__}")
    if b"%PDF-" not in bytes(pdf[:1024]):
        raise PdfError(f"{what} is not a PDF (no %PDF- header)",
                       hint="check that it is the PDF file, not a Word document or a scan")
    with _reading(what):
        reader = pypdf.PdfReader(io.BytesIO(pdf), strict=False)
        if reader.is_encrypted:
            raise PdfError(f"{what} is encrypted",
                           hint="ask for the PDF without a password or restrictions")
        reader.pages  # noqa: B018 - parses the page tree now, inside the error handling
    return reader


def read_document_info(pdf: bytes) -> dict[str, str]:
    """The document information dictionary (/Title, /AIFIDocumentId, ...) as text."""
    reader = _reader(pdf)
    with _reading():
        info = reader.metadata or {}
        return {str(key): str(value.get_object() if hasattr(value, "get_object") else value)
                for key, value in info.items()}


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, whitespace folded to single spaces."""
    reader = _reader(pdf)
    with _reading():
        return [_fold(page.extract_text()) for page in reader.pages]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def compare_pages(original: bytes, returned: bytes) -> list[PageChange]:
    """The pages whose text differs, added and removed pages included, each with a diff."""
    before = page_texts(original)
    after = page_texts(returned)
    changes = []
    for index in range(max(len(before), len(after))):
        if index >= len(before):
            changes.append(PageChange(index + 1, "+ page added: " + _clip(after[index])))
        elif index >= len(after):
            changes.append(PageChange(index + 1, "- page removed: " + _clip(before[index])))
        elif before[index] != after[index]:
            changes.append(PageChange(index + 1, _word_diff(before[index], after[index])))
    return changes


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _word_diff(before: str, after: str, context: int = 5, hunks: int = 8) -> str:
    """A short diff by words: a few words of context, then the removed and added words.

    By words, not lines: one changed word can re-wrap a whole paragraph in the PDF.
    """
    old, new = before.split(), after.split()
    lines: list[str] = []
    opcodes = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False)
               .get_opcodes() if op[0] != "equal"]
    for _, i1, i2, j1, j2 in opcodes[:hunks]:
        lead = " ".join(old[max(0, i1 - context):i1])
        tail = " ".join(old[i2:i2 + context])
        lines.append(f"@@ word {i1 + 1} @@")
        if lead:
            lines.append(f"  ...{lead}")
        if i2 > i1:
            lines.append("- " + _clip(" ".join(old[i1:i2])))
        if j2 > j1:
            lines.append("+ " + _clip(" ".join(new[j1:j2])))
        if tail:
            lines.append(f"  {tail}...")
    if len(opcodes) > hunks:
        lines.append(f"... and {len(opcodes) - hunks} more changes on this page")
    return "\n".join(lines)


def signature_fields(pdf: bytes) -> list[FieldState]:
    """Every signature field (/FT /Sig) of the AcroForm, kids included, signed or empty."""
    reader = _reader(pdf)
    with _reading():
        return [_field_state(name, field) for name, field in _sig_fields(reader)]


def _field_state(name: str, field: Any) -> FieldState:
    value = field.get("/V")
    value = value.get_object() if value is not None else None
    if not hasattr(value, "get") or ("/ByteRange" not in value and "/Contents" not in value):
        return FieldState(name, False, None, None, None)
    sub_filter = value.get("/SubFilter")
    signing_time = value.get("/M")
    byte_range = value.get("/ByteRange")
    return FieldState(
        name, True,
        str(sub_filter) if sub_filter is not None else None,
        str(signing_time) if signing_time is not None else None,
        tuple(int(x) for x in byte_range.get_object()) if byte_range is not None else None)


def _sig_fields(reader) -> list[tuple[str, Any]]:
    """(full name, terminal field dict) of the signature fields, in AcroForm order."""
    acroform = reader.trailer["/Root"].get("/AcroForm")
    if acroform is None:
        return []
    found: list[tuple[str, Any]] = []
    seen: set[int] = set()

    def walk(node: Any, prefix: str, inherited_type: Any, depth: int) -> None:
        node = node.get_object()
        if id(node) in seen or depth > 32:   # malformed files can loop
            return
        seen.add(id(node))
        partial = node.get("/T")
        name = f"{prefix}.{partial}" if prefix and partial is not None else \
            str(partial) if partial is not None else prefix
        field_type = node.get("/FT", inherited_type)
        kids = [kid.get_object() for kid in node.get("/Kids", [])]
        if any("/T" in kid for kid in kids):
            for kid in kids:
                walk(kid, name, field_type, depth + 1)
        elif field_type == "/Sig":
            found.append((name, node))

    for field in acroform.get_object().get("/Fields", []):
        walk(field, "", None, 0)
    return found


# --------------------------------------------------------------------------- preparing

def prepare_pdf(pdf: bytes, *, title: str, subject: str, document_id: str, source_sha256: str,
                slots: list[SignatureSlot], draft: bool = False,
                created: datetime | None = None) -> bytes:
    """Add document properties, an empty signature field per slot and, for a draft, CONCEPT.

    Each field sits on its signatory's signature line, found above the slot's anchor text.
    The same input and arguments give byte-identical output; without `created` the file has
    no creation date (LibreOffice's would change with every conversion).
    """
    pypdf = _pypdf()
    from pypdf.generic import ArrayObject, ByteStringObject

    names = [slot.field_name for slot in slots]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise PdfError(f"signature field names must be unique: {', '.join(doubles)}")
    reader = _reader(pdf)
    with _reading():
        existing = _sig_fields(reader)
        if any(_field_state(name, field).signed for name, field in existing):
            raise PdfError("the PDF is already signed; adding fields would break the signature",
                           hint="prepare the PDF before anyone signs it")
        clash = sorted({name for name, _ in existing} & set(names))
        if clash:
            raise PdfError(f"the PDF already has a signature field named {', '.join(clash)}")
        places = _place_slots(reader, slots)
        writer = pypdf.PdfWriter(clone_from=reader)
        info = {key: value for key, value in (reader.metadata or {}).items()
                if key not in ("/CreationDate", "/ModDate")}
        info.update({"/Title": title, "/Subject": subject, "/Author": AUTHOR,
                     "/Keywords": "AIFI", "/AIFIDocumentId": document_id,
                     "/AIFISourceSha256": source_sha256})
        if created is not None:
            info["/CreationDate"] = info["/ModDate"] = _pdf_date(created)
        writer.metadata = info
        _add_fields(writer, slots, places)
        if draft:
            _stamp_draft(writer)
        # The trailer /ID is random by default; derive it from the content instead, so the
        # same input gives the same bytes (and a different document a different ID).
        writer._ID = ArrayObject([ByteStringObject(bytes(16))] * 2)
        first = _written(writer)
        digest = hashlib.sha256(first).digest()[:16]
        writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
        return _written(writer)


def _written(writer) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_date(moment: datetime) -> str:
    """A PDF date string (D:YYYYMMDDHHmmSS+HH'mm'); a naive datetime is written as is."""
    text = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    if offset == timezone.utc.utcoffset(None):
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}'{minutes:02d}'"


@dataclass(frozen=True)
class _Run:
    """A piece of text as pypdf reports it, with where it starts in page space."""

    text: str
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class _Place:
    page: int            # 0-based
    rect: tuple[float, float, float, float]


def _mul(m1: list[float], m2: list[float]) -> list[float]:
    """The matrix product m1 x m2 of two PDF matrices [a b c d e f]."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return [a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2]


def _page_runs(page) -> list[_Run]:
    runs: list[_Run] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        m = _mul([float(v) for v in tm], [float(v) for v in cm])
        runs.append(_Run(text, m[4], m[5], float(font_size or 0) * math.hypot(m[2], m[3])))

    page.extract_text(visitor_text=visit)
    return runs


_SAME = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                       "\u2032": "'", "`": "'", "\u00b4": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"',
                       "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                       "\u2014": "-", "\u00ad": None})


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
    owner: tuple[int, ...]        # run index of each character
    word_end: tuple[bool, ...]    # whitespace or a new line follows the character

    @classmethod
    def of(cls, runs: list[_Run]) -> "_PageText":
        chars: list[str] = []
        owner: list[int] = []
        word_end: list[bool] = []
        previous: _Run | None = None
        for index, run in enumerate(runs):
            if not run.text.strip():
                if word_end:
                    word_end[-1] = True
                continue
            if previous is not None and word_end and \
                    abs(run.y - previous.y) > 0.5 * max(run.size, 1.0):
                word_end[-1] = True       # the run starts a new line
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
            if (start == 0 or self.word_end[start - 1]) and \
                    (end == len(self.chars) or self.word_end[end - 1]):
                found.append((start, self.owner[start]))
            start = self.chars.find(needle, start + 1)
        return found


def _horizontal_lines(page) -> list[tuple[float, float, float]]:
    """(x0, x1, y) of the horizontal lines drawn on the page, in page space.

    A signature line is a paragraph border: LibreOffice strokes it (m/l/S), Word fills a thin
    rectangle. Both count; clipping paths (W n) do not.
    """
    from pypdf.generic import ContentStream

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
            if abs(end[1] - current[1]) < 0.5 and abs(end[0] - current[0]) >= 36:
                pending.append((min(end[0], current[0]), max(end[0], current[0]), end[1]))
            current = end
        elif operator == b"re" and len(numbers) == 4:
            x, y, w, h = numbers
            corners = [point(x, y), point(x + w, y), point(x, y + h), point(x + w, y + h)]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            if max(ys) - min(ys) <= 2.5 and max(xs) - min(xs) >= 36:
                pending.append((min(xs), max(xs), (max(ys) + min(ys)) / 2))
        elif operator in (b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
            lines.extend(pending)
            pending = []
        elif operator == b"n":
            pending = []
    return lines


def _place_slots(reader, slots: list[SignatureSlot]) -> dict[str, _Place]:
    """Find each slot's anchor and the rectangle on the signature line above it.

    Signature pages come at the end of a document (before the annexes), and pypdf's text
    extraction is slow (about 0.1 s a page), so pages are searched from the last one back,
    stopping once every slot has an occurrence with a signature line above it. Among the
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
    for index in reversed(range(len(reader.pages))):
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

    places: dict[str, _Place] = {}
    taken: set[tuple[int, int]] = set()
    for slot in sorted(slots, key=lambda s: -len(s.anchor_text)):
        candidates = sorted((c for c in found[slot.anchor_text] if (c[1], c[2]) not in taken),
                            key=lambda c: (c[0], c[1], c[2]))
        if not candidates:
            raise PdfError(f"cannot place signature field {slot.field_name}: the text "
                           f"{slot.anchor_text!r} is not in the PDF",
                           hint="the signature page must show the signatory's name as "
                                "generated; regenerate the document")
        _, index, start, run, line = candidates[0]
        taken.add((index, start))
        places[slot.field_name] = _Place(index, _field_rect(run, line, runs[index]))
    return places


def _line_above(anchor: _Run, lines: list[tuple[float, float, float]]):
    """The nearest horizontal line above the anchor that runs over the anchor's start."""
    size = anchor.size or 10.0
    above = [line for line in lines
             if anchor.y + 0.6 * size < line[2] <= anchor.y + max(6 * size, 40.0)
             and line[0] - 3 <= anchor.x + 1 and line[1] >= anchor.x + 20]
    return min(above, key=lambda line: line[2]) if above else None


def _field_rect(anchor: _Run, line, runs: list[_Run]) -> tuple[float, float, float, float]:
    """About 200 x 40 pt standing on the signature line, lower if text above leaves less room."""
    size = anchor.size or 10.0
    if line is not None:
        x0, bottom = line[0], line[2] + 1.0
        width = min(FIELD_WIDTH, line[1] - line[0]) if line[1] - line[0] >= 100 else FIELD_WIDTH
    else:
        x0, bottom, width = anchor.x, anchor.y + LINE_ABOVE_ANCHOR * size + 1.0, FIELD_WIDTH
    # The nearest text above the line within the field's width (a party's name) caps the
    # height; a run's extent is estimated, pypdf does not report widths.
    ceiling = math.inf
    for run in runs:
        if not run.text.strip() or run.y <= bottom:
            continue
        right = run.x + len(run.text) * max(run.size, 1.0) * 0.55
        if run.x < x0 + width and right > x0:
            ceiling = min(ceiling, run.y - 0.25 * max(run.size, 1.0))
    height = max(FIELD_MIN_HEIGHT, min(FIELD_HEIGHT, ceiling - bottom - 2.0))
    return (round(x0, 2), round(bottom, 2), round(x0 + width, 2), round(bottom + height, 2))


def _add_fields(writer, slots: list[SignatureSlot], places: dict[str, _Place]) -> None:
    """One empty signature field per slot: a merged field/widget on its page."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject,
                               FloatObject, NameObject, NumberObject, TextStringObject)

    if not slots:
        return
    root = writer._root_object
    acroform = root.get("/AcroForm")
    if acroform is None:
        acroform = DictionaryObject()
        root[NameObject("/AcroForm")] = writer._add_object(acroform)
    acroform = acroform.get_object()
    fields = acroform.get("/Fields")
    if fields is None:
        fields = ArrayObject()
        acroform[NameObject("/Fields")] = fields
    fields = fields.get_object()
    for slot in slots:
        place = places[slot.field_name]
        page = writer.pages[place.page]
        x0, y0, x1, y1 = place.rect
        # An empty appearance: viewers draw their "click to sign" box themselves, and PDF 2.0
        # wants an appearance for every visible widget.
        appearance = DecodedStreamObject()
        appearance.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0),
                                              FloatObject(round(x1 - x0, 2)),
                                              FloatObject(round(y1 - y0, 2))])})
        appearance.set_data(b"")
        field = DictionaryObject({
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/T"): TextStringObject(slot.field_name),
            NameObject("/TU"): TextStringObject(slot.signatory),
            NameObject("/F"): NumberObject(4),    # print
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in place.rect]),
            NameObject("/P"): page.indirect_reference,
            NameObject("/AP"): DictionaryObject({
                NameObject("/N"): writer._add_object(appearance)}),
        })
        reference = writer._add_object(field)
        annotations = page.get("/Annots")
        if annotations is None:
            page[NameObject("/Annots")] = ArrayObject([reference])
        else:
            annotations.get_object().append(reference)
        fields.append(reference)


def _stamp_draft(writer) -> None:
    """A large diagonal light-grey CONCEPT over every page, in Helvetica-Bold (no font file)."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject,
                               FloatObject, NameObject)

    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica-Bold"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    # Translucent, so the text under the stamp stays readable.
    state = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/ExtGState"),
        NameObject("/ca"): FloatObject(0.35), NameObject("/CA"): FloatObject(0.35)}))
    em = sum(_HELVETICA_BOLD[c] for c in DRAFT_TEXT) / 1000
    for page in writer.pages:
        box = page.cropbox
        left, bottom = float(box.left), float(box.bottom)
        width, height = float(box.width), float(box.height)
        angle = math.atan2(height, width)
        size = 0.6 * math.hypot(width, height) / em
        cos, sin = math.cos(angle), math.sin(angle)
        # Start so that the word's centre lies on the page's centre.
        dx, dy = -em * size / 2, -_HELVETICA_BOLD_CAP_HEIGHT / 1000 * size / 2
        tx = left + width / 2 + cos * dx - sin * dy
        ty = bottom + height / 2 + sin * dx + cos * dy
        stamp = (f"\nQ q {_DRAFT_STATE} gs 0.55 g BT {_DRAFT_FONT} {size:.2f} Tf "
                 f"{cos:.5f} {sin:.5f} {-sin:.5f} {cos:.5f} {tx:.2f} {ty:.2f} Tm "
                 f"({DRAFT_TEXT}) Tj ET Q\n").encode("ascii")
        _add_resource(page, "/Font", _DRAFT_FONT, font)
        _add_resource(page, "/ExtGState", _DRAFT_STATE, state)
        # Wrap the page's own content in q ... Q so its graphics state cannot move the stamp.
        before = DecodedStreamObject()
        before.set_data(b"q\n")
        after = DecodedStreamObject()
        after.set_data(stamp)
        contents = page.get("/Contents")
        existing = [] if contents is None else list(contents.get_object()) \
            if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [writer._add_object(before), *existing, writer._add_object(after)])


def _add_resource(page, kind: str, name: str, reference) -> None:
    """Add a named resource to the page, copying inherited or shared dictionaries first."""
    from pypdf.generic import DictionaryObject, NameObject

    node, resources = page, None
    while node is not None and resources is None:
        resources = node.get("/Resources")
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    own = DictionaryObject(dict(resources.get_object())) if resources is not None \
        else DictionaryObject()
    group = own.get(kind)
    group = DictionaryObject(dict(group.get_object())) if group is not None \
        else DictionaryObject()
    group[NameObject(name)] = reference
    own[NameObject(kind)] = group
    page[NameObject("/Resources")] = own


# --------------------------------------------------------------------------- verifying

def verify_signatures(pdf: bytes, *, trust_roots: Iterable[bytes] = ()) -> list[SignatureCheck]:
    """Check every embedded signature with pyHanko: intact, covering the file, trusted.

    `trust_roots` are the certificates (DER or PEM) a signature may chain to; without them
    every signature is untrusted, which is a policy answer, not an integrity one. Nothing is
    fetched from the network. A PDF pyHanko cannot read raises PdfError.
    """
    if not isinstance(pdf, (bytes, bytearray)) or b"%PDF-" not in bytes(pdf[:1024]):
        raise PdfError("the file is not a PDF (no %PDF- header)",
                       hint="check that it is the PDF file, not a Word document or a scan")
    try:
        from asn1crypto import pem, x509
        from pyhanko.pdf_utils.misc import PdfError as HankoPdfError
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko_certvalidator import ValidationContext
    except ImportError:  # pragma: no cover - a declared dependency
        raise PdfError("the Python package pyHanko is not installed",
                       hint="pip install pyhanko") from None
    roots = []
    for data in trust_roots:
        try:
            if pem.detect(data):
                _, _, data = pem.unarmor(data)
            root = x509.Certificate.load(data)
            root.subject  # noqa: B018 - asn1crypto parses lazily; fail here, not later
        except (ValueError, TypeError) as exc:
            raise PdfError(f"a trust root is not a certificate: {exc}",
                           hint="give certificates in DER or PEM form") from None
        roots.append(root)
    with _quiet():
        try:
            reader = PdfFileReader(io.BytesIO(bytes(pdf)), strict=False)
            signatures = list(reader.embedded_signatures)
        except (HankoPdfError, ValueError, KeyError, TypeError, IndexError,
                AttributeError) as exc:
            raise PdfError(f"the PDF cannot be read to check its signatures: {exc}",
                           hint="ask for the signed PDF as the signing application saved it") \
                from None
        # No fetching: revocation is soft-fail and nothing leaves the machine.
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        return _run(_validate_all(signatures, context))


async def _validate_all(signatures: list, context) -> list[SignatureCheck]:
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature

    checks = []
    for signature in signatures:
        if signature.sig_object_type == "/DocTimeStamp":
            continue   # a time stamp on the document, not anybody's signature
        name = signature.field_name
        try:
            status = await async_validate_pdf_signature(signature, context)
        except Exception as exc:  # noqa: BLE001 - any failure means "not verifiable"
            checks.append(SignatureCheck(name, False, False, False, None, None,
                                         f"the signature cannot be validated: {exc}"))
            continue
        checks.append(_check_from_status(name, status))
    return checks


def _run(coroutine):
    """Run a coroutine to the end, also inside Jupyter, where an event loop already runs."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _check_from_status(name: str, status) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    intact = bool(status.intact and status.valid)
    coverage = status.coverage
    level = status.modification_level
    # After a signature, later revisions may only add signatures (form filling) or
    # validation data (LTA updates); pyHanko's difference analysis tells which it was.
    allowed = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
               ModificationLevel.FORM_FILLING)
    covers = coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        coverage == SignatureCoverageLevel.ENTIRE_REVISION and level in allowed
        and status.docmdp_ok is not False)
    problem = None
    if not status.intact:
        problem = "the signed bytes were changed after signing"
    elif not status.valid:
        problem = "the signature value does not match the signed data and certificate"
    elif not covers:
        if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
            problem = "the signature does not cover its whole revision of the file"
        elif level == ModificationLevel.ANNOTATIONS:
            problem = "annotations or comments were added after signing"
        elif level not in allowed:
            problem = "the content was changed after signing"
        else:
            problem = "the certifying signature does not allow the changes made after it"
    signer = None
    with contextlib.suppress(AttributeError, KeyError, TypeError, ValueError):
        common_name = status.signing_cert.subject.native.get("common_name")
        if isinstance(common_name, list):   # a name may repeat an attribute
            common_name = common_name[-1] if common_name else None
        signer = str(common_name) if common_name else None
    when = status.signer_reported_dt
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is not None and stamp.intact and stamp.valid:
        when = stamp.timestamp   # a time-stamp authority's time beats the signer's clock
    return SignatureCheck(name, intact, covers and intact, bool(status.trusted), signer,
                          when, problem)


__all__ = [
    "FieldState", "PageChange", "PdfError", "SignatureCheck", "SignatureSlot",
    "compare_pages", "convert_to_pdf", "find_soffice", "page_texts", "prepare_pdf",
    "read_document_info", "signature_fields", "verify_signatures",
]
