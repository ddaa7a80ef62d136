"""Erasure benchmark: 1,000 members erased from a 200,000-student store, against a plain COPY.

The store is the ingested bench season (``FAIRFOLLOW_BENCH_STUDENTS``, default 200,000 per
season). Erasure (:func:`fairfollow.events.erasure.rewrite_members`) finds the files holding
the members (and their cookies), rewrites them, swaps the catalogue and adds the keyed
hashes to the suppression list. The baseline, measured in the same run on the same files
with the same DuckDB settings, is ``COPY (SELECT * FROM read_parquet(f) WHERE member_id NOT
IN (…)) TO parquet`` for every member-keyed Parquet file (and ``cookie_id NOT IN`` for the
partner events): the cost of rewriting the data with nothing else. Target: erasure at most
1.5× that. Figures: seconds and bytes rewritten of both.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench.bench_ingest import Report, season
from fairfollow.events.catalog import read_state
from fairfollow.events.erasure import rewrite_members
from fairfollow.events.store import ingest, open_store
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

ERASED = 1_000
TARGET = 1.5


def _members(workspace: Workspace, count: int) -> list[int]:
    """``count`` members spread evenly over the store (every n-th id)."""
    con = open_store(workspace)
    try:
        ids = [
            int(r[0]) for r in con.execute("SELECT member_id FROM members ORDER BY 1").fetchall()
        ]
    finally:
        con.close()
    step = max(1, len(ids) // count)
    return ids[::step][:count]


def plain_copy(
    workspace: Workspace, members: list[int], out: Path, settings: Settings
) -> tuple[float, int]:
    """Seconds and bytes to rewrite every member-keyed file without the members."""
    state = read_state(workspace)
    out.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {settings.duckdb_threads}")
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    listing = ", ".join(str(m) for m in members)
    started = time.perf_counter()
    links = [str(workspace.parquet_dir / p) for p, _ in state.files.get("cookie_links", ())]
    cookies = (
        con.execute(
            f"SELECT list(DISTINCT cookie_id) FROM read_parquet({links}) "
            f"WHERE member_id IN ({listing})"
        ).fetchall()[0][0]
        or []
    )
    cookie_list = ", ".join("'" + c.replace("'", "''") + "'" for c in cookies) or "NULL"
    index = 0
    for table, condition in (
        ("members", f"member_id NOT IN ({listing})"),
        ("member_attributes", f"member_id NOT IN ({listing})"),
        ("cookie_links", f"member_id NOT IN ({listing})"),
        ("events", f"member_id NOT IN ({listing})"),
        ("partner_events", f"cookie_id NOT IN ({cookie_list})"),
    ):
        for path, _ in state.files.get(table, ()):
            target = out / f"{index:05d}.parquet"
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{workspace.parquet_dir / path}') "
                f"WHERE {condition}) TO '{target}' (FORMAT parquet, COMPRESSION snappy)"
            )
            index += 1
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed, sum(p.stat().st_size for p in out.glob("*.parquet"))


def run(report: Report) -> None:
    students = int(os.environ.get("FAIRFOLLOW_BENCH_STUDENTS", "200000"))
    settings = Settings.model_construct()
    season_dir = season(students)
    rounds = int(os.environ.get("FAIRFOLLOW_BENCH_ROUNDS", "2"))
    copies: list[tuple[float, int]] = []
    erasures = []
    with tempfile.TemporaryDirectory(prefix="fairfollow-bench-erasure-") as tmp:
        pristine = Workspace(Path(tmp) / "pristine")
        ingest(pristine, season_dir, settings=settings, now=datetime(2019, 7, 15, tzinfo=UTC))
        members = _members(pristine, ERASED)
        for index in range(rounds):  # interleaved, best of each (a shared machine)
            copies.append(plain_copy(pristine, members, Path(tmp) / f"copy{index}", settings))
            shutil.rmtree(Path(tmp) / f"copy{index}")
            # The catalogue names absolute paths, so each round erases from a fresh ingest.
            workspace = Workspace(Path(tmp) / f"ws{index}")
            ingest(workspace, season_dir, settings=settings, now=datetime(2019, 7, 15, tzinfo=UTC))
            erasures.append(
                rewrite_members(
                    workspace, members, settings=settings, now=datetime(2019, 7, 20, tzinfo=UTC)
                )
            )
            shutil.rmtree(workspace.root)
    baseline, baseline_bytes = min(copies)
    best = min(erasures, key=lambda e: e.elapsed_s)
    report("erasure.members", len(members), "members", f"of {students:,} students per season")
    report("erasure.rows_removed", sum(best.rows_removed.values()), "rows")
    report("erasure.seconds", best.elapsed_s, "s", f"best of {rounds}")
    report("erasure.bytes_rewritten", best.bytes_rewritten, "B", f"{best.files_rewritten} files")
    report(
        "erasure.baseline_copy_seconds",
        baseline,
        "s",
        f"plain DuckDB COPY … NOT IN, best of {rounds}",
    )
    report("erasure.baseline_bytes", baseline_bytes, "B")
    ratio = best.elapsed_s / baseline
    report(
        "erasure.ratio_to_copy",
        ratio,
        "x",
        f"target <= {TARGET}: {'pass' if ratio <= TARGET else 'FAIL'}",
    )


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:32s} {value:14,.3f} {unit:6s} {note}")

    run(_print)
