"""Benchmark: the clause compile cache and the rendering memo, against neither.

Rendering clause text is mostly Jinja compilation; aifi-legal compiles each clause once per
process and reuses it for every hospital, and keeps each rendering under the values it reads
(assembly.memo), so that a clause that does not depend on the hospital is rendered once. This
measures the whole in-memory build (assemble + DOCX) of N hospitals three ways, in the same
run: every clause recompiled and rendered for every document; compiled once, rendered for every
document; compiled once and each rendering kept (the default). Timings are not asserted
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
from aifi_legal.assembly import assemble, context, memo  # noqa: E402
from aifi_legal.assembly import jinja as assemble_module  # noqa: E402


def hospitals(project, count: int):
    """`count` hospitals, cycling through the example data with new ids."""
    base = project.portfolio.hospitals
    return [
        base[i % len(base)].model_copy(update={"id": f"{base[i % len(base)].id}-{i}"})
        for i in range(count)
    ]


def _render_every_time(template_id, source, prints, render):
    return render()


def run(project, targets, *, cached: bool, kept: bool) -> float:
    assemble_module._COMPILED.clear()
    memo.clear()
    for module in (assemble, context):  # the memo, or rendering every time
        module.render_once = memo.render_once if kept else _render_every_time
    start = time.perf_counter()
    for hospital in targets:
        for ref in project.documents_of(hospital):
            if not cached:
                assemble_module._COMPILED.clear()
            project.render(ref.kind, hospital, ref.processor_id)
    seconds = time.perf_counter() - start
    for module in (assemble, context):
        module.render_once = memo.render_once
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = load_project(ROOT / "hospitals.yaml", ROOT / "clauses", ROOT / "templates")
    targets = hospitals(project, args.hospitals)
    documents = sum(len(project.documents_of(h)) for h in targets)

    def per(total: float) -> str:
        return f"{total / documents * 1000:.0f} ms/doc"

    ways = {"recompiled": (False, False), "compiled once": (True, False), "default": (True, True)}
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(args.repeat):  # interleaved, so that the machine's moods hit all three
        for way, (cached, kept) in ways.items():
            seconds[way].append(run(project, targets, cached=cached, kept=kept))
    baseline, compiled, default = (statistics.median(seconds[way]) for way in ways)
    print(f"{documents} documents, median of {args.repeat} runs")
    print(f"  recompile and render every clause: {baseline:.2f} s ({per(baseline)})")
    print(f"  compile once, render every time:   {compiled:.2f} s ({per(compiled)})")
    print(f"  compile once, keep renderings:     {default:.2f} s ({per(default)}, the default)")
    print(
        f"  speed-up: {baseline / compiled:.1f}x from compiling once, "
        f"{compiled / default:.1f}x more from keeping renderings"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
