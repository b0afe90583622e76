"""Nothing lost: signed documents, failed runs and killed runs, each as the fault itself.

Whether a document is signed is the register's word (document id and sha256), never the
manifest's; a run writes into a staging folder and commits only when everything succeeded; a
killed run leaves the earlier files as they were and the next run cleans up after it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SOFFICE, TWO_HOSPITALS
from pdfsigning import frozen_clock  # noqa: F401 - autouse: sign checks dates on its clock

from aifi_legal import load_project
from aifi_legal.errors import ConversionError, OutputError, UsageError
from aifi_legal.output.commit import JOURNAL_FILE, STAGING_PREFIX

HOSPITAL = "den-bosch-noord"
SIGNATORY = "drs. Bart van 't Veld"


def _project(tmp_path: Path, version: str = "1.0"):
    data = tmp_path / f"data-{version}" / "hospitals.yaml"
    data.parent.mkdir(exist_ok=True)
    data.write_text(TWO_HOSPITALS.read_text().replace('version: "1.0"', f'version: "{version}"'))
    return load_project(data, ROOT / "clauses", ROOT / "templates", tmp_path / "register.jsonl")


def _snapshot(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file()
        and not p.name.startswith(".aifi-legal.lock")
        and not p.relative_to(out).parts[0].startswith(STAGING_PREFIX)
    }


def _signed(tmp_path: Path):
    """A built folder whose den-bosch-noord intentieverklaring is signed in the register."""
    project, out = _project(tmp_path), tmp_path / "out"
    project.build(out, hospitals=[HOSPITAL])
    project.record(
        HOSPITAL,
        "intentieverklaring",
        signatory=SIGNATORY,
        date="2027-04-08",
        method="paper",
        out=out,
    )
    return project, out, out / HOSPITAL / "intentieverklaring.docx"


def test_sign_refuses_a_build_of_another_version(tmp_path):
    """The data say 2.0, the folder holds 1.0: a signature must not land on the wrong version."""
    old, out = _project(tmp_path), tmp_path / "out"
    old.build(out, hospitals=[HOSPITAL], only="intentieverklaring")
    new = _project(tmp_path, "2.0")
    with pytest.raises(UsageError, match=r"\(version 2\.0\) has not been built in"):
        new.record(
            HOSPITAL,
            "intentieverklaring",
            signatory=SIGNATORY,
            date="2027-04-08",
            method="paper",
            out=out,
        )
    assert new.register.read() == []


@pytest.mark.parametrize("damage", ["deleted", "not json", "emptied documents"])
def test_a_lost_or_damaged_manifest_does_not_let_build_overwrite_a_signed_document(
    tmp_path, damage
):
    project, out, signed = _signed(tmp_path)
    signed_bytes = signed.read_bytes()
    # The data change, so a rebuild would give different bytes under the same document id.
    manifest = out / HOSPITAL / "manifest.json"
    if damage == "deleted":
        manifest.unlink()
    elif damage == "not json":
        manifest.write_text("{ half a manifest")
    else:
        manifest.write_text(json.dumps({"documents": []}))
    result = project.build(out, hospitals=[HOSPITAL])
    assert signed.read_bytes() == signed_bytes
    assert [d.path for d in result.kept] == [signed]
    entry = {d["file"]: d for d in json.loads(manifest.read_text())["documents"]}
    assert entry["intentieverklaring.docx"]["sha256"] == hashlib.sha256(signed_bytes).hexdigest()


def test_raising_reverting_and_raising_a_version_never_replaces_an_archived_original(tmp_path):
    project, out, signed = _signed(tmp_path)
    signed_bytes = signed.read_bytes()
    archive = out / HOSPITAL / "archief"
    v11 = _project(tmp_path, "1.1")
    v11.build(out, hospitals=[HOSPITAL], only=["intentieverklaring"])
    first = {p.name: p.read_bytes() for p in archive.iterdir()}
    assert list(first.values()) == [signed_bytes]
    # Back to 1.0: the signed original is in archief/, the unsigned 1.1 file is not signed.
    project.build(out, hospitals=[HOSPITAL], only=["intentieverklaring"])
    # The same inputs give the same bytes: the signed original is back under its own id.
    assert signed.read_bytes() == signed_bytes
    v11.build(out, hospitals=[HOSPITAL], only=["intentieverklaring"])
    after = {p.name: p.read_bytes() for p in archive.iterdir()}
    assert {name: after[name] for name in first} == first  # never replaced
    for name, data in after.items():
        assert name.endswith(hashlib.sha256(data).hexdigest()[:12] + ".docx"), name


def test_a_build_with_one_blocked_target_writes_nothing(tmp_path):
    _, out, _ = _signed(tmp_path)
    before = _snapshot(out)
    blocked = out / "linde-en-eik" / "dpia.docx"
    blocked.mkdir(parents=True)  # a folder where a document goes
    before = _snapshot(out)
    with pytest.raises(OutputError, match="something that is not a file is in its place"):
        _project(tmp_path, "1.1").build(out)
    assert _snapshot(out) == before
    assert not list(out.glob(f"{STAGING_PREFIX}*")) and not (out / JOURNAL_FILE).exists()


def test_a_conversion_that_fails_after_rendering_replaces_nothing(tmp_path, monkeypatch):
    _, out, _ = _signed(tmp_path)
    before = _snapshot(out)

    def failing(files, out_dir, **_):
        assert all(STAGING_PREFIX in str(f) for f in files)  # the DOCX files are staged
        raise ConversionError("LibreOffice could not convert dpia.docx")

    monkeypatch.setattr("aifi_legal.output.build.convert_to_pdf", failing)
    with pytest.raises(ConversionError):
        _project(tmp_path, "1.1").build(out, pdf=True)
    assert _snapshot(out) == before
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_an_interrupted_commit_is_completed_by_the_next_run(tmp_path, monkeypatch):
    _, out, signed = _signed(tmp_path)
    signed_bytes = signed.read_bytes()
    calls = {"n": 0}
    real_rename = os.rename

    def dying_rename(source, target):
        calls["n"] += 1
        if calls["n"] == 3:  # killed in the middle of the commit
            raise KeyboardInterrupt
        real_rename(source, target)

    monkeypatch.setattr("aifi_legal.output.commit.os.rename", dying_rename)
    v11 = _project(tmp_path, "1.1")
    with pytest.raises(KeyboardInterrupt):
        v11.build(out, hospitals=[HOSPITAL])
    monkeypatch.setattr("aifi_legal.output.commit.os.rename", real_rename)
    assert (out / JOURNAL_FILE).is_file()
    result = v11.build(out, hospitals=[HOSPITAL])
    assert any("completed the interrupted commit" in note for note in result.repaired)
    assert not (out / JOURNAL_FILE).exists()
    archived = [p.read_bytes() for p in (out / HOSPITAL / "archief").iterdir()]
    assert archived == [signed_bytes]
    manifest = json.loads((out / HOSPITAL / "manifest.json").read_text())
    for entry in manifest["documents"]:
        data = (out / HOSPITAL / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]


def _build_command(data: Path, ledger: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "aifi_legal",
        "build",
        "--data",
        str(data),
        "--ledger",
        str(ledger),
        "--out",
        str(out),
        *extra,
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _soffice_of(out: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True)
    return found.stdout.split()


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_pdf_build_leaves_the_earlier_files_and_no_libreoffice(tmp_path, how):
    _, out, _ = _signed(tmp_path)
    before = _snapshot(out)
    newer = _project(tmp_path, "1.1")
    process = subprocess.Popen(
        _build_command(
            newer.workspace.data, newer.workspace.ledger, out, "--pdf", "--hospital", HOSPITAL
        ),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob(f"{STAGING_PREFIX}*/.convert/*")):  # LibreOffice is converting
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(how)
    process.communicate(timeout=60)
    assert process.returncode != 0
    deadline = time.monotonic() + 30
    while _soffice_of(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _soffice_of(out) == []
    assert _snapshot(out) == before
    if how == signal.SIGTERM:  # cleanup ran: nothing left behind
        assert not list(out.glob(f"{STAGING_PREFIX}*"))
    result = subprocess.run(
        _build_command(newer.workspace.data, newer.workspace.ledger, out, "--hospital", HOSPITAL),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    if how == signal.SIGKILL:
        assert "Repaired: removed the staging folder" in result.stdout
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_concurrent_builds_into_one_folder_lose_no_manifest_entry(tmp_path):
    project = _project(tmp_path)
    out = tmp_path / "out"
    commands = [
        _build_command(
            project.workspace.data,
            project.workspace.ledger,
            out,
            "--hospital",
            hospital,
            "--only",
            kind,
        )
        for hospital in ("linde-en-eik", HOSPITAL)
        for kind in ("intentieverklaring", "deelnameovereenkomst", "dpia")
    ]
    processes = [
        subprocess.Popen(c, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for c in commands
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    for hospital in ("linde-en-eik", HOSPITAL):
        manifest = json.loads((out / hospital / "manifest.json").read_text())
        files = {d["file"]: d["sha256"] for d in manifest["documents"]}
        assert sorted(files) == [
            "deelnameovereenkomst.docx",
            "dpia.docx",
            "intentieverklaring.docx",
        ]
        for name, sha in files.items():
            assert hashlib.sha256((out / hospital / name).read_bytes()).hexdigest() == sha


def test_sign_refuses_a_file_changed_behind_the_manifest(tmp_path):
    project, out = _project(tmp_path), tmp_path / "out"
    project.build(out, hospitals=[HOSPITAL], only=["intentieverklaring"])
    target = out / HOSPITAL / "intentieverklaring.docx"
    target.write_bytes(target.read_bytes() + b"\0")
    with pytest.raises(UsageError, match="is not the file that was built: sha256 ") as caught:
        project.record(
            HOSPITAL,
            "intentieverklaring",
            signatory=SIGNATORY,
            date="2027-04-08",
            method="paper",
            out=out,
        )
    assert hashlib.sha256(target.read_bytes()).hexdigest() in caught.value.message
    assert project.register.state() == {}


def test_status_flags_a_file_changed_behind_the_manifest(tmp_path):
    project, out = _project(tmp_path), tmp_path / "out"
    project.build(out, hospitals=[HOSPITAL], only=["intentieverklaring", "dpia"])
    target = out / HOSPITAL / "intentieverklaring.docx"
    target.write_bytes(target.read_bytes() + b"\0")
    states = {d.kind: d.status for d in project.status(out, hospitals=[HOSPITAL]).documents}
    assert states["intentieverklaring"] == "changed after build"
    assert states["dpia"] == "concept"


def test_a_dry_run_says_what_would_be_written_kept_and_archived_and_writes_nothing(tmp_path):
    _, out, signed = _signed(tmp_path)
    before = _snapshot(out)
    # The same version: the signed original would be kept.
    same = _project(tmp_path).build(out, hospitals=[HOSPITAL], dry_run=True)
    assert same.dry_run and [d.path for d in same.kept] == [signed]
    assert signed not in [d.path for d in same.documents] and same.archived == ()
    # A new version: the signed original would go to archief/ and a new file take its place.
    raised = _project(tmp_path, "1.1").build(out, hospitals=[HOSPITAL], dry_run=True)
    assert [p.parent.name for p in raised.archived] == ["archief"]
    assert raised.archived[0].name.startswith("intentieverklaring-AIFI-IVK-DEN-BOSCH-NOORD-V1.0-")
    assert signed in [d.path for d in raised.documents]
    text = raised.to_text()
    assert "would be archived: the signed original of an earlier version" in text
    assert text.rstrip().endswith("; nothing was written.")
    assert _snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(STAGING_PREFIX)]
    fresh = tmp_path / "nieuw"
    _project(tmp_path).build(fresh, dry_run=True)
    assert not fresh.exists()
