"""The season's pipeline as timed stages, with the peak memory of each (sampled RSS).

Shared by ``make bench-full`` (``bench/full.py``: the whole pipeline at full scale) and the
scaling bench (``bench/bench_scaling.py``: the costs that grow with the work). Each stage
is one core call, the same the CLI makes; the RSS is sampled every 0.2 s over this process
and all its descendants (the simulator's worker processes, Spark's JVM if any).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fairfollow.workspace import Workspace

PURPOSE = "employer_forecast"
TRAINING_SEASON, SEASON = 2019, 2020


def tree_rss() -> int:
    """Resident bytes of this process and every descendant, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * page
    mine, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in mine:
                mine.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in mine)


@dataclass
class RssSampler:
    """Samples :func:`tree_rss` in a thread; ``peak`` since the last ``reset``."""

    interval_s: float = 0.2
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak = max(self.peak, tree_rss())

    def reset(self) -> None:
        self.peak = tree_rss()

    @contextmanager
    def running(self) -> Iterator[RssSampler]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


@dataclass(frozen=True)
class Stage:
    name: str
    seconds: float
    peak_rss: int  # bytes
    note: str = ""


@dataclass
class Timeline:
    sampler: RssSampler
    stages: list[Stage] = field(default_factory=list)

    def run(self, name: str, work: Callable[[], str | None]) -> None:
        """Time ``work`` (which may return a note) and record its peak memory."""
        self.sampler.reset()
        started = time.perf_counter()
        note = work() or ""
        seconds = time.perf_counter() - started
        self.sampler.peak = max(self.sampler.peak, tree_rss())
        self.stages.append(Stage(name, seconds, self.sampler.peak, note))

    def seconds(self, name: str) -> float:
        return sum(s.seconds for s in self.stages if s.name == name)


def load() -> str:
    """The load averages (1, 5, 15 min), as `uptime` shows them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


@dataclass(frozen=True)
class Pipeline:
    """One season directory and one workspace; each method is one stage."""

    season_dir: Path
    workspace: Workspace

    @property
    def at(self) -> datetime:
        from fairfollow.model.analysis import forecast_date

        return forecast_date(SEASON)

    def simulate(self, students: int, workers: int, defects: str = "ab") -> str:
        from fairfollow.season.config import SimulationConfig
        from fairfollow.season.simulator import simulate

        config = SimulationConfig(
            students=students, seed=1, out=self.season_dir, defects=frozenset(defects)
        )
        result = simulate(config, workers=workers)
        events = sum(result.events.values()) + sum(result.partner_events.values())
        return f"{events:,} events, {workers} workers"

    def ingest(self) -> str:
        from fairfollow.events.store import ingest

        summary = ingest(self.workspace.ensure(), self.season_dir, now=self.at)
        rows = summary.rows_accepted + summary.rows_quarantined
        return f"{rows:,} rows, {summary.rows_quarantined:,} quarantined"

    def consent_log(self) -> str:
        from fairfollow.consent.ingest import ingest_consent_logs
        from fairfollow.intake.desk import matching_key
        from fairfollow.ledger.engine import create_ledger

        engine = create_ledger(self.workspace.ensure().ledger_url)
        try:
            key = matching_key(self.workspace.keys_dir)
            ingest_consent_logs(engine, self.season_dir, key=key, now=self.at)
        finally:
            engine.dispose()
        return "consent log into the ledger"

    def consent_evaluation(self) -> str:
        from fairfollow.consent.coverage import coverage
        from fairfollow.ledger.engine import open_ledger
        from fairfollow.ledger.transaction import reading

        engine = open_ledger(self.workspace.ledger_url)
        try:
            with reading(engine) as conn:
                report = coverage(conn, PURPOSE, self.at)
        finally:
            engine.dispose()
        return f"{len(report.lacking):,} members lacking valid consent"

    def features(self, season: int) -> str:
        from fairfollow.consent.coverage import consented_members
        from fairfollow.ledger.engine import open_ledger
        from fairfollow.model.analysis import build_season_features

        engine = open_ledger(self.workspace.ledger_url)
        try:
            run = build_season_features(
                self.workspace,
                self.season_dir / "employers",
                season,
                consented=consented_members(engine),
            )
        finally:
            engine.dispose()
        return f"season {season}: {run.build.table.num_rows:,} offers"

    def train(self) -> str:
        from fairfollow.model.analysis import train_season_model

        result = train_season_model(self.workspace, TRAINING_SEASON, now=self.at)
        return f"model {result.model.metadata.model_id}"

    def evaluate(self) -> str:
        from fairfollow.model.analysis import evaluate_season

        report = evaluate_season(self.workspace, self.season_dir / "truth" / "offers.parquet")
        return f"AUC {report.model.auc:.3f}"

    def replay(self) -> str:
        from fairfollow.scenarios.replay import replay

        report = replay(self.season_dir, self.workspace, loaded=True)
        released = sum(f.outcome.released for f in report.forecasts)
        return f"{released} of {len(report.forecasts)} employers released"
