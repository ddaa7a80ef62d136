"""A seeded, chunked simulator of two hiring seasons, with the 2019 case's defects on demand
and the ground truth written beside the raw exports (``docs/season-format.md``).

Chunks (:mod:`fairfollow.season.chunk`) run in ``workers`` processes; this module takes
their parts back in chunk order, numbers the site events across the season, writes each
chunk's Parquet parts and accumulates the rest for the end-of-run files. Because a chunk's
draws depend only on the seed, its season and its index, and everything order-dependent
happens here in chunk order, the same seed gives the same bytes with any number of workers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from fairfollow.season import calibration
from fairfollow.season.browsing import CompanySampler
from fairfollow.season.calendar import PREVIOUS, SEASONS, SeasonCalendar
from fairfollow.season.chunk import ChunkParts, ChunkWork, simulate_chunk
from fairfollow.season.config import Chunk, SimulationConfig
from fairfollow.season.files import write_parquet
from fairfollow.season.outputs import SeasonParts
from fairfollow.season.population import Companies, make_companies
from fairfollow.season.writer import write_season

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationResult:
    out: Path
    students_per_season: int
    events: dict[int, int]
    partner_events: dict[int, int]
    offers: dict[int, int]
    acceptances: dict[int, int]
    log_dirt_rows: int
    employer_files: int
    calibration: list[calibration.Measurement]
    elapsed_s: float
    workers: int = 1


@dataclass(frozen=True)
class _Job:
    calendar: SeasonCalendar
    chunk: Chunk
    first_id: int


def _absorb(
    config: SimulationConfig,
    parts: ChunkParts,
    acc: SeasonParts,
    tally: calibration.SeasonTally | None,
) -> None:
    """Add one chunk to its season, in chunk order: event ids continue the season's count."""
    events = parts.events
    if acc.events:
        ids = pc.add(events["event_id"], pa.scalar(acc.events, pa.int64()))
        events = events.set_column(events.schema.get_field_index("event_id"), "event_id", ids)
    write_parquet(config.raw / parts.events_file, events)
    write_parquet(config.raw / parts.partner_file, parts.partner_events)
    acc.events += events.num_rows
    acc.partner_events += parts.partner_events.num_rows
    acc.dirt += [parts.events_dirt, parts.partner_dirt]
    acc.cookie_links.append(parts.cookie_links)
    acc.consent.append(parts.consent)
    acc.truth_consent.append(parts.truth_consent)
    acc.members.append(parts.members)
    acc.offers.append(parts.offers)
    acc.applicants.append(parts.applicants)
    if tally is not None:
        t = parts.tally
        tally.add(t.students, t.entries, t.page_views, t.offer_student, t.accepted, t.client_offer)


# Each worker process builds the companies once (from the seed), not once per chunk.
_WORKER: dict[str, tuple[SimulationConfig, Companies, CompanySampler]] = {}


def _init_worker(config: SimulationConfig) -> None:
    companies = make_companies(config.companies_rng())
    _WORKER["run"] = (config, companies, CompanySampler(companies))


def _run_job(job: _Job) -> ChunkParts:
    config, companies, sampler = _WORKER["run"]
    return simulate_chunk(
        ChunkWork(config, job.calendar, companies, sampler), job.chunk, job.first_id
    )


def _results(config: SimulationConfig, jobs: list[_Job], workers: int) -> Iterator[ChunkParts]:
    """Every job's parts, in job order; at most ``2 × workers`` chunks in flight (memory)."""
    if workers == 1:
        _init_worker(config)
        for job in jobs:
            yield _run_job(job)
        return
    context = multiprocessing.get_context("spawn")  # no inherited state, no fork of threads
    with ProcessPoolExecutor(workers, context, _init_worker, (config,)) as pool:
        pending: list[Future[ChunkParts]] = []
        queue = iter(jobs)
        for job in queue:
            pending.append(pool.submit(_run_job, job))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done = pending.pop(0).result()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.submit(_run_job, following))
            yield done


def simulate(
    config: SimulationConfig, on_progress: Progress | None = None, *, workers: int = 1
) -> SimulationResult:
    """Simulate both seasons in up to ``workers`` processes (1: in this process; never more
    than one per two chunks, as starting a process costs about a chunk); the files do not
    depend on ``workers``."""
    config.check()
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    started = time.perf_counter()
    report = on_progress or (lambda _step, _done, _total: None)
    companies = make_companies(config.companies_rng())
    chunks = config.chunks()
    jobs = [
        _Job(calendar, chunk, 1 + season_index * config.students + chunk.start)
        for season_index, calendar in enumerate(SEASONS)
        for chunk in chunks
    ]
    total_steps = len(jobs) + 1
    workers = max(1, min(workers, len(jobs) // 2))
    seasons: dict[int, SeasonParts] = {c.season: SeasonParts() for c in SEASONS}
    tally = calibration.SeasonTally()
    for done, (job, parts) in enumerate(
        zip(jobs, _results(config, jobs, workers), strict=True), start=1
    ):
        season = job.calendar.season
        _absorb(config, parts, seasons[season], tally if job.calendar is PREVIOUS else None)
        report(f"season {season}", done, total_steps)
    written = write_season(config, companies, seasons, tally)
    report("files", total_steps, total_steps)
    return SimulationResult(
        out=config.out,
        students_per_season=config.students,
        events={k: s.events for k, s in seasons.items()},
        partner_events={k: s.partner_events for k, s in seasons.items()},
        offers=written.offers,
        acceptances=written.acceptances,
        log_dirt_rows=written.log_dirt_rows,
        employer_files=written.employer_files,
        calibration=written.calibration,
        elapsed_s=time.perf_counter() - started,
        workers=workers,
    )
