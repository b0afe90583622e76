"""Smoke test of scripts/bench.py: it runs end to end on a tiny portfolio and ends with its
machine-readable summary line. Timings are never asserted (see the issue's targets)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"\d+\.\d\d\d?"  # two decimals; the no-op ratio three
LAST_LINE = re.compile(
    " ".join(
        f"{name}={NUMBER}"
        for name in (
            "speedup_vs_docxtpl",
            "single_job_speedup",
            "floor_ratio",
            "check_docs_per_s",
            "edited_check_docs_per_s",
            "noop_rebuild_ratio",
            "peak_rss_mb",
        )
    )
)


def test_bench_runs_and_ends_with_the_summary_line(tmp_path):
    kept = tmp_path / "bench"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench.py"),
            "--hospitals",
            "2",
            "--no-pdf",
            "--repeat",
            "1",
            "--keep",
            str(kept),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert LAST_LINE.fullmatch(lines[-1]), lines[-1]
    assert "7 PDF: skipped (--no-pdf)" in result.stdout
    assert (kept / "workspace" / "hospitals.yaml").is_file()  # --keep keeps the workspace
