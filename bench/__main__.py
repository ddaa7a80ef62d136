"""`make bench`: simulate one season, then run every bench module against it.

Each module exposes `run(report)`; `report(name, value, unit, note="")` records a figure.
The season is simulated once per run (its time is itself a figure) and handed to modules
through FAIRFOLLOW_BENCH_SEASON (set it to a `fairfollow simulate` directory to use that
season instead, e.g. seed 2024 at 20,000 students). Scale with FAIRFOLLOW_BENCH_STUDENTS
(default 200,000);
choose modules with FAIRFOLLOW_BENCH_ONLY=ingest,log,…. Results go to bench/results/.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import shutil
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).parent
RESULTS = HERE / "results"


@dataclass(frozen=True)
class Figure:
    bench: str
    name: str
    value: float
    unit: str
    note: str


def machine() -> str:
    cpus = os.cpu_count() or 0
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    python = platform.python_version()
    return f"{platform.machine()}, {cpus} cores, {mem_kb / 1024**2:.0f} GiB, Python {python}"


def simulate_season(students: int) -> tuple[Path, list[Figure]]:
    from fairfollow.season.config import SimulationConfig
    from fairfollow.season.simulator import simulate

    out = RESULTS / f"season-{students}"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    workers = os.cpu_count() or 1
    result = simulate(
        SimulationConfig(students=students, seed=1, out=out, defects=frozenset({"a", "b"})),
        workers=workers,
    )
    elapsed = time.perf_counter() - started
    events = sum(result.events.values()) + sum(result.partner_events.values())
    return out, [
        Figure("simulate", "students per season", students, "students", ""),
        Figure(
            "simulate", "simulate time", elapsed, "s", f"two seasons, all files, {workers} workers"
        ),
        Figure(
            "simulate",
            "simulate throughput",
            events / elapsed,
            "events/s",
            f"{events:,} site and partner events",
        ),
    ]


def main() -> int:
    students = int(os.environ.get("FAIRFOLLOW_BENCH_STUDENTS", "200000"))
    only = {s for s in os.environ.get("FAIRFOLLOW_BENCH_ONLY", "").split(",") if s}
    RESULTS.mkdir(exist_ok=True)
    console = Console()
    console.print(
        f"[bold]FairFollow benchmarks[/] on {machine()}; {students:,} students; "
        f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    figures: list[Figure] = []
    failures: list[str] = []
    preset = os.environ.get("FAIRFOLLOW_BENCH_SEASON")
    if preset:
        console.print(f"season: {preset} (FAIRFOLLOW_BENCH_SEASON)")
    elif not only or "simulate" in only or any(m not in ("log", "cli", "web") for m in only):
        season, simulated = simulate_season(students)
        figures += simulated
        os.environ["FAIRFOLLOW_BENCH_SEASON"] = str(season)
    sys.path.insert(0, str(HERE.parent))
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        console.print(f"running {name} …")

        def report(
            figure: str, value: float, unit: str, note: str = "", _bench: str = name
        ) -> None:
            figures.append(Figure(_bench, figure, float(value), unit, note))
            console.print(f"  {figure}: {value:,.4g} {unit} {note}")

        try:
            importlib.import_module(f"bench.{path.stem}").run(report)
        except Exception:  # one broken bench must not hide the others' figures
            failures.append(name)
            console.print(traceback.format_exc())
    grid = Table(title=f"Benchmarks ({machine()})")
    for column in ("bench", "figure", "value", "unit", "note"):
        grid.add_column(column)
    for f in figures:
        grid.add_row(f.bench, f.name, f"{f.value:,.4g}", f.unit, f.note)
    console.print(grid)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"bench-{stamp}.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "students": students,
                "load_at_end": os.getloadavg(),
                "figures": [asdict(f) for f in figures],
                "failures": failures,
            },
            indent=2,
        )
    )
    if failures:
        console.print(f"[red]failed benches: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
