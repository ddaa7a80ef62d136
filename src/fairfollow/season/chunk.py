"""One chunk of one season: its students simulated from the chunk's own random stream.

A chunk depends only on the seed, its season and its index (``SimulationConfig.chunk_rng``),
never on another chunk, so chunks can run in any process. What ties chunks together — the
running event id and the accumulated parts — is applied afterwards, in chunk order, by
:mod:`fairfollow.season.simulator`; that is why the files are byte-identical whatever the
number of workers. Site events come back numbered from 1; the simulator shifts them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from fairfollow.season import dirt as log_dirt
from fairfollow.season import policy_history as consent_history
from fairfollow.season.browsing import (
    CompanySampler,
    EventRows,
    event_table,
    partner_table,
    simulate_browsing,
)
from fairfollow.season.calendar import CURRENT, DAY_MS, SeasonCalendar
from fairfollow.season.config import Chunk, SimulationConfig
from fairfollow.season.files import iso_jst_array
from fairfollow.season.identities import Identities, make_identities
from fairfollow.season.job_hunt import Hunt, simulate_hunt
from fairfollow.season.population import Companies, Students, make_students


@dataclass(frozen=True)
class ChunkWork:
    """What a chunk needs besides its index: the run's settings and the shared companies."""

    config: SimulationConfig
    calendar: SeasonCalendar
    companies: Companies
    sampler: CompanySampler


@dataclass(frozen=True)
class TallyInput:
    """A chunk's contribution to the calibration tally of the previous season."""

    students: int
    entries: int
    page_views: int
    offer_student: NDArray[np.int64]
    accepted: NDArray[np.bool_]
    client_offer: NDArray[np.bool_]


@dataclass(frozen=True)
class ChunkParts:
    """Everything one chunk adds to its season, before the run-wide event ids."""

    chunk: Chunk
    events_file: str  # under raw/
    partner_file: str
    events: pa.Table  # event_id counts from 1 within the chunk
    events_dirt: pd.DataFrame
    partner_events: pa.Table
    partner_dirt: pd.DataFrame
    cookie_links: pd.DataFrame
    consent: consent_history.ConsentLog
    truth_consent: pd.DataFrame
    members: pd.DataFrame
    offers: pd.DataFrame
    applicants: pd.DataFrame
    tally: TallyInput


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
    links: pd.DataFrame


def simulate_chunk(work: ChunkWork, chunk: Chunk, first_id: int) -> ChunkParts:
    """Simulate ``chunk`` whose first student has member id ``first_id``."""
    calendar = work.calendar
    rng = work.config.chunk_rng(calendar.season, chunk)
    # The steps draw from one stream in this order: reordering them changes every file.
    cohort = _draw_cohort(rng, work, first_id, chunk.size)
    events = event_table(rng, cohort.rows, cohort.students, work.companies, calendar, 1)
    events, e_rows, e_reasons = log_dirt.dirty_events(
        rng, events, work.config.log_dirt_rate, calendar
    )
    cookies = _draw_cookies(rng, calendar, cohort)
    partner = partner_table(
        rng,
        cohort.students,
        cohort.hunt,
        calendar,
        cohort.registered,
        cohort.drive,
        list(cookies.cookie),
        work.sampler,
    )
    partner, p_rows, p_reasons = log_dirt.dirty_partner_events(
        rng, partner, work.config.log_dirt_rate, calendar
    )
    consent, truth = _consent(rng, work, cohort)
    name = f"season={calendar.season}/part-{chunk.index:05d}.parquet"
    events_file, partner_file = f"events/{name}", f"partner_events/{name}"
    return ChunkParts(
        chunk=chunk,
        events_file=events_file,
        partner_file=partner_file,
        events=events,
        events_dirt=pd.DataFrame({"file": events_file, "row": e_rows, "reason": e_reasons}),
        partner_events=partner,
        partner_dirt=pd.DataFrame({"file": partner_file, "row": p_rows, "reason": p_reasons}),
        cookie_links=cookies.links,
        consent=consent,
        truth_consent=truth,
        members=_members(calendar, cohort, cookies),
        offers=_offers(work, calendar, cohort),
        applicants=_applicants(work, calendar, cohort, cookies),
        tally=_tally(work, cohort),
    )


def _draw_cohort(rng: np.random.Generator, work: ChunkWork, first_id: int, n: int) -> Cohort:
    calendar = work.calendar
    students = make_students(rng, first_id, n)
    ident = make_identities(rng, students, calendar.season)
    registered, screen = consent_history.registrations(rng, n, calendar)
    hunt = simulate_hunt(rng, students, work.companies, calendar, registered)
    rows, drive = simulate_browsing(
        rng, students, work.companies, hunt, calendar, registered, work.sampler
    )
    return Cohort(students, ident, registered, screen, hunt, rows, drive)


def _draw_cookies(rng: np.random.Generator, calendar: SeasonCalendar, cohort: Cohort) -> Cookies:
    n = cohort.students.size
    cookie = np.array([f"ck{v:016x}" for v in rng.integers(0, 2**62, n)])
    linked = rng.random(n) < 0.7
    linked_at = cohort.registered + (rng.exponential(3.0, n) * DAY_MS).astype(np.int64)
    keep = linked & (linked_at < calendar.events_to)
    links = pd.DataFrame(
        {
            "cookie_id": cookie[keep],
            "member_id": cohort.students.member_id[keep],
            "linked_at": iso_jst_array(linked_at[keep]),
        }
    )
    return Cookies(cookie, keep, links)


def _consent(
    rng: np.random.Generator, work: ChunkWork, cohort: Cohort
) -> tuple[consent_history.ConsentLog, pd.DataFrame]:
    """The consent log, and the truth of every (member, purpose) at the forecast date."""
    calendar, defects = work.calendar, work.config.defects
    member_id = cohort.students.member_id
    log = consent_history.consent_events(
        rng, member_id, cohort.registered, cohort.screen, calendar, defects
    )
    truth = consent_history.consent_truth(
        member_id, cohort.registered, log, CURRENT.forecast_date, calendar.is_current, defects
    )
    frame = pd.DataFrame(
        {
            "member_id": truth.member,
            "purpose": truth.purpose,
            "reason": truth.reason,
            "defect": truth.defect,
        }
    )
    return log, frame


def _members(calendar: SeasonCalendar, cohort: Cohort, cookies: Cookies) -> pd.DataFrame:
    students, ident = cohort.students, cohort.ident
    return pd.DataFrame(
        {
            "member_id": students.member_id,
            "season": calendar.season,
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


def _offers(work: ChunkWork, calendar: SeasonCalendar, cohort: Cohort) -> pd.DataFrame:
    hunt, companies = cohort.hunt, work.companies
    return pd.DataFrame(
        {
            "season": calendar.season,
            "member_id": cohort.students.member_id[hunt.offer_student],
            "company_id": companies.company_id[hunt.offer_company],
            "is_client": companies.is_client[hunt.offer_company],
            "offered_at": hunt.offered_at,
            "p_accept": hunt.p_accept,
            "accepted": hunt.accepted,
            "responded_at": hunt.responded_at,
        }
    )


def _applicants(
    work: ChunkWork, calendar: SeasonCalendar, cohort: Cohort, cookies: Cookies
) -> pd.DataFrame:
    """One row per (active client, student) with an entry logged before the logs end: the
    employers' side of the season, with the offer outcome where there was one."""
    hunt, companies, ident = cohort.hunt, work.companies, cohort.ident
    entry_rows = cohort.entry_rows
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
        company_id=companies.company_id[applicants["company"].to_numpy()],
        member_id=cohort.students.member_id[st],
        name_kanji=ident.name_kanji[st],
        name_kana=ident.name_kana[st],
        email=ident.email[st],
        birth_date=ident.birth_date[st],
        university=ident.university[st],
        cookie_id=np.where(cookies.linked[st], cookies.cookie[st], ""),
    )
    result: pd.DataFrame = applicants.drop(columns=["student", "company"])
    return result


def _tally(work: ChunkWork, cohort: Cohort) -> TallyInput:
    hunt = cohort.hunt
    return TallyInput(
        cohort.students.size,
        int(sum(r.student.size for r in cohort.entry_rows)),
        int(sum(r.student.size for r in cohort.rows if r.kind == 0)),
        hunt.offer_student,
        hunt.accepted,
        work.companies.client_active[hunt.offer_company],
    )
