"""A build leaves a document whose inputs did not change as it is, and says so.

Its inputs are the data it reads (its hospital and the shared data), the clauses it contains
and the conditions of those it left out, the template, the risk register and the generator.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest
from conftest import ROOT, TWO_HOSPITALS

from aifi_legal import load_project
from aifi_legal.word.reader import read_docx


def _project(tmp_path, data=None, clauses=None, templates=None):
    return load_project(
        data or TWO_HOSPITALS,
        clauses or ROOT / "clauses",
        templates or ROOT / "templates",
        tmp_path / "register.jsonl",
    )


def _stamps(out):
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}


def test_nothing_changed_builds_nothing_and_touches_nothing(tmp_path):
    out = tmp_path / "out"
    first = _project(tmp_path).build(out)
    before = _stamps(out)
    again = _project(tmp_path).build(out)
    assert again.documents == () and len(again.unchanged) == len(first.documents)
    assert f"{len(first.documents)} unchanged" in again.to_text()
    assert _stamps(out) == before  # not rewritten, not even the manifests


def test_a_changed_clause_rebuilds_only_the_documents_that_contain_it(tmp_path):
    out = tmp_path / "out"
    first = _project(tmp_path).build(out)
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    path = clauses / "verwerkersovereenkomst" / "geheimhouding.md"
    path.write_text(path.read_text("utf-8").rstrip("\n") + " Ook na afloop.\n", "utf-8")
    again = _project(tmp_path, clauses=clauses).build(out)
    assert {d.kind for d in again.documents} == {"verwerkersovereenkomst"}
    assert len(again.documents) + len(again.unchanged) == len(first.documents)
    for document in again.documents:
        assert "Ook na afloop." in read_docx(document.path).clause_text("vwo-geheimhouding")
    # One hospital's data changed: only its documents are built again.
    data = tmp_path / "hospitals.yaml"
    text = TWO_HOSPITALS.read_text("utf-8")
    data.write_text(text.replace("studies_per_year: 7300", "studies_per_year: 7400", 1), "utf-8")
    changed = _project(tmp_path, data=data, clauses=clauses).build(out)
    assert {d.hospital_id for d in changed.documents} == {"linde-en-eik"}
    assert {p.parent.name for p in changed.unchanged} == {"den-bosch-noord"}


def test_an_edited_file_or_a_new_template_is_built_again(tmp_path):
    out = tmp_path / "out"
    project = _project(tmp_path)
    first = project.build(out)
    target = next(d.path for d in first.documents if d.kind == "dpia")
    target.write_bytes(target.read_bytes() + b"\0")  # edited after the build
    again = project.build(out)
    assert [d.path for d in again.documents] == [target]
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    with zipfile.ZipFile(ROOT / "templates" / "intentieverklaring.docx") as source:
        parts = [(i, source.read(i.filename)) for i in source.infolist()]
    with zipfile.ZipFile(templates / "intentieverklaring.docx", "w") as changed:
        for info, data in parts:
            changed.writestr(info, data.replace(b"{{r group}}", b"groep {{r group}}"))
    newer = _project(tmp_path, templates=templates).build(out)
    assert {d.kind for d in newer.documents} == {"intentieverklaring"}


def test_check_takes_a_document_as_built_from_the_builds_record(tmp_path, monkeypatch):
    out = tmp_path / "out"
    project = _project(tmp_path)
    project.build(out)
    import aifi_legal.checks.check as check_module

    opened = []
    real = check_module.read_docx
    monkeypatch.setattr(check_module, "read_docx", lambda p: opened.append(p) or real(p))
    report = project.check(out=out)
    assert opened == [] and report.findings == [] and len(report.recognised) == 8
    vwo = next(p for p in report.coverage if "verwerkersovereenkomst" in p)
    assert {v["status"] for v in report.coverage[vwo].values()} == {"covered"}
    # One document edited: its hospital's documents are read and compared, the other's not.
    edited = out / "linde-en-eik" / "deelnameovereenkomst.docx"
    with zipfile.ZipFile(edited) as source:
        parts = [(i, source.read(i.filename)) for i in source.infolist()]
    with zipfile.ZipFile(edited, "w") as target:
        for info, data in parts:
            if info.filename == "word/document.xml":
                assert b"Linde &amp; Eik" in data
                data = data.replace(b"Linde &amp; Eik", b"Linde &amp; Eikje")
            target.writestr(info, data)
    report = project.check(out=out)
    assert {p.parent.name for p in opened} == {"linde-en-eik"}
    assert any(f.document == str(edited) for f in report.findings)


def test_check_in_worker_processes_finds_what_one_process_finds(tmp_path):
    out = tmp_path / "out"
    project = _project(tmp_path)
    project.build(out)
    for path in sorted(out.glob("*/*.docx")):  # every document edited: every one is read
        with zipfile.ZipFile(path) as source:
            parts = [(i, source.read(i.filename)) for i in source.infolist()]
        with zipfile.ZipFile(path, "w") as target:
            for info, data in parts:
                if info.filename == "word/document.xml":
                    data = data.replace(b"Partijen", b"Partijenn", 1)
                target.writestr(info, data)
    one, two = project.check(out=out, jobs=1), project.check(out=out, jobs=2)
    assert one.findings and one.findings == two.findings
    assert one.recognised == two.recognised and one.coverage == two.coverage


def test_manifests_are_written_as_the_standard_library_indents_them(tmp_path):
    import json
    from enum import IntEnum

    from aifi_legal.output.manifest import json_text

    project = load_project(TWO_HOSPITALS, ROOT / "clauses", ROOT / "templates")
    project.build(tmp_path / "out", jobs=1)
    manifests = sorted((tmp_path / "out").glob("*/manifest.json"))
    assert manifests

    class Level(IntEnum):
        HIGH = 3

    class Text(str):
        pass

    odd = {
        'é "quoted" \\ \n\t\u2028 <&>': ["", [], {}, (), [[]], {"a": {}}],
        "numbers": [0, -1, 10**20, 1.5, 1e16, -0.0, float("inf"), True, False, None],
        "b": ("tuple", Text("a str subclass")),
        "a": {"z": 1, "Z": 2, "_": 3, "ä": 4},
    }
    for value in [*(json.loads(m.read_text("utf-8")) for m in manifests), odd]:
        expected = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
        assert json_text(value) == expected
    # What is not plain JSON goes to the standard library whole, with its answer or error.
    for value in [{"level": Level.HIGH}, {1: "a", 2: "b"}]:
        assert json_text(value) == json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    with pytest.raises(TypeError):
        json_text({"path": tmp_path})
