"""A seeded, chunked simulator of two hiring seasons, with the 2019 case's defects on demand
and the ground truth written beside the raw exports (``docs/season-format.md``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fairfollow.errors import InputError
from fairfollow.season import calibration
from fairfollow.season import dirt as log_dirt
from fairfollow.season import policy_history as consent_history
from fairfollow.season.browsing import CompanySampler, event_table, partner_table, simulate_browsing
from fairfollow.season.calendar import CURRENT, DAY_MS, PREVIOUS, SEASONS, SeasonCalendar
from fairfollow.season.files import iso_jst_array, write_parquet
from fairfollow.season.identities import make_identities
from fairfollow.season.job_hunt import simulate_hunt
from fairfollow.season.population import Companies, make_companies, make_students
from fairfollow.season.writer import SeasonParts, write_season

DEFECTS = {
    "a": "a registration screen keeps showing the old policy after the new one goes live",
    "b": "members registered before the revision are never asked again",
    "c": "partner cookies collected for advertising only",
    "d": "employer lists carry hashed names",
    "e": "employer lists keyed only by the employer's own applicant ID",
}
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationConfig:
    students: int
    seed: int
    out: Path
    defects: frozenset[str] = frozenset()
    dirt_rate: float = 0.02
    log_dirt_rate: float = 0.0005
    chunk_size: int = 10_000

    def check(self) -> None:
        if self.students < 100:
            raise InputError(f"--students must be at least 100, got {self.students}")
        unknown = sorted(self.defects - DEFECTS.keys())
        if unknown:
            raise InputError(f"unknown defect(s) {unknown}; known: {sorted(DEFECTS)}")
        for name in ("dirt_rate", "log_dirt_rate"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise InputError(f"{name} must lie in [0, 0.5]")
        if self.out.exists() and any(self.out.iterdir()):
            raise InputError(f"output directory {self.out} is not empty")


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


def _chunk(
    config: SimulationConfig,
    calendar: SeasonCalendar,
    index: int,
    first_id: int,
    n: int,
    companies: Companies,
    sampler: CompanySampler,
    acc: SeasonParts,
    tally: calibration.SeasonTally | None,
) -> None:
    rng = np.random.default_rng([config.seed, calendar.season, index])
    raw = config.out / "raw"
    students = make_students(rng, first_id, n)
    ident = make_identities(rng, students, calendar.season)
    registered, screen = consent_history.registrations(rng, n, calendar)
    hunt = simulate_hunt(rng, students, companies, calendar, registered)
    rows, drive = simulate_browsing(rng, students, companies, hunt, calendar, registered, sampler)

    events = event_table(rng, rows, students, companies, calendar, acc.events + 1)
    events, dirty, reasons = log_dirt.dirty_events(rng, events, config.log_dirt_rate, calendar)
    name = f"events/season={calendar.season}/part-{index:05d}.parquet"
    write_parquet(raw / name, events)
    acc.dirt.append(pd.DataFrame({"file": name, "row": dirty, "reason": reasons}))
    acc.events += events.num_rows

    cookie = np.array([f"ck{v:016x}" for v in rng.integers(0, 2**62, n)])
    linked = rng.random(n) < 0.7
    linked_at = registered + (rng.exponential(3.0, n) * DAY_MS).astype(np.int64)
    keep = linked & (linked_at < calendar.events_to)
    acc.cookie_links.append(
        pd.DataFrame(
            {
                "cookie_id": cookie[keep],
                "member_id": students.member_id[keep],
                "linked_at": iso_jst_array(linked_at[keep]),
            }
        )
    )
    partner = partner_table(rng, students, hunt, calendar, registered, drive, list(cookie), sampler)
    partner, dirty, reasons = log_dirt.dirty_partner_events(
        rng, partner, config.log_dirt_rate, calendar
    )
    name = f"partner_events/season={calendar.season}/part-{index:05d}.parquet"
    write_parquet(raw / name, partner)
    acc.dirt.append(pd.DataFrame({"file": name, "row": dirty, "reason": reasons}))
    acc.partner_events += partner.num_rows

    log = consent_history.consent_events(
        rng, students.member_id, registered, screen, calendar, config.defects
    )
    acc.consent.append(log)
    truth = consent_history.consent_truth(
        students.member_id,
        registered,
        log,
        CURRENT.forecast_date,
        calendar.is_current,
        config.defects,
    )
    acc.truth_consent.append(
        pd.DataFrame(
            {
                "member_id": truth.member,
                "purpose": truth.purpose,
                "reason": truth.reason,
                "defect": truth.defect,
            }
        )
    )
    acc.members.append(
        pd.DataFrame(
            {
                "member_id": students.member_id,
                "season": calendar.season,
                "name_kanji": ident.name_kanji,
                "name_kana": ident.name_kana,
                "email": ident.email,
                "birth_date": ident.birth_date,
                "university": ident.university,
                "registered_at": registered,
                "registration_screen": screen,
                "gender": students.gender,
                "university_tier": students.tier,
                "region": students.region,
                "intensity": students.intensity,
                "top_industry": students.top_industry + 1,
                "cookie_id": np.where(keep, cookie, ""),
            }
        )
    )

    company_ids = companies.company_id
    acc.offers.append(
        pd.DataFrame(
            {
                "season": calendar.season,
                "member_id": students.member_id[hunt.offer_student],
                "company_id": company_ids[hunt.offer_company],
                "is_client": companies.is_client[hunt.offer_company],
                "offered_at": hunt.offered_at,
                "p_accept": hunt.p_accept,
                "accepted": hunt.accepted,
                "responded_at": hunt.responded_at,
            }
        )
    )
    entry_rows = [r for r in rows if r.kind == 2]
    entries = pd.DataFrame(
        {
            "student": np.concatenate([r.student for r in entry_rows]),
            "company": np.concatenate([r.company for r in entry_rows]),
            "entry_at": np.concatenate([r.ts for r in entry_rows]),
        }
    )
    entries = entries[
        (entries["entry_at"] < calendar.events_to)
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
        company_id=company_ids[applicants["company"].to_numpy()],
        member_id=students.member_id[st],
        name_kanji=ident.name_kanji[st],
        name_kana=ident.name_kana[st],
        email=ident.email[st],
        birth_date=ident.birth_date[st],
        university=ident.university[st],
        cookie_id=np.where(keep[st], cookie[st], ""),
    )
    acc.applicants.append(applicants.drop(columns=["student", "company"]))
    if tally is not None:
        client = companies.client_active[hunt.offer_company]
        tally.add(
            n,
            int(sum(r.student.size for r in entry_rows)),
            int(sum(r.student.size for r in rows if r.kind == 0)),
            hunt.offer_student,
            hunt.accepted,
            client,
        )


def simulate(config: SimulationConfig, on_progress: Progress | None = None) -> SimulationResult:
    config.check()
    started = time.perf_counter()
    report = on_progress or (lambda _step, _done, _total: None)
    companies = make_companies(np.random.default_rng([config.seed, 0]))
    sampler = CompanySampler(companies)
    chunks = [
        (start, min(config.chunk_size, config.students - start))
        for start in range(0, config.students, config.chunk_size)
    ]
    total_steps = 2 * len(chunks) + 1
    seasons: dict[int, SeasonParts] = {}
    tally = calibration.SeasonTally()
    done = 0
    for season_index, calendar in enumerate(SEASONS):
        acc = seasons.setdefault(calendar.season, SeasonParts())
        first_id = 1 + season_index * config.students
        for index, (start, n) in enumerate(chunks):
            _chunk(
                config,
                calendar,
                index,
                first_id + start,
                n,
                companies,
                sampler,
                acc,
                tally if calendar is PREVIOUS else None,
            )
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
