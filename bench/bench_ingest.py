"""Ingest benchmark: a simulated season into the analytics store, against a plain COPY.

The baseline, measured in the same run on the same files with the same DuckDB settings, is
``COPY (SELECT * FROM read_parquet(f)) TO parquet`` for every raw Parquet part plus
``read_csv`` → Parquet for every raw CSV the store loads: the cost of rewriting the data
with no validation, typing or catalogue. The issue's target: ingest at most 1.3× that
at 200,000 students.

``FAIRFOLLOW_BENCH_STUDENTS`` (default 200,000 per season) scales the season down;
``FAIRFOLLOW_BENCH_DIR`` keeps the simulated season between runs (default: a folder under
the system temp directory, reused when it is already complete); ``FAIRFOLLOW_BENCH_ROUNDS``
(default 2) sets how many interleaved copy/ingest rounds to take the best of.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from fairfollow.events.schema import RAW_TABLES
from fairfollow.events.store import ingest
from fairfollow.season.config import SimulationConfig
from fairfollow.season.simulator import simulate
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

Report = Callable[..., None]
SEED = 1


def season(students: int) -> Path:
    """A simulated season directory: the one `make bench` simulated for every bench module
    (FAIRFOLLOW_BENCH_SEASON), else one reused when a complete one is already there."""
    given = os.environ.get("FAIRFOLLOW_BENCH_SEASON")
    if given:
        return Path(given)
    base = Path(os.environ.get("FAIRFOLLOW_BENCH_DIR", Path(tempfile.gettempdir())))
    out = base / f"fairfollow-bench-season-{students}-s{SEED}"
    if (out / "manifest.json").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    simulate(SimulationConfig(students=students, seed=SEED, out=out))
    return out


def raw_files(season_dir: Path) -> list[Path]:
    raw = season_dir / "raw"
    return [path for spec in RAW_TABLES for path in sorted(raw.glob(spec.pattern))]


def plain_copy(files: list[Path], out: Path, settings: Settings) -> float:
    """Seconds to rewrite every file as Parquet with DuckDB and nothing else."""
    out.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {settings.duckdb_threads}")
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    started = time.perf_counter()
    for index, path in enumerate(files):
        reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
        con.execute(
            f"COPY (SELECT * FROM {reader}('{path}')) TO '{out / f'{index:05d}.parquet'}' "
            "(FORMAT parquet)"
        )
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def run(report: Report) -> None:
    students = int(os.environ.get("FAIRFOLLOW_BENCH_STUDENTS", "200000"))
    settings = Settings.model_construct()
    started = time.perf_counter()
    season_dir = season(students)
    report(
        "ingest.simulate_or_reuse_s",
        time.perf_counter() - started,
        "s",
        f"{students:,} students per season",
    )
    files = raw_files(season_dir)
    rounds = int(os.environ.get("FAIRFOLLOW_BENCH_ROUNDS", "2"))
    copies: list[float] = []
    ingests: list[float] = []
    with tempfile.TemporaryDirectory(prefix="fairfollow-bench-ingest-") as tmp:
        # Interleaved rounds, best of each: on a shared machine neither side gets the
        # quieter moment or the warmer cache by position.
        for index in range(rounds):
            copies.append(plain_copy(files, Path(tmp) / f"copy{index}", settings))
            shutil.rmtree(Path(tmp) / f"copy{index}")
            workspace = Workspace(Path(tmp) / f"ws{index}")
            summary = ingest(
                workspace, season_dir, settings=settings, now=datetime(2019, 7, 15, tzinfo=UTC)
            )
            ingests.append(summary.elapsed_s)
            shutil.rmtree(workspace.root)
    baseline, best = min(copies), min(ingests)
    rows = summary.rows_accepted + summary.rows_quarantined
    report("ingest.rows", rows, "rows", f"{len(files)} raw files")
    report("ingest.seconds", best, "s", f"best of {rounds}")
    report("ingest.rows_per_s", rows / best, "rows/s")
    report("ingest.baseline_copy_seconds", baseline, "s", f"plain DuckDB COPY, best of {rounds}")
    report("ingest.ratio_to_copy", best / baseline, "x", "target <= 1.3")
    report("ingest.quarantined", summary.rows_quarantined, "rows")


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:32s} {value:14,.3f} {unit:6s} {note}")

    run(_print)
