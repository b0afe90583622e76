"""Benchmark: rendering with the clause compile cache against recompiling every clause.

Rendering clause text is mostly Jinja compilation; aifi-legal compiles each clause once per
process and reuses it for every hospital. This measures the whole in-memory build (assemble +
DOCX) of N hospitals both ways, in the same run, and prints the ratio. Timings are not asserted
anywhere; run it by hand:

    python scripts/bench_build.py [--hospitals 24] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aifi_legal import load_project  # noqa: E402
from aifi_legal.assembly import jinja as assemble_module  # noqa: E402


def hospitals(project, count: int):
    """`count` hospitals, cycling through the example data with new ids."""
    base = project.portfolio.hospitals
    return [
        base[i % len(base)].model_copy(update={"id": f"{base[i % len(base)].id}-{i}"})
        for i in range(count)
    ]


def run(project, targets, *, cached: bool) -> float:
    assemble_module._COMPILED.clear()
    start = time.perf_counter()
    for hospital in targets:
        for ref in project.documents_of(hospital):
            if not cached:
                assemble_module._COMPILED.clear()
            project.render(ref.kind, hospital, ref.processor_id)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = load_project(ROOT / "hospitals.yaml", ROOT / "clauses", ROOT / "templates")
    targets = hospitals(project, args.hospitals)
    documents = sum(len(project.documents_of(h)) for h in targets)
    baseline = statistics.median(run(project, targets, cached=False) for _ in range(args.repeat))
    cached = statistics.median(run(project, targets, cached=True) for _ in range(args.repeat))
    print(f"{documents} documents, median of {args.repeat} runs")
    print(f"  recompile every clause: {baseline:.2f} s ({baseline / documents * 1000:.0f} ms/doc)")
    print(f"  compile once (default): {cached:.2f} s ({cached / documents * 1000:.0f} ms/doc)")
    print(f"  speed-up: {baseline / cached:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
