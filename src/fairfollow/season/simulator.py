"""A seeded, chunked simulator of two hiring seasons, with the 2019 case's defects on demand
and the ground truth written beside the raw exports (``docs/season-format.md``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from fairfollow.season import calibration
from fairfollow.season import dirt as log_dirt
from fairfollow.season import policy_history as consent_history
from fairfollow.season.browsing import (
    CompanySampler,
    EventRows,
    event_table,
    partner_table,
    simulate_browsing,
)
from fairfollow.season.calendar import CURRENT, DAY_MS, PREVIOUS, SEASONS, SeasonCalendar
from fairfollow.season.config import Chunk, SimulationConfig
from fairfollow.season.files import iso_jst_array, write_parquet
from fairfollow.season.identities import Identities, make_identities
from fairfollow.season.job_hunt import Hunt, simulate_hunt
from fairfollow.season.outputs import SeasonParts
from fairfollow.season.population import Companies, Students, make_companies, make_students
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


@dataclass(frozen=True)
class SeasonRun:
    """What every chunk of one season shares, and where it accumulates its parts."""

    config: SimulationConfig
    calendar: SeasonCalendar
    companies: Companies
    sampler: CompanySampler
    acc: SeasonParts
    tally: calibration.SeasonTally | None  # only the complete (previous) season is measured


@dataclass(frozen=True)
class Cohort:
    """One chunk's students and what is drawn about them before any log row."""

    students: Students
    ident: Identities
    registered: NDArray[np.int64]
    screen: NDArray[np.int64]
    hunt: Hunt
    rows: list[EventRows]
    drive: NDArray[np.float64]

    @property
    def entry_rows(self) -> list[EventRows]:
        return [r for r in self.rows if r.kind == 2]


@dataclass(frozen=True)
class Cookies:
    """Each student's site cookie, and whether its member link is logged before the end."""

    cookie: NDArray[np.str_]
    linked: NDArray[np.bool_]


def _chunk(run: SeasonRun, chunk: Chunk, first_id: int) -> None:
    rng = run.config.chunk_rng(run.calendar.season, chunk)
    # The steps draw from one stream in this order: reordering them changes every file.
    cohort = _draw_cohort(rng, run, first_id, chunk.size)
    _write_site_events(rng, run, chunk, cohort)
    cookies = _draw_cookies(rng, run, cohort)
    _write_partner_events(rng, run, chunk, cohort, cookies)
    _add_consent(rng, run, cohort)
    _add_members(run, cohort, cookies)
    _add_offers(run, cohort)
    _add_applicants(run, cohort, cookies)
    if run.tally is not None:
        _count(run, run.tally, cohort)


def _draw_cohort(rng: np.random.Generator, run: SeasonRun, first_id: int, n: int) -> Cohort:
    students = make_students(rng, first_id, n)
    ident = make_identities(rng, students, run.calendar.season)
    registered, screen = consent_history.registrations(rng, n, run.calendar)
    hunt = simulate_hunt(rng, students, run.companies, run.calendar, registered)
    rows, drive = simulate_browsing(
        rng, students, run.companies, hunt, run.calendar, registered, run.sampler
    )
    return Cohort(students, ident, registered, screen, hunt, rows, drive)


def _write_site_events(
    rng: np.random.Generator, run: SeasonRun, chunk: Chunk, cohort: Cohort
) -> None:
    calendar, acc = run.calendar, run.acc
    events = event_table(rng, cohort.rows, cohort.students, run.companies, calendar, acc.events + 1)
    events, dirty, reasons = log_dirt.dirty_events(rng, events, run.config.log_dirt_rate, calendar)
    name = f"events/season={calendar.season}/part-{chunk.index:05d}.parquet"
    write_parquet(run.config.raw / name, events)
    acc.dirt.append(pd.DataFrame({"file": name, "row": dirty, "reason": reasons}))
    acc.events += events.num_rows


def _draw_cookies(rng: np.random.Generator, run: SeasonRun, cohort: Cohort) -> Cookies:
    n = cohort.students.size
    cookie = np.array([f"ck{v:016x}" for v in rng.integers(0, 2**62, n)])
    linked = rng.random(n) < 0.7
    linked_at = cohort.registered + (rng.exponential(3.0, n) * DAY_MS).astype(np.int64)
    keep = linked & (linked_at < run.calendar.events_to)
    run.acc.cookie_links.append(
        pd.DataFrame(
            {
                "cookie_id": cookie[keep],
                "member_id": cohort.students.member_id[keep],
                "linked_at": iso_jst_array(linked_at[keep]),
            }
        )
    )
    return Cookies(cookie, keep)


def _write_partner_events(
    rng: np.random.Generator, run: SeasonRun, chunk: Chunk, cohort: Cohort, cookies: Cookies
) -> None:
    calendar, acc = run.calendar, run.acc
    partner = partner_table(
        rng,
        cohort.students,
        cohort.hunt,
        calendar,
        cohort.registered,
        cohort.drive,
        list(cookies.cookie),
        run.sampler,
    )
    partner, dirty, reasons = log_dirt.dirty_partner_events(
        rng, partner, run.config.log_dirt_rate, calendar
    )
    name = f"partner_events/season={calendar.season}/part-{chunk.index:05d}.parquet"
    write_parquet(run.config.raw / name, partner)
    acc.dirt.append(pd.DataFrame({"file": name, "row": dirty, "reason": reasons}))
    acc.partner_events += partner.num_rows


def _add_consent(rng: np.random.Generator, run: SeasonRun, cohort: Cohort) -> None:
    """The consent log, and the truth of every (member, purpose) at the forecast date."""
    calendar, defects = run.calendar, run.config.defects
    member_id = cohort.students.member_id
    log = consent_history.consent_events(
        rng, member_id, cohort.registered, cohort.screen, calendar, defects
    )
    run.acc.consent.append(log)
    truth = consent_history.consent_truth(
        member_id, cohort.registered, log, CURRENT.forecast_date, calendar.is_current, defects
    )
    run.acc.truth_consent.append(
        pd.DataFrame(
            {
                "member_id": truth.member,
                "purpose": truth.purpose,
                "reason": truth.reason,
                "defect": truth.defect,
            }
        )
    )


def _add_members(run: SeasonRun, cohort: Cohort, cookies: Cookies) -> None:
    students, ident = cohort.students, cohort.ident
    run.acc.members.append(
        pd.DataFrame(
            {
                "member_id": students.member_id,
                "season": run.calendar.season,
                "name_kanji": ident.name_kanji,
                "name_kana": ident.name_kana,
                "email": ident.email,
                "birth_date": ident.birth_date,
                "university": ident.university,
                "registered_at": cohort.registered,
                "registration_screen": cohort.screen,
                "gender": students.gender,
                "university_tier": students.tier,
                "region": students.region,
                "intensity": students.intensity,
                "top_industry": students.top_industry + 1,
                "cookie_id": np.where(cookies.linked, cookies.cookie, ""),
            }
        )
    )


def _add_offers(run: SeasonRun, cohort: Cohort) -> None:
    hunt, companies = cohort.hunt, run.companies
    run.acc.offers.append(
        pd.DataFrame(
            {
                "season": run.calendar.season,
                "member_id": cohort.students.member_id[hunt.offer_student],
                "company_id": companies.company_id[hunt.offer_company],
                "is_client": companies.is_client[hunt.offer_company],
                "offered_at": hunt.offered_at,
                "p_accept": hunt.p_accept,
                "accepted": hunt.accepted,
                "responded_at": hunt.responded_at,
            }
        )
    )


def _add_applicants(run: SeasonRun, cohort: Cohort, cookies: Cookies) -> None:
    """One row per (active client, student) with an entry logged before the logs end: the
    employers' side of the season, with the offer outcome where there was one."""
    hunt, companies, ident = cohort.hunt, run.companies, cohort.ident
    entry_rows = cohort.entry_rows
    entries = pd.DataFrame(
        {
            "student": np.concatenate([r.student for r in entry_rows]),
            "company": np.concatenate([r.company for r in entry_rows]),
            "entry_at": np.concatenate([r.ts for r in entry_rows]),
        }
    )
    entries = entries[
        (entries["entry_at"] < run.calendar.events_to)
        & companies.client_active[entries["company"].to_numpy()]
    ]
    entries = entries.groupby(["student", "company"], as_index=False)["entry_at"].min()
    offers = pd.DataFrame(
        {
            "student": hunt.offer_student,
            "company": hunt.offer_company,
            "offered_at": hunt.offered_at,
            "accepted": hunt.accepted,
        }
    )
    applicants = entries.merge(offers, on=["student", "company"], how="left")
    applicants["offered_at"] = applicants["offered_at"].fillna(-1).astype(np.int64)
    applicants["accepted"] = applicants["accepted"].fillna(False).astype(bool)
    st = applicants["student"].to_numpy()
    applicants = applicants.assign(
        company_id=companies.company_id[applicants["company"].to_numpy()],
        member_id=cohort.students.member_id[st],
        name_kanji=ident.name_kanji[st],
        name_kana=ident.name_kana[st],
        email=ident.email[st],
        birth_date=ident.birth_date[st],
        university=ident.university[st],
        cookie_id=np.where(cookies.linked[st], cookies.cookie[st], ""),
    )
    run.acc.applicants.append(applicants.drop(columns=["student", "company"]))


def _count(run: SeasonRun, tally: calibration.SeasonTally, cohort: Cohort) -> None:
    hunt = cohort.hunt
    tally.add(
        cohort.students.size,
        int(sum(r.student.size for r in cohort.entry_rows)),
        int(sum(r.student.size for r in cohort.rows if r.kind == 0)),
        hunt.offer_student,
        hunt.accepted,
        run.companies.client_active[hunt.offer_company],
    )


def simulate(config: SimulationConfig, on_progress: Progress | None = None) -> SimulationResult:
    config.check()
    started = time.perf_counter()
    report = on_progress or (lambda _step, _done, _total: None)
    companies = make_companies(config.companies_rng())
    sampler = CompanySampler(companies)
    chunks = config.chunks()
    total_steps = 2 * len(chunks) + 1
    seasons: dict[int, SeasonParts] = {}
    tally = calibration.SeasonTally()
    done = 0
    for season_index, calendar in enumerate(SEASONS):
        run = SeasonRun(
            config,
            calendar,
            companies,
            sampler,
            seasons.setdefault(calendar.season, SeasonParts()),
            tally if calendar is PREVIOUS else None,
        )
        first_id = 1 + season_index * config.students
        for chunk in chunks:
            _chunk(run, chunk, first_id + chunk.start)
            done += 1
            report(f"season {calendar.season}", done, total_steps)
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
    )
