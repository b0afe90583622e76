"""The signature register: locked and fsynced appends, torn lines kept apart, one place."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
from pathlib import Path

import pytest
from conftest import ROOT

from aifi_legal import LedgerError, load_project
from aifi_legal.inputs.workspace import packaged_defaults, resolve
from aifi_legal.register import ledger
from aifi_legal.register.ledger import Register, new_event, read_events


def event(number: int):
    return new_event(
        event="sent",
        hospital="h",
        kind="dpia",
        document="dpia.docx",
        document_id=f"AIFI-DPIA-H-V1.{number}",
        version=f"1.{number}",
        date="2027-01-01",
    )


def test_an_append_is_locked_written_and_fsynced_in_that_order(tmp_path, monkeypatch):
    calls: list[str] = []
    real_flock, real_write, real_fsync = fcntl.flock, os.write, os.fsync

    def flock(fd, operation):
        calls.append(
            {fcntl.LOCK_EX: "lock", fcntl.LOCK_SH: "shared", fcntl.LOCK_UN: "unlock"}[operation]
        )
        return real_flock(fd, operation)

    def write(fd, data):
        calls.append("write")
        return real_write(fd, data)

    def fsync(fd):
        calls.append("fsync")
        return real_fsync(fd)

    monkeypatch.setattr(ledger.fcntl, "flock", flock)
    monkeypatch.setattr(ledger.os, "write", write)
    monkeypatch.setattr(ledger.os, "fsync", fsync)
    Register(tmp_path / "signatures.jsonl").append([event(1), event(2)])
    assert calls == ["lock", "write", "fsync", "unlock"]


def _append_many(path: str, start: int) -> None:
    register = Register(Path(path))
    for number in range(start, start + 25):
        register.append([event(number)])


def test_a_torn_line_stays_apart_while_writers_contend(tmp_path):
    path = tmp_path / "signatures.jsonl"
    # A writer killed mid-line left half an event and no newline.
    path.write_bytes(event(0).model_dump_json().encode()[:40])
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_many, args=(str(path), 100 * (i + 1))) for i in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    lines = [line for line in path.read_text("utf-8").split("\n") if line]
    assert len(lines) == 1 + 4 * 25
    assert all(json.loads(line)["event"] == "sent" for line in lines[1:])
    with pytest.raises(LedgerError) as caught:
        read_events(path)
    assert [p.line for p in caught.value.problems] == [1]


def test_the_shipped_examples_register_is_written_where_the_user_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project = load_project()
    assert project.workspace.data.parent == packaged_defaults()
    assert project.workspace.ledger == tmp_path / "signatures.jsonl"
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "hospitals.yaml").write_text((ROOT / "hospitals.yaml").read_text("utf-8"))
    assert resolve(workspace / "hospitals.yaml").ledger == workspace / "signatures.jsonl"
    assert resolve(cwd=workspace).ledger == workspace / "signatures.jsonl"
