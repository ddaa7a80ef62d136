"""Consent ledger benchmark: bulk validity for 800,000 members, one purpose, one instant.

The baseline, measured in the same run on the same database, is a plain ``SELECT COUNT(*)``
over the consent-events table; the issue's target is under 2 s for the bulk evaluation.
Runs on SQLite, and on PostgreSQL too when ``FAIRFOLLOW_TEST_PG_URL`` is set.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import sqlalchemy as sa

from bench import BENCH_ACTOR
from fairfollow.consent.activation_store import activate
from fairfollow.consent.coverage import coverage, reason_counts
from fairfollow.consent.policy import (
    Deployment,
    PolicyStatus,
    PolicyVersion,
    Purpose,
    Screen,
    StatusEvent,
)
from fairfollow.consent.policy_store import (
    add_deployments,
    add_purposes,
    add_screens,
    add_version,
    set_status,
)
from fairfollow.consent.store import bulk_insert_arrow, events, members
from fairfollow.ledger.engine import create_ledger
from fairfollow.ledger.transaction import transaction

Report = Callable[..., None]
MEMBERS = 800_000
PURPOSE = "employer_forecast"
START = datetime(2018, 6, 1, tzinfo=UTC)
V2_AT = datetime(2019, 2, 28, 15, tzinfo=UTC)
AS_OF = datetime(2019, 7, 14, 15, tzinfo=UTC)
SCREENS = ("web_register", "web_mypage", "app_register", "app_settings")


def _purpose(key: str, term: str) -> Purpose:
    return Purpose(key, key, key, f"{key} ja", f"{key} en", "aggregate figures", "platform", term)


def build(engine: sa.Engine, n_members: int, seed: int = 1) -> int:
    """A synthetic season: 4 screens, one lagging; grants, refusals and withdrawals."""
    rng = np.random.default_rng(seed)
    with transaction(engine) as conn:
        add_purposes(
            conn,
            [
                _purpose("service", "dpv:ServiceProvision"),
                _purpose(PURPOSE, "dpv:SellInsightsFromData"),
            ],
        )
        add_screens(conn, [Screen(s, s.split("_")[0], s, s) for s in SCREENS])
        v1 = PolicyVersion("v1", START, frozenset({"service"}), "v1 ja", "v1 en")
        v2 = PolicyVersion(
            "v2", V2_AT, frozenset({"service", PURPOSE}), "v2 ja", "v2 en", frozenset({PURPOSE})
        )
        for version in (v1, v2):
            add_version(conn, version, at=version.effective_at, actor=BENCH_ACTOR)
            set_status(
                conn,
                StatusEvent(
                    version.version_id, PolicyStatus.APPROVED, version.effective_at, BENCH_ACTOR
                ),
            )
        deps = [Deployment(i + 1, s, "v1", START) for i, s in enumerate(SCREENS)]
        deps += [Deployment(10 + i, s, "v2", V2_AT) for i, s in enumerate(SCREENS[1:])]
        add_deployments(conn, deps)
        activate(conn, "v1", at=START, actor=BENCH_ACTOR)
        activate(conn, "v2", at=V2_AT, actor=BENCH_ACTOR, force=True, reason="bench lag")
    # Members register over the season; each grants the service purpose at registration
    # and makes 0-2 later decisions about the forecast purpose on random screens.
    span_us = int((AS_OF - START).total_seconds() * 1e6)
    start_us = int(START.timestamp() * 1e6)
    registered = start_us + rng.integers(0, int(span_us * 0.9), n_members)
    later = rng.integers(0, 3, n_members)
    owner = np.repeat(np.arange(n_members), later)
    step = rng.integers(86_400_000_000, 60 * 86_400_000_000, owner.size)
    at = registered[owner] + step * (1 + _rank_within(owner))
    member_ids = np.arange(1, n_members + 1)
    all_members = np.concatenate([member_ids, member_ids[owner]])
    all_at = np.concatenate([registered, np.minimum(at, int(AS_OF.timestamp() * 1e6))])
    n_events = all_members.size
    actions = np.array(["grant", "refuse", "withdraw"])
    purposes = np.array(["service", PURPOSE])
    screens = np.array(SCREENS)
    kind = np.concatenate([np.zeros(n_members, int), np.ones(owner.size, int)])
    action = np.concatenate(
        [np.zeros(n_members, int), rng.choice(3, size=owner.size, p=(0.7, 0.2, 0.1))]
    )
    ts = pa.timestamp("us", tz="UTC")
    members_table = pa.table(
        {
            "member_id": pa.array(member_ids, pa.int64()),
            "registered_at": pa.array(registered, pa.int64()).cast(ts),
            "registration_screen": pa.nulls(n_members, pa.string()),
            "season": pa.array(np.full(n_members, 2020), pa.int32()),
        }
    )
    events_table = pa.table(
        {
            "consent_event_id": pa.array(np.arange(1, n_events + 1), pa.int64()),
            "member_id": pa.array(all_members, pa.int64()),
            "purpose_key": purposes[kind],
            "action": actions[action],
            "screen_id": screens[rng.integers(0, len(SCREENS), n_events)],
            "version_recorded": pa.array(np.full(n_events, "v2")),
            "occurred_at": pa.array(all_at, pa.int64()).cast(ts),
            "method": pa.array(np.full(n_events, "checkbox")),
        }
    )
    with transaction(engine) as conn:
        bulk_insert_arrow(conn, members, members_table)
        bulk_insert_arrow(conn, events, events_table)
    return int(n_events)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, … within each run of equal values of a sorted array."""
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    rank = np.arange(groups.size)
    return rank - np.repeat(starts, np.diff(np.r_[starts, groups.size]))


def _measure(report: Report, backend: str, url: str, n_members: int) -> None:
    engine = create_ledger(url)
    started = time.perf_counter()
    n_events = build(engine, n_members)
    report(
        f"consent.{backend}.load_rows_per_s",
        (n_members + n_events) / (time.perf_counter() - started),
        "rows/s",
        f"{n_events:,} events",
    )
    with engine.connect() as conn:
        if backend == "postgresql":
            conn.exec_driver_sql("ANALYZE")
        started = time.perf_counter()
        conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        counts = reason_counts(conn, PURPOSE, AS_OF)
        bulk = time.perf_counter() - started
        started = time.perf_counter()
        found = coverage(conn, PURPOSE, AS_OF)
        full = time.perf_counter() - started
    engine.dispose()
    assert found.counts == counts
    shares = ", ".join(f"{r.value} {n:,}" for r, n in counts.items())
    report(f"consent.{backend}.bulk_evaluation_s", bulk, "s", f"{n_members:,} members: {shares}")
    report(
        f"consent.{backend}.coverage_report_s",
        full,
        "s",
        f"with the {len(found.lacking):,} ids of members lacking consent fetched",
    )
    report(f"consent.{backend}.count_star_s", baseline, "s", f"{n_events:,} consent events")
    report(f"consent.{backend}.bulk_over_count_star", bulk / baseline, "ratio")


def run(report: Report, n_members: int = MEMBERS) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _measure(report, "sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", n_members)
    pg = os.environ.get("FAIRFOLLOW_TEST_PG_URL", "")
    if pg:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            _measure(report, "postgresql", pg.rsplit("/", 1)[0] + f"/{name}", n_members)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    import sys

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:45s} {value:12.4f} {unit:8s} {note}")

    run(_print, int(sys.argv[1]) if len(sys.argv) > 1 else MEMBERS)
