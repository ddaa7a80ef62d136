"""CLI start-up benchmark: ``fairfollow --help`` and ``fairfollow log --help``, warm.

Each command runs 10 times after one warm-up run (so the file cache is warm); the figure is
the median wall time, against ``python -c pass`` measured the same way in the same run (the
interpreter's own floor). Goal: under 0.5 s each. The machine's load average is part of
every note: on a shared, loaded machine the figures are upper bounds.
Run alone: ``python -m bench.bench_cli``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

Report = Callable[..., None]
RUNS = 10
GOAL_S = 0.5
COMMANDS: dict[str, tuple[str, ...]] = {
    "python -c pass": ("-c", "pass"),
    "fairfollow --help": ("-m", "fairfollow", "--help"),
    "fairfollow log --help": ("-m", "fairfollow", "log", "--help"),
}


def median_wall(args: Sequence[str], runs: int = RUNS) -> float:
    """Median wall time of ``python ARGS`` over ``runs`` warm runs, in seconds."""
    command = [sys.executable, *args]
    subprocess.run(command, check=True, capture_output=True)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def run(report: Report) -> None:
    floor = median_wall(COMMANDS["python -c pass"])
    report("python -c pass", floor, "s", f"median of {RUNS}, warm; {load()}")
    for name, args in COMMANDS.items():
        if name == "python -c pass":
            continue
        wall = median_wall(args)
        verdict = "✓ pass" if wall < GOAL_S else "✗ fail"
        report(
            name,
            wall,
            "s",
            f"{verdict} (goal < {GOAL_S} s); {wall / floor:.1f}× python -c pass; median of "
            f"{RUNS}, warm; {load()}",
        )


if __name__ == "__main__":
    run(lambda name, value, unit, note="": print(f"{name}: {value:.3f} {unit} {note}"))
