"""Benchmark: DOCX -> PDF with LibreOffice, one worker against two, in the same run.

Each worker is one `soffice` batch call with its own profile (see aifi_legal.pdf). Timings are
not asserted anywhere; run it by hand (LibreOffice must be installed):

    python scripts/bench_pdf.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aifi_legal import load_project  # noqa: E402
from aifi_legal.pdf import convert_to_pdf  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = load_project(ROOT / "hospitals.yaml", ROOT / "clauses", ROOT / "templates")
    with tempfile.TemporaryDirectory() as temp:
        files = [d.path for d in project.build(Path(temp) / "out").documents]

        def run(workers: int) -> float:
            with tempfile.TemporaryDirectory() as target:
                start = time.perf_counter()
                convert_to_pdf(files, Path(target), workers=workers)
                return time.perf_counter() - start

        times = {w: statistics.median(run(w) for _ in range(args.repeat)) for w in (1, 2)}
    print(f"{len(files)} documents, median of {args.repeat} runs")
    for workers, seconds in times.items():
        print(f"  {workers} worker(s): {seconds:.1f} s ({seconds / len(files):.2f} s/doc)")
    print(f"  speed-up with 2 workers: {times[1] / times[2]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
