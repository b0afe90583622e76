"""Helpers of scripts/bench.py: the synthetic portfolio, the docxtpl templates, the zip floor.

Nothing here imports aifi_legal: the benchmark measures the library, so what it compares the
library with is built from the project's files (hospitals.yaml, clauses/, templates/) alone.
"""

from __future__ import annotations

import copy
import html
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# --- the synthetic portfolio --------------------------------------------------------------------


class _PlainDumper(yaml.SafeDumper):
    """A YAML dumper without anchors: aifi-legal refuses YAML aliases in its data file."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def synthetic_portfolio(data: dict[str, Any], count: int) -> dict[str, Any]:
    """The example data with `count` hospitals, cycling through its hospitals.

    Each copy gets a new id (still a slug), legal and short name and KvK number, so that the
    data validates (ids, names and KvK numbers are unique); everything else, its group too,
    is the example hospital's.
    """
    base = data["hospitals"]
    taken = {h["kvk"] for h in base} | {data["consortium"]["kvk"]}
    taken |= {p.get("kvk") for p in data.get("processors", [])}
    width = len(str(count))
    hospitals = []
    number = 70_000_000
    for i in range(count):
        source = base[i % len(base)]
        copy_ = copy.deepcopy(source)
        n = f"{i + 1:0{width}d}"
        copy_["id"] = f"{source['id']}-{n}"
        copy_["legal_name"] = f"{source['legal_name']} {n}"
        copy_["short_name"] = f"{source['short_name']} {n}"
        while f"{number:08d}" in taken:
            number += 1
        copy_["kvk"] = f"{number:08d}"
        taken.add(copy_["kvk"])
        hospitals.append(copy_)
    return {**data, "hospitals": hospitals}


def write_workspace(root: Path, repo: Path, count: int) -> dict[str, Path]:
    """A workspace in `root`: hospitals.yaml with `count` hospitals, clauses/ and templates/.

    Returns the paths load_project() takes (data, clauses, templates, ledger).
    """
    root.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((repo / "hospitals.yaml").read_text("utf-8"))
    text = yaml.dump(
        synthetic_portfolio(data, count),
        Dumper=_PlainDumper,
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
    )
    (root / "hospitals.yaml").write_text(text, "utf-8")
    # Own copies: the one-clause change edits clauses/ of the workspace, never the checkout's.
    shutil.copytree(repo / "clauses", root / "clauses")
    shutil.copytree(repo / "templates", root / "templates")
    return {
        "data": root / "hospitals.yaml",
        "clauses": root / "clauses",
        "templates": root / "templates",
        "ledger": root / "signatures.jsonl",
    }


# --- the clause library, read as plain files ----------------------------------------------------

SECTIONS = ("partijen", "overwegingen", "artikel", "hoofdstuk", "ondertekening", "bijlage")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class ClauseFile:
    """One clause file of clauses/: its YAML head and its Jinja body."""

    path: Path
    id: str
    title: str
    documents: tuple[str, ...]
    section: str
    order: int
    body: str
    condition: str | None = None
    definitions: bool = False
    defines: dict[str, str] = field(default_factory=dict)


def read_clauses(folder: Path) -> list[ClauseFile]:
    """Every clause file below `folder` (README.md excepted)."""
    found = []
    for path in sorted(folder.rglob("*.md")):
        match = _FRONT.match(path.read_text("utf-8"))
        if path.name == "README.md" or not match:
            continue
        head = yaml.safe_load(match.group(1))
        found.append(
            ClauseFile(
                path=path,
                id=str(head["id"]),
                title=str(head["title"]),
                documents=tuple(head["documents"]),
                section=str(head["section"]),
                order=int(head["order"]),
                body=match.group(2),
                condition=head.get("condition"),
                definitions=bool(head.get("definitions")),
                defines={str(k): str(v) for k, v in (head.get("defines") or {}).items()},
            )
        )
    return found


def clauses_of(clauses: Iterable[ClauseFile], kind: str) -> list[ClauseFile]:
    """The clauses whose head lists `kind`, in the document's order (section, order, id)."""
    chosen = [c for c in clauses if kind in c.documents]
    return sorted(chosen, key=lambda c: (SECTIONS.index(c.section), c.order, c.id))


def bump_clause(path: Path, sentence: str) -> str:
    """Append a paragraph to a clause and raise its minor version; returns the new version."""
    text = path.read_text("utf-8")
    match = re.search(r"^version: (\d+)\.(\d+)\.(\d+)$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{path}: no version x.y.z in the head")
    version = f"{match.group(1)}.{int(match.group(2)) + 1}.0"
    text = text[: match.start()] + f"version: {version}" + text[match.end() :]
    path.write_text(text.rstrip("\n") + f"\n\n{sentence}\n", "utf-8")
    return version


# --- plain docxtpl: the whole text of a kind as Jinja in one Word template ----------------------

TEXT_WIDTH = 9072  # twips between the templates' margins (A4, 2.5 cm each side)
_TAG = re.compile(r"\{%-?\s*((?:(?!%\}).)*?)\s*-?%\}")
_JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})")
_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_OPENERS = {"if", "for", "macro", "call", "filter", "with", "block"}
_MIDDLES = {"else", "elif"}
# The template's own placeholders, which aifi-legal fills from the context: in the full-text
# template they are plain Jinja over the same context.
PLACEHOLDERS = {
    "document_title": "document.title",
    "hospital_name": "ziekenhuis.legal_name",
    "aifi_name": "aifi.legal_name",
    "processor_name": "verwerker.legal_name",
    "version": "document.version",
    "date": "document.date | datum",
    "document_id": "document.id",
    "group": "groep.number",
}


class Unsupported(Exception):
    """A clause whose Jinja blocks cross a table boundary: it has no docxtpl form here."""


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _paragraph(text: str, style: str = "AIFITekst") -> str:
    return (
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{_text(text)}</w:t></w:r></w:p>'
    )


def _tag_tokens(line: str) -> list[str] | None:
    """The statements of a line that holds only {% %} tags, else None."""
    if not line.strip() or _TAG.sub("", line).strip():
        return None
    return [m.group(1) for m in _TAG.finditer(line)]


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, split on the `|` outside Jinja (filters use `|` too)."""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    cells, current = [], ""
    for piece in _JINJA.split(row):
        if _JINJA.fullmatch(piece):
            current += piece
            continue
        parts = piece.split("|")
        current += parts[0]
        for part in parts[1:]:
            cells.append(current.strip())
            current = part
    cells.append(current.strip())
    return cells


def _balanced(text: str) -> bool:
    """Whether the Jinja blocks in `text` open and close within it."""
    depth = 0
    for statement in (m.group(1) for m in _TAG.finditer(text)):
        word = statement.split(maxsplit=1)[0] if statement else ""
        if word in _OPENERS or (word == "set" and "=" not in statement):
            depth += 1
        elif word.startswith("end"):
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


class _Writer:
    """Turns the Markdown-ish Jinja of clauses into WordprocessingML as a docxtpl user writes it.

    A paragraph of text is a Word paragraph; a line with only `{% %}` tags becomes a `{%p %}`
    paragraph (a `{%tr %}` row inside a table) that docxtpl removes; `- ` lines are list
    paragraphs, `## ` lines sub-headings, `|` lines rows of a Word table (a cell per column
    when the cells split cleanly, else one cell over the row).
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.table: list[str] | None = None  # rows of the open table
        self.columns = 0
        self.stack: list[str] = []  # "p" or "tr": where each open block was opened
        self.pending: list[str] = []  # the lines of the paragraph being joined

    def flush(self) -> None:
        if self.pending:
            self.parts.append(_paragraph(" ".join(self.pending)))
            self.pending = []

    def close_table(self) -> None:
        if self.table is None:
            return
        if "tr" in self.stack:
            raise Unsupported("a block opened inside a table continues after it")
        width = TEXT_WIDTH // max(self.columns, 1)
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(self.columns))
        self.parts.append(
            '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(self.table)}</w:tbl>"
        )
        self.table = None

    def statement(self, statement: str, after_blank: bool) -> None:
        word = statement.split(maxsplit=1)[0] if statement else ""
        if word.startswith("end") or word in _MIDDLES:
            if not self.stack:
                raise Unsupported(f"{{% {statement} %}} closes no block")
            level = self.stack[-1]
            if word.startswith("end"):
                self.stack.pop()
        else:
            # After a blank line, a tag outside any row block starts what follows the table.
            in_table = self.table is not None and not (after_blank and "tr" not in self.stack)
            level = "tr" if in_table else "p"
            if word in _OPENERS or (word == "set" and "=" not in statement):
                self.stack.append(level)
        if level == "p":
            self.flush()
            self.close_table()
        # docxtpl's {%p %} and {%tr %} cannot hold `%` or `}`; such a tag stays in a paragraph
        # (a cell) of its own, which is as balanced, at the cost of an empty paragraph.
        tag = (
            f"{{%{'p' if level == 'p' else 'tr'} {statement} %}}"
            if not re.search(r"[%}]", statement)
            else f"{{% {statement} %}}"
        )
        if level == "p":
            self.parts.append(_paragraph(tag, "Normal"))
        else:
            assert self.table is not None
            self.table.append(f"<w:tr><w:tc>{_paragraph(tag, 'Normal')}</w:tc></w:tr>")

    def row(self, line: str, after_blank: bool) -> None:
        self.flush()
        if self.table is not None and after_blank and "tr" not in self.stack:
            self.close_table()  # a table after a blank line is a table of its own
        cells = _cells(line)
        if self.table is None:
            self.table, self.columns = [], len(cells)
        if len(cells) == self.columns and all(_balanced(c) for c in cells):
            width = TEXT_WIDTH // self.columns
            xml = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{_paragraph(c)}</w:tc>'
                for c in cells
            )
        else:
            xml = (
                f'<w:tc><w:tcPr><w:gridSpan w:val="{self.columns}"/></w:tcPr>'
                f"{_paragraph(line.strip())}</w:tc>"
            )
        self.table.append(f"<w:tr>{xml}</w:tr>")

    def line(self, line: str, after_blank: bool) -> None:
        text = line.strip()
        statements = _tag_tokens(line)
        if statements is not None:
            for statement in statements:
                self.statement(statement, after_blank)
                after_blank = False
        elif text.startswith("|"):
            if not _SEPARATOR.match(text):
                self.row(text, after_blank)
        else:
            if self.table is not None and "tr" in self.stack:
                raise Unsupported("text inside a block that repeats table rows")
            self.close_table()
            if text.startswith("## "):
                self.flush()
                self.parts.append(_paragraph(text[3:], "Heading2"))
            elif text.startswith("- "):
                self.flush()
                self.parts.append(_paragraph(text[2:], "ListBullet"))
            elif after_blank:
                self.flush()
                self.pending.append(text)
            else:
                self.pending.append(text)

    def finish(self) -> str:
        self.flush()
        self.close_table()
        if self.stack:
            raise Unsupported("a block is not closed")
        return "".join(self.parts)


_HEADING_STYLES = {
    "artikel": "Heading1",
    "hoofdstuk": "Heading1",
    "bijlage": "AIFIBijlagekop",
    "ondertekening": "AIFIOndertekeningkop",
}


def clause_xml(clause: ClauseFile, terms: Iterable[ClauseFile] = ()) -> str:
    """The WordprocessingML of one clause: heading, body, and for the definitions article the
    defined terms of `terms` (each under its clause's condition); raises Unsupported."""
    writer = _Writer()
    body = clause.body
    if clause.definitions:
        for other in sorted(terms, key=lambda c: c.id):
            lines = [f"{term}: {text};" for term, text in sorted(other.defines.items())]
            if lines and other.condition:
                lines = [f"{{% if {other.condition} %}}", *lines, "{% endif %}"]
            body += "\n\n" + "\n\n".join(lines)
    if clause.condition:
        body = f"{{% if {clause.condition} %}}\n{body}\n{{% endif %}}"
    heading = _HEADING_STYLES.get(clause.section)
    if heading:
        writer.parts.append(_paragraph(clause.title, heading))
    after_blank = True
    for line in body.splitlines():
        if not line.strip():
            after_blank = True
            continue
        writer.line(line, after_blank)
        after_blank = False
    return writer.finish()


def ref_texts(clauses: Iterable[ClauseFile]) -> dict[str, str]:
    """What the trivial `ref()` of the docxtpl baseline writes for each clause id."""
    words = {"artikel": "Artikel", "bijlage": "Bijlage", "hoofdstuk": "hoofdstuk"}
    return {c.id: f"{words.get(c.section, '')} {c.title}".strip() for c in clauses}


def fulltext_template(template: Path, body_xml: str, target: Path) -> None:
    """Write `template` with its `{{p body}}` paragraph replaced by `body_xml` and its `{{r x}}`
    placeholders by plain Jinja over the project's context."""

    def placeholders(xml: str) -> str:
        return re.sub(
            r"\{\{r\s+(\w+)\s*\}\}", lambda m: "{{ " + PLACEHOLDERS[m.group(1)] + " }}", xml
        )

    with zipfile.ZipFile(template) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xml"):
                xml = placeholders(data.decode("utf-8"))
                if info.filename == "word/document.xml":
                    paragraph = re.compile(
                        r"<w:p>(?:(?!<w:p[ >]).)*?\{\{p body\}\}.*?</w:p>", re.S
                    )
                    xml, found = paragraph.subn(lambda _: body_xml, xml, count=1)
                    if not found:
                        raise ValueError(f"{template}: no {{{{p body}}}} paragraph")
                data = xml.encode("utf-8")
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


# --- the floor: a DOCX zip written by hand, fixed parts compressed once -------------------------


@dataclass
class KindParts:
    """The parts of every built document of one kind, split into fixed and variable ones."""

    infos: list[zipfile.ZipInfo]  # member order and compression, from the first document
    fixed: dict[str, bytes]  # name -> the bytes every document of the kind has
    variable: list[dict[str, bytes]]  # per document: name -> its own bytes
    targets: list[Path]


def read_kind_parts(documents: list[Path], target: Callable[[Path], Path]) -> KindParts:
    """Read the built documents of one kind; a part is fixed when it is byte-identical in all."""
    members = []
    for path in documents:
        with zipfile.ZipFile(path) as z:
            members.append({i.filename: z.read(i) for i in z.infolist()})
            if len(members) == 1:
                infos = z.infolist()
    first = members[0]
    fixed = {
        name: data for name, data in first.items() if all(m.get(name) == data for m in members[1:])
    }
    variable = [{n: d for n, d in m.items() if n not in fixed} for m in members]
    return KindParts(infos, fixed, variable, [target(p) for p in documents])


def edit_one_word(path: Path) -> bool:
    """Change one word of word/document.xml (as a lawyer in Word would); False if none found."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i) for i in infos}
    xml = parts["word/document.xml"].decode("utf-8")
    body = xml.find("<w:body>")
    edited, count = re.subn(r"(<w:t(?: [^>]*)?>[^<]*?)\bde\b", r"\1het", xml[body:], count=1)
    if not count:
        return False
    parts["word/document.xml"] = (xml[:body] + edited).encode("utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for info in infos:
            z.writestr(info, parts[info.filename], compress_type=info.compress_type)
    return True
