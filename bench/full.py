"""`make bench-full`: the whole season at full scale, stage by stage (not part of `make test`
or CI: it takes many minutes and gigabytes).

simulate → ingest → consent (the log into the ledger, then validity of every member) →
features (both seasons) → train → evaluate → replay of every active employer (intake and a
governed release each), printing each stage's time and peak memory (RSS of this process and
its workers, sampled) and the whole, against the goals of ≤ 15 minutes and ≤ 8 GiB on two
cores. ``FAIRFOLLOW_BENCH_FULL_STUDENTS`` (default 800,000 per season) sets the size,
``FAIRFOLLOW_BENCH_WORKERS`` (default: one per core) the simulator's processes,
``FAIRFOLLOW_BENCH_DIR`` where the season and workspace go (default: the system temp
directory; removed afterwards unless ``FAIRFOLLOW_BENCH_KEEP=1``). Results go to
``bench/results/full-<time>.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from bench.__main__ import machine  # noqa: E402
from bench.pipeline import Pipeline, RssSampler, Timeline, load  # noqa: E402
from fairfollow.workspace import Workspace  # noqa: E402

GOAL_SECONDS = 15 * 60
GOAL_BYTES = 8 * 1024**3
GIB = 1024**3


def main() -> int:
    students = int(os.environ.get("FAIRFOLLOW_BENCH_FULL_STUDENTS", "800000"))
    workers = int(os.environ.get("FAIRFOLLOW_BENCH_WORKERS", str(os.cpu_count() or 1)))
    base = Path(os.environ.get("FAIRFOLLOW_BENCH_DIR", tempfile.gettempdir()))
    root = base / f"fairfollow-bench-full-{students}"
    shutil.rmtree(root, ignore_errors=True)
    console = Console()
    load_before = load()
    console.print(
        f"[bold]bench-full[/] on {machine()}; {students:,} students per season; "
        f"load average {load_before}"
    )
    pipeline = Pipeline(root / "season", Workspace(root / "workspace"))
    started = time.perf_counter()
    with RssSampler().running() as sampler:
        timeline = Timeline(sampler)
        steps = [
            ("simulate", lambda: pipeline.simulate(students, workers)),
            ("ingest", pipeline.ingest),
            ("consent log", pipeline.consent_log),
            ("consent evaluation", pipeline.consent_evaluation),
            ("features 2019", lambda: pipeline.features(2019)),
            ("features 2020", lambda: pipeline.features(2020)),
            ("train", pipeline.train),
            ("evaluate", pipeline.evaluate),
            ("replay", pipeline.replay),
        ]
        for name, work in steps:
            console.print(f"{name} …")
            timeline.run(name, work)
            stage = timeline.stages[-1]
            console.print(
                f"  {stage.seconds:,.1f} s, peak {stage.peak_rss / GIB:.2f} GiB, {stage.note}"
            )
    whole = time.perf_counter() - started
    peak = max(s.peak_rss for s in timeline.stages)
    load_after = load()
    grid = Table(title=f"bench-full, {students:,} students per season ({machine()})")
    for column in ("stage", "seconds", "peak RSS (GiB)", "note"):
        grid.add_column(column)
    for s in timeline.stages:
        grid.add_row(s.name, f"{s.seconds:,.1f}", f"{s.peak_rss / GIB:.2f}", s.note)
    time_ok, memory_ok = whole <= GOAL_SECONDS, peak <= GOAL_BYTES
    grid.add_row(
        "whole",
        f"{whole:,.1f}",
        f"{peak / GIB:.2f}",
        f"goal ≤ 900 s: {'pass' if time_ok else 'FAIL'}; "
        f"≤ 8 GiB: {'pass' if memory_ok else 'FAIL'}",
    )
    console.print(grid)
    console.print(f"load average before {load_before}, after {load_after}")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / f"full-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "students": students,
                "workers": workers,
                "load_before": load_before,
                "load_after": load_after,
                "stages": [asdict(s) for s in timeline.stages],
                "whole_s": whole,
                "peak_rss": peak,
                "goal_time_met": time_ok,
                "goal_memory_met": memory_ok,
            },
            indent=2,
        )
    )
    if os.environ.get("FAIRFOLLOW_BENCH_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)
    return 0 if time_ok and memory_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
