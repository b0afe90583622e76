"""report: one self-contained HTML page per run, read as a browser and a printer would."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, TWO_HOSPITALS
from docxedit import DOCUMENT, replace_once, rewrite_docx
from pdfsigning import frozen_clock  # noqa: F401 - autouse: the tests live on its clock

from aifi_legal import load_project
from aifi_legal.cli import cli

FIXTURE_LEDGER = Path(__file__).parent / "fixtures" / "ledger" / "signatures.jsonl"
TODAY = date(2027, 5, 1)
MADE = datetime(2027, 5, 1, 10, 30)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LINDE = 'Stichting Zorggroep Linde & Eik <Zuid> "De Boog"'
BOSCH = "Stichting Ziekenhuis 's-Hertogenbosch Noord"


class _Tables(HTMLParser):
    """Every table as rows of (tag, attributes, text) cells, and every tag seen."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[tuple[str, dict, str]]]] = []
        self.captions: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._cell: list | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = [tag, attributes, ""]
        elif tag == "caption":
            self._caption = []
        elif tag == "br" and self._cell is not None:
            self._cell[2] += " "

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(
                (self._cell[0], self._cell[1], " ".join(self._cell[2].split()))
            )
            self._cell = None
        elif tag == "caption" and self._caption is not None:
            self.captions.append("".join(self._caption))
            self._caption = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data
        if self._caption is not None:
            self._caption.append(data)


@pytest.fixture(scope="module")
def signed_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    shutil.copyfile(FIXTURE_LEDGER, root / "signatures.jsonl")
    project = load_project(
        TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", root / "signatures.jsonl"
    )
    project.build(root / "out")
    return project, root / "out"


def _parsed(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    return parser


def _matrix(parser: _Tables, group: int) -> dict[tuple[str, str], tuple[str, str]]:
    """(hospital, document) -> (class, text) of the signing matrix of one group."""
    # Every table has a caption, so captions and tables are in step.
    table = parser.tables[
        parser.captions.index(f"Ondertekening per ziekenhuis en document, groep {group}")
    ]
    columns = [cell[2] for cell in table[0][1:]]
    cells = {}
    for row in table[1:]:
        header, *values = row
        assert header[0] == "th" and header[1]["scope"] == "row"
        for column, (_tag, attributes, text) in zip(columns, values, strict=True):
            cells[(header[2], column)] = (attributes.get("class", ""), text)
    return cells


def test_the_page_shows_each_hospital_and_state(signed_build):
    project, out = signed_build
    page = project.report(out, today=TODAY, made=MADE).to_html()
    parser = _parsed(page)
    first, second = _matrix(parser, 1), _matrix(parser, 2)
    assert first[(LINDE, "intentieverklaring")] == ("state signed", "ondertekend")
    assert first[(LINDE, "deelnameovereenkomst")] == (
        "state partly",
        "deels ondertekend te laat nog: drs. Marloes Verhagen-Ait Taleb",
    )
    assert first[(LINDE, "dpia")] == ("state concept", "wacht op advies FG te laat")
    assert second[(BOSCH, "dpia")] == (
        "state problem",
        "geweigerd geweigerd door: Ingrid Sønnesyn",
    )
    assert second[(BOSCH, "intentieverklaring")][1].startswith("deels ondertekend nog: Ingrid")
    # Headers are real table headers; the overdue table names what is late, with its due date.
    assert {a.get("scope") for tag, a in parser.tags if tag == "th"} == {"col", "row"}
    late = parser.tables[parser.captions.index("Te laat ten opzichte van de planning")]
    assert [row[1][2] for row in late[1:]] == [
        "deelnameovereenkomst",
        "verwerkersovereenkomst-nordlicht",
        "dpia",
    ]
    assert {row[3][2] for row in late[1:]} == {"10 april 2027"}
    # The timeline: one picture per group, today marked, each hospital's state written in it.
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 2
    assert "vandaag, 1 mei 2027" in svgs[0] and "1 van 4 ondertekend, te laat" in svgs[0]
    assert "vandaag, 1 mei 2027" in svgs[1] and "0 van 4 ondertekend, geweigerd" in svgs[1]
    assert "Gemaakt op 1 mei 2027 om 10:30" in page and str(TWO_HOSPITALS) in page


def test_the_page_is_self_contained_and_the_same_for_the_same_inputs(signed_build):
    project, out = signed_build
    page = project.report(out, today=TODAY, made=MADE).to_html()
    assert page == project.report(out, today=TODAY, made=MADE).to_html()
    for tag, attributes in _parsed(page).tags:
        assert tag not in ("script", "link", "img", "iframe", "object"), tag
        assert not {"src", "href"} & set(attributes), (tag, attributes)
    without_namespace = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http" not in without_namespace and "url(" not in page and "@import" not in page
    assert "@page { size: A4" in page


def test_values_from_the_data_are_text_not_markup(tmp_path):
    data = tmp_path / "hospitals.yaml"
    text = TWO_HOSPITALS.read_text("utf-8")
    assert text.count(f"legal_name: {LINDE}") == 1
    data.write_text(
        text.replace(
            f"legal_name: {LINDE}", 'legal_name: "Linde <script>alert(1)</script> & Eik"'
        ),
        "utf-8",
    )
    project = load_project(data, ROOT / "clauses", ROOT / "templates", tmp_path / "r.jsonl")
    page = project.report(tmp_path / "nog-niet-gebouwd", today=TODAY, made=MADE).to_html()
    assert "<script" not in page
    assert "Linde &lt;script&gt;alert(1)&lt;/script&gt; &amp; Eik" in page
    assert "niet gemaakt" in page


def test_completeness_findings_are_listed_per_document(signed_build, tmp_path):
    project, built = signed_build
    out = tmp_path / "out"
    shutil.copytree(built, out)
    document = out / "den-bosch-noord" / "deelnameovereenkomst.docx"
    rewrite_docx(
        document, changes={DOCUMENT: replace_once("Rechtbank Midden-Nederland", "Rechtbank TODO")}
    )
    parser = _parsed(project.report(out, today=TODAY, made=MADE).to_html())
    findings = parser.tables[
        parser.captions.index("Bevindingen over de volledigheid (aifi-legal check)")
    ]
    rows = [[cell[2] for cell in row] for row in findings[1:]]
    assert [BOSCH, "deelnameovereenkomst.docx", "fout"] in [row[:3] for row in rows]
    assert any("TODO" in row[4] for row in rows)


def test_report_from_the_command_line(signed_build, tmp_path):
    _, out = signed_build
    args = [
        "--data",
        str(TWO_HOSPITALS),
        "--clauses",
        str(ROOT / "clauses"),
        "--ledger",
        str(FIXTURE_LEDGER),
    ]
    target = tmp_path / "voortgang.html"
    result = CliRunner().invoke(
        cli, ["report", *args, "--html", str(target), "--out", str(out), "--today", "2027-05-01"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {target}.\n"
    assert "deels ondertekend" in target.read_text("utf-8")
    wrong = CliRunner().invoke(
        cli, ["report", *args, "--html", str(target), "--today", "2027-05-40"]
    )
    assert (
        wrong.exit_code == 2 and "'2027-05-40' is not a date written as YYYY-MM-DD" in wrong.output
    )


@pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (Debian package chromium)")
def test_chromium_shows_the_page_and_prints_it_on_a4(signed_build, tmp_path):
    from pypdf import PdfReader

    project, out = signed_build
    page = project.report(out, today=TODAY, made=MADE).write_html(tmp_path / "voortgang.html")
    pdf = tmp_path / "voortgang.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {(595, 842)}, sizes
    shown = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for text in (
        LINDE,
        "ondertekend",
        "deels ondertekend",
        "geweigerd",
        "te laat",
        "Implementatiegroep 1",
        "Implementatiegroep 2",
        "vandaag, 1 mei 2027",
    ):
        assert text in shown, text
    # Each group starts on a page of its own when printed.
    assert len(reader.pages) >= 2
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        text=True,
    ).stdout
    assert dom.count("<svg") == 2 and "Linde &amp; Eik &lt;Zuid&gt;" in dom
