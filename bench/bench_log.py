"""Transparency-log benchmark: append rates, proof time and full verification on SQLite.

Figures (each with its baseline measured in the same run):

- appends per second, one per transaction, with durable commits (``synchronous=FULL``: the
  commit waits for the disk) — against a plain one-row INSERT per transaction, the disk's
  floor; also with the ledger's default ``synchronous=NORMAL`` (WAL);
- appends per second in batches of 10,000 per transaction, durable (goal ≥ 20,000/s);
- inclusion-proof time at N leaves (goal ≤ 1 ms) against recomputing the root from all
  leaves, which is what a log without stored subtree hashes would do;
- ``log verify`` and ``log audit`` time at N leaves.

N is 1,000,000 unless ``FAIRFOLLOW_BENCH_LOG_LEAVES`` says otherwise (for quick runs).
Run alone: ``python -m bench.bench_log``.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.ledger.engine import create_ledger
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.audit import audit_log, verify_log
from fairfollow.tlog.keys import generate_signer
from fairfollow.tlog.record import LogRecord, member_ref

Report = Callable[..., None]
NOW = datetime(2019, 7, 15, tzinfo=UTC)
BATCH = 10_000
SINGLE = 2_000
KEY = bytes(range(32))


def _leaves() -> int:
    return int(os.environ.get("FAIRFOLLOW_BENCH_LOG_LEAVES", "1000000"))


def _record(i: int) -> LogRecord:
    """A release-decision record of realistic size (about 300 bytes of canonical JSON)."""
    return LogRecord(
        "release-decision",
        f"dec-{i:09d}",
        {
            "decision": "released" if i % 5 else "denied",
            "employer": member_ref(KEY, f"employer-{i % 35}"),
            "purpose": "yield-forecast",
            "pool_size": 100 + i % 400,
            "epsilon": 0.5,
            "rules": ["appi-27-1", "appi-31", "esa-5-5"],
            "policy_version": "2019-03",
        },
    )


def _engine(path: Path, synchronous: str) -> Engine:
    engine = create_ledger(f"sqlite:///{path}")

    def pragma(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

    sa.event.listen(engine, "connect", pragma)
    engine.dispose()  # drop pooled connections made before the listener
    return engine


class _Clock:
    """Wall and CPU seconds: on a shared machine the CPU figure shows the work itself
    (SQLite runs in this process), the wall figure includes waiting for the disk and CPU."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> _Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu


def _rate(count: int, action: Callable[[int], None]) -> tuple[float, float]:
    """Actions per wall second and per CPU second."""
    with _Clock() as clock:
        for i in range(count):
            action(i)
    return count / clock.wall, count / clock.cpu


def _single_appends(folder: Path, report: Report) -> None:
    meta = sa.table("ledger_meta", sa.column("key"), sa.column("value"))
    for synchronous in ("FULL", "NORMAL"):
        engine = _engine(folder / f"single-{synchronous}.sqlite", synchronous)

        def plain(i: int, engine: Engine = engine) -> None:
            with engine.begin() as conn:
                conn.execute(meta.insert().values(key=f"k{i}", value="v"))

        records = [_record(i) for i in range(SINGLE)]

        def append(i: int, engine: Engine = engine, records: list[LogRecord] = records) -> None:
            with engine.begin() as conn:
                log_store.append(conn, records[i])

        floor, _ = _rate(SINGLE, plain)
        rate, per_cpu = _rate(SINGLE, append)
        note = (
            f"synchronous={synchronous}; plain one-row INSERT per transaction: {floor:,.0f}/s; "
            f"appends per CPU-second: {per_cpu:,.0f}"
        )
        report(f"log append, one per transaction ({synchronous})", rate, "leaves/s", note)
        report(f"log append vs plain insert ({synchronous})", rate / floor, "ratio", "")
        engine.dispose()


def _build(engine: Engine, leaves: int, report: Report) -> None:
    """Append ``leaves`` records in batches; the rate counts the append and the commit, not
    the making of the records (the caller's work)."""
    clock = _Clock()
    for first in range(0, leaves, BATCH):
        records = [_record(i) for i in range(first, min(first + BATCH, leaves))]
        with clock, engine.begin() as conn:
            log_store.append_many(conn, records)
    note = f"{leaves:,} leaves; per CPU-second: {leaves / clock.cpu:,.0f}"
    report("log append, batches of 10,000 (FULL)", leaves / clock.wall, "leaves/s", note)


def _proofs(engine: Engine, leaves: int, report: Report) -> None:
    rng = random.Random(9162)
    indices = [rng.randrange(leaves) for _ in range(2_000)]
    with engine.connect() as conn, _Clock() as clock:
        proofs = [log_store.inclusion_proof(conn, index, leaves) for index in indices]
    per_proof = clock.wall / len(indices)
    with engine.connect() as conn:
        root = log_store.root_at(conn, leaves)
        start = time.perf_counter()
        hashes = [leaf.leaf_hash for leaf in log_store.iter_leaves(conn)]
        recomputed = merkle.root(hashes)
        baseline = time.perf_counter() - start
    assert recomputed == root
    assert all(
        merkle.verify_inclusion(hashes[i], i, leaves, proof, root)
        for i, proof in zip(indices[:100], proofs[:100], strict=True)
    )
    note = f"mean of {len(indices):,} random leaves at {leaves:,} leaves"
    cpu_note = f"{note}; CPU time {clock.cpu / len(indices) * 1000:.3f} ms"
    report("log inclusion proof", per_proof * 1000, "ms", cpu_note)
    baseline_note = f"read all {leaves:,} leaf hashes and hash the tree"
    report("log root recomputed from all leaves (baseline)", baseline * 1000, "ms", baseline_note)
    report("log proof speed-up vs recomputing", baseline / per_proof, "ratio", "")


def run(report: Report) -> None:
    leaves = _leaves()
    with tempfile.TemporaryDirectory(prefix="fairfollow-bench-log-") as name:
        folder = Path(name)
        _single_appends(folder, report)
        engine = _engine(folder / "log.sqlite", "FULL")
        _build(engine, leaves, report)
        _proofs(engine, leaves, report)
        signer = generate_signer()
        with engine.begin() as conn:
            start = time.perf_counter()
            log_store.issue_checkpoint(conn, signer, NOW)
            report("log checkpoint", (time.perf_counter() - start) * 1000, "ms", "")
        with engine.connect() as conn:
            with _Clock() as clock:
                verification = verify_log(conn, signer.verifier)
            assert verification.ok, verification.problems
            note = f"{leaves:,} leaves from their contents; CPU {clock.cpu:.1f} s"
            report("log verify", clock.wall, "s", note)
            with _Clock() as clock:
                audit = audit_log(conn, signer.verifier)
            assert audit.ok, audit.findings[:3]
            report("log audit", clock.wall, "s", f"{leaves:,} leaves; CPU {clock.cpu:.1f} s")
        engine.dispose()


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:55s} {value:14,.3f} {unit:9s} {note}", flush=True)

    run(_print)
