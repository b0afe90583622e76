"""The command line: output and exit codes (0 ok, 1 findings, 2 bad input or usage)."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, TWO_HOSPITALS

from aifi_legal.cli import cli
from aifi_legal.inputs.workspace import init_workspace


@pytest.fixture
def runner():
    return CliRunner()


def test_build_writes_documents_and_a_summary(runner, tmp_path):
    result = runner.invoke(
        cli,
        [
            "build",
            "--data",
            str(TWO_HOSPITALS),
            "--out",
            str(tmp_path),
            "--hospital",
            "linde-en-eik",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "linde-en-eik" / "intentieverklaring.docx").is_file()
    assert (tmp_path / "linde-en-eik" / "deelnameovereenkomst.docx").is_file()
    assert (tmp_path / "linde-en-eik" / "verwerkersovereenkomst-nordlicht.docx").is_file()
    assert (tmp_path / "linde-en-eik" / "dpia.docx").is_file()
    assert result.output.strip().splitlines()[-1] == (
        f"Built 4 document(s) for 1 hospital(s) in {tmp_path} (intentieverklaring: 1, "
        "deelnameovereenkomst: 1, verwerkersovereenkomst: 1, dpia: 1)."
    )


def test_build_from_any_folder_uses_the_shipped_example(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build", "--group", "1", "--only", "intentieverklaring"])
    assert result.exit_code == 0, result.output
    built = sorted(p.parent.name for p in (tmp_path / "out").glob("*/intentieverklaring.docx"))
    assert built == ["maas-en-waal", "st-jozef-dalwijk", "t-zandgoed"]


def test_build_model(runner, tmp_path):
    result = runner.invoke(cli, ["build", "--model", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "for the model" in result.output
    assert (tmp_path / "model" / "deelnameovereenkomst.docx").is_file()


def test_bad_data_exits_2_with_every_problem_and_no_traceback(runner, tmp_path):
    bad = tmp_path / "hospitals.yaml"
    text = TWO_HOSPITALS.read_text()
    bad.write_text(
        text.replace('kvk: "05550123"', 'kvk: "555"').replace(
            "postcode: 5211 XX", "postcode: XX 5211"
        )
    )
    result = runner.invoke(cli, ["build", "--data", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert lines[0] == "Error: 2 problems in the data file:"
    assert "hospitals[0].kvk: '555' is not 8 digits" in lines[1]
    assert "hospitals[1].address.postcode: 'XX 5211' is not a Dutch postcode" in lines[2]
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2(runner, tmp_path):
    result = runner.invoke(cli, ["build", "--hospital", "onbekend", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Error: unknown hospital 'onbekend'" in result.output
    result = runner.invoke(cli, ["build", "--only", "dpia-x"])
    assert result.exit_code == 2
    assert "Invalid value for '--only'" in result.output
    result = runner.invoke(cli, ["bouw"])
    assert result.exit_code == 2


def test_validate(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["validate", "--data", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 6 hospitals")
    # It says plainly, on stderr, that it ran on the shipped example and which files it read.
    assert result.stderr.startswith(f"Note: using the shipped example data ({EXAMPLE})")
    assert f"Using data {EXAMPLE}, clauses {ROOT / 'clauses'}" in result.stderr
    quiet = runner.invoke(cli, ["validate", "--data", str(EXAMPLE), "--quiet"])
    assert quiet.stderr == "" and quiet.stdout == result.stdout


def test_a_workspace_in_the_current_folder_is_used_without_a_note(runner, tmp_path, monkeypatch):
    init_workspace(tmp_path / "ws")
    monkeypatch.chdir(tmp_path / "ws")
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0 and result.stderr == ""
    verbose = runner.invoke(cli, ["validate", "-v"])
    workspace = tmp_path / "ws"
    assert verbose.stderr.startswith(f"Using data {workspace / 'hospitals.yaml'}, clauses ")


def test_validate_reports_a_broken_clause_with_file_and_line(runner, tmp_path):
    clauses = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", clauses)
    target = next(p for p in sorted(clauses.rglob("*.md")) if p.name != "README.md")
    lines = target.read_text().splitlines()
    lines.append("{{ ziekenhuis.bestaat_niet }}")
    target.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["validate", "--clauses", str(clauses)])
    assert result.exit_code == 2
    assert f"{target.name}:{len(lines)}:" in result.output
    assert "bestaat_niet" in result.output


def test_clauses_lists_the_library(runner):
    result = runner.invoke(cli, ["clauses"])
    assert result.exit_code == 0
    assert "alg-partijen" in result.output
    result = runner.invoke(cli, ["clauses", "--format", "json"])
    rows = json.loads(result.stdout)
    assert {"id", "version", "documents", "condition", "section", "tags"} <= set(rows[0])


def test_schema_prints_json(runner):
    result = runner.invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "aifi-legal hospitals.yaml"


def test_init_creates_an_editable_workspace(runner, tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    result = runner.invoke(cli, ["init", str(workspace)])
    assert result.exit_code == 0, result.output
    # The copy opens with the line that points editors at the schema written beside it.
    copied = (workspace / "hospitals.yaml").read_bytes()
    assert (
        copied == b"# yaml-language-server: $schema=hospitals.schema.json\n" + EXAMPLE.read_bytes()
    )
    assert (workspace / "hospitals.schema.json").is_file()
    assert "hospitals.schema.json" in result.stdout
    for kind in ("intentieverklaring", "deelnameovereenkomst", "verwerkersovereenkomst", "dpia"):
        assert (workspace / "templates" / f"{kind}.docx").is_file()
    assert (workspace / "clauses" / "gemeenschappelijk" / "partijen.md").is_file()
    # The workspace's own files are used from inside it ...
    partijen = workspace / "clauses" / "gemeenschappelijk" / "partijen.md"
    partijen.write_text(
        partijen.read_text().replace("De ondergetekenden:", "De hierna genoemde ondergetekenden:")
    )
    monkeypatch.chdir(workspace)
    result = runner.invoke(
        cli, ["build", "--hospital", "rijnstede", "--only", "intentieverklaring"]
    )
    assert result.exit_code == 0, result.output
    import docx

    text = "\n".join(
        p.text
        for p in docx.Document(
            str(workspace / "out" / "rijnstede" / "intentieverklaring.docx")
        ).paragraphs
    )
    assert "De hierna genoemde ondergetekenden:" in text
    # ... and init refuses to overwrite it.
    result = runner.invoke(cli, ["init", str(workspace)])
    assert result.exit_code == 2
    assert "exists and is not empty" in result.output


def test_build_tells_a_log_each_finished_file_and_quiet_only_the_result(runner, tmp_path):
    args = ["build", "--data", str(TWO_HOSPITALS), "--ledger", str(tmp_path / "r.jsonl")]
    result = runner.invoke(cli, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rendered = [line for line in result.stderr.splitlines() if line.startswith("rendering ")]
    assert rendered[0] == "rendering 1/8: linde-en-eik/intentieverklaring.docx"
    assert [line.split(":")[0] for line in rendered] == [f"rendering {n}/8" for n in range(1, 9)]
    assert result.stdout.splitlines()[-1].startswith("Built 8 document(s) for 2 hospital(s)")
    quiet = runner.invoke(cli, [*args, "--out", str(tmp_path / "out2"), "--quiet"])
    assert quiet.stderr == ""
    assert quiet.stdout.count("\n") == 1 and quiet.stdout.startswith("Built 8 document(s)")


def test_build_validate_and_sign_speak_json_with_the_objects_field_names(
    runner, tmp_path, monkeypatch
):
    # The fixture documents are dated ahead; signing them needs a later "today".
    monkeypatch.setattr("aifi_legal.register.record._today", lambda: date(2027, 6, 1))
    inputs = ["--data", str(TWO_HOSPITALS), "--ledger", str(tmp_path / "r.jsonl"), "-q"]
    out = ["--out", str(tmp_path / "out")]
    built = runner.invoke(
        cli, ["build", *inputs, *out, "--only", "intentieverklaring", "--format", "json"]
    )
    assert built.exit_code == 0, built.output
    data = json.loads(built.stdout)
    assert [d["document_id"] for d in data["documents"]] == [
        "AIFI-IVK-LINDE-EN-EIK-V1.0",
        "AIFI-IVK-DEN-BOSCH-NOORD-V1.0",
    ]
    assert set(data["documents"][0]) >= {
        "kind",
        "hospital_id",
        "path",
        "sha256",
        "words",
        "clauses",
    }
    valid = runner.invoke(cli, ["validate", *inputs, "--format", "json"])
    assert json.loads(valid.stdout) == {"hospitals": 2, "clauses": 96, "documents": 12}
    signed = runner.invoke(
        cli,
        [
            "sign",
            *inputs,
            *out,
            "linde-en-eik",
            "intentieverklaring",
            "--signatory",
            "Chloë d'Ancona-Brûlé",
            "--method",
            "paper",
            "--date",
            "2027-02-01",
            "--format",
            "json",
        ],
    )
    assert signed.exit_code == 0, signed.output
    event = json.loads(signed.stdout)
    assert (event["event"], event["signatory"], event["date"]) == (
        "signed",
        "Chloë d'Ancona-Brûlé",
        "2027-02-01",
    )
