"""Site and partner-site events that follow from a chunk's latent job hunt.

Behaviour depends only on latent quantities (intensity, preferences, utilities and the true
acceptance probabilities), never on the drawn outcome, so a model can at best match the
oracle. After a first offer, a student who is unlikely to take their best offer keeps
searching (more views of other firms, new entries and seminar bookings), and views of each
offering firm are proportional to the chance of accepting it: the signal the 2019 service
read from browsing after an offer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from fairfollow.season.calendar import DAY_MS, SeasonCalendar
from fairfollow.season.job_hunt import Hunt
from fairfollow.season.population import Companies, Students

EVENT_TYPES = ("page_view", "login", "entry", "seminar_booking", "offer_report")
DEVICES = ("pc", "sp", "app")
PAGE_CATEGORIES = ("company_review", "industry_news", "interview_tips")

EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.int64()),
        ("member_id", pa.int64()),
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("event_type", pa.string()),
        ("company_id", pa.int32()),
        ("industry_id", pa.int16()),
        ("device", pa.string()),
        ("dwell_s", pa.int32()),
    ]
)
PARTNER_SCHEMA = pa.schema(
    [
        ("partner_id", pa.string()),
        ("cookie_id", pa.string()),
        ("ts", pa.timestamp("ms", tz="UTC")),
        ("industry_id", pa.int16()),
        ("page_category", pa.string()),
    ]
)


@dataclass
class EventRows:
    """Column buffers of one event kind, before they are concatenated."""

    student: NDArray[np.int64]
    ts: NDArray[np.int64]
    kind: int
    company: NDArray[np.int64]  # company index, -1 for none
    industry: NDArray[np.int64]  # industry index, -1 for none


class CompanySampler:
    """Draws companies with probability proportional to popularity x a student's preference."""

    def __init__(self, companies: Companies) -> None:
        self.order = np.argsort(companies.industry, kind="stable")
        pop = companies.popularity[self.order]
        self.cum = np.cumsum(pop)
        industries = companies.industry[self.order]
        n_ind = int(industries.max()) + 1
        self.start = np.searchsorted(industries, np.arange(n_ind))
        self.end = np.searchsorted(industries, np.arange(n_ind), side="right")
        self.industry_mass = np.array(
            [pop[s:e].sum() for s, e in zip(self.start, self.end, strict=True)]
        )

    def industries(
        self, rng: np.random.Generator, weights: NDArray[np.float64]
    ) -> NDArray[np.int64]:
        """One industry per row of ``weights`` (rows need not be normalised)."""
        cum = np.cumsum(weights, axis=1)
        u = rng.random(weights.shape[0]) * cum[:, -1]
        chosen: NDArray[np.int64] = (cum < u[:, None]).sum(axis=1).astype(np.int64)
        return chosen

    def companies(
        self, rng: np.random.Generator, students: Students, student: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        industry = self.industries(rng, students.preference[student] * self.industry_mass)
        lo = np.where(self.start[industry] > 0, self.cum[self.start[industry] - 1], 0.0)
        hi = self.cum[self.end[industry] - 1]
        pick = np.searchsorted(self.cum, lo + rng.random(student.size) * (hi - lo), side="right")
        return self.order[np.minimum(pick, self.end[industry] - 1)].astype(np.int64)


def _uniform_times(
    rng: np.random.Generator, start: NDArray[np.int64], end: NDArray[np.int64]
) -> NDArray[np.int64]:
    span = np.maximum(end - start, 1)
    times: NDArray[np.int64] = start + (rng.random(start.size) * span).astype(np.int64)
    return times


def _spread(counts: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.repeat(np.arange(counts.size, dtype=np.int64), counts)


def simulate_browsing(
    rng: np.random.Generator,
    students: Students,
    companies: Companies,
    hunt: Hunt,
    calendar: SeasonCalendar,
    registered_at: NDArray[np.int64],
    sampler: CompanySampler,
) -> tuple[list[EventRows], NDArray[np.float64]]:
    """Event rows of every kind for a chunk, and each student's post-offer search drive."""
    n = students.size
    s = students.intensity
    holder = hunt.first_offer_at >= 0
    best = np.zeros(n)
    np.maximum.at(best, hunt.offer_student, hunt.p_accept)
    drive = np.where(holder, 1.0 - best, 1.0)  # chance of not taking the best offer
    season_end = calendar.events_to
    pre_end = np.where(
        holder, hunt.first_offer_at, np.minimum(calendar.answers_by, season_end)
    ).astype(np.int64)
    post_end = np.where(holder, np.minimum(hunt.decided_at, season_end), pre_end)
    post_days = np.maximum(post_end - pre_end, 0) / DAY_MS
    rows: list[EventRows] = []

    # Page views before the first offer: entered firms (by utility), other firms, industries.
    n_pre = rng.poisson(300.0 * s)
    st = _spread(n_pre)
    ts = _uniform_times(rng, registered_at[st], pre_end[st])
    roll = rng.random(st.size)
    company = sampler.companies(rng, students, st)
    entries_of = np.bincount(hunt.entry_student, minlength=n)
    first_entry = np.concatenate(([0], np.cumsum(entries_of)[:-1]))
    own = (roll < 0.33) & (entries_of[st] > 0)
    pick = first_entry[st[own]] + (rng.random(own.sum()) * entries_of[st[own]]).astype(np.int64)
    company[own] = hunt.entry_company[pick]
    industry = np.full(st.size, -1, dtype=np.int64)
    is_industry = (roll >= 0.55) & (roll < 0.75)
    industry[is_industry] = sampler.industries(rng, students.preference[st[is_industry]])
    company[roll >= 0.55] = -1
    rows.append(EventRows(st, ts, 0, company, industry))

    # Page views between first offer and decision: offering firms in proportion to the
    # chance of taking each, or continued search in proportion to the drive.
    n_post = rng.poisson(1.8 * s * (0.25 + 1.5 * drive) * post_days)
    st = _spread(n_post)
    ts = _uniform_times(rng, pre_end[st], post_end[st])
    offers_of = np.bincount(hunt.offer_student, minlength=n)
    first_offer_row = np.concatenate(([0], np.cumsum(offers_of)[:-1]))
    to_offers = rng.random(st.size) < (0.7 - 0.5 * drive[st])
    company = sampler.companies(rng, students, st)
    k = np.flatnonzero(to_offers)
    cum_p = np.cumsum(hunt.p_accept)
    base = np.where(first_offer_row > 0, cum_p[np.maximum(first_offer_row - 1, 0)], 0.0)
    mass = np.bincount(hunt.offer_student, weights=hunt.p_accept, minlength=n)
    target = base[st[k]] + rng.random(k.size) * mass[st[k]]
    row = np.searchsorted(cum_p, target, side="right")
    row = np.clip(row, first_offer_row[st[k]], first_offer_row[st[k]] + offers_of[st[k]] - 1)
    company[k] = hunt.offer_company[row]
    industry = np.full(st.size, -1, dtype=np.int64)
    rows.append(EventRows(st, ts, 0, company, industry))

    # After deciding, activity fades but does not stop (the logs continue past decisions).
    after_days = np.where(holder, np.maximum(season_end - post_end, 0) / DAY_MS, 0.0)
    n_after = rng.poisson(0.12 * s * after_days)
    st = _spread(n_after)
    ts = _uniform_times(rng, post_end[st], np.full(st.size, season_end, dtype=np.int64))
    rows.append(
        EventRows(
            st, ts, 0, sampler.companies(rng, students, st), np.full(st.size, -1, dtype=np.int64)
        )
    )

    # Entries: the hunt's own, plus new ones by students still searching after an offer.
    rows.append(
        EventRows(
            hunt.entry_student,
            hunt.entry_at,
            2,
            hunt.entry_company,
            np.full(hunt.entry_student.size, -1, dtype=np.int64),
        )
    )
    n_new = np.where(holder, rng.poisson(5.0 * s * drive), 0)
    st = _spread(n_new)
    new_company = sampler.companies(rng, students, st)
    rows.append(
        EventRows(
            st,
            _uniform_times(rng, pre_end[st], post_end[st]),
            2,
            new_company,
            np.full(st.size, -1, dtype=np.int64),
        )
    )

    # Seminar bookings: about a third of entries, and more while still searching.
    seminar = rng.random(hunt.entry_student.size) < 0.35
    st = hunt.entry_student[seminar]
    ts = hunt.entry_at[seminar] + (rng.exponential(6.0, st.size) * DAY_MS).astype(np.int64)
    rows.append(
        EventRows(st, ts, 3, hunt.entry_company[seminar], np.full(st.size, -1, dtype=np.int64))
    )
    n_sem = np.where(holder, rng.poisson(3.0 * s * drive), 0)
    st = _spread(n_sem)
    rows.append(
        EventRows(
            st,
            _uniform_times(rng, pre_end[st], post_end[st]),
            3,
            sampler.companies(rng, students, st),
            np.full(st.size, -1, dtype=np.int64),
        )
    )

    # Offer reports: most students tell the site about an offer a few days after it.
    told = rng.random(hunt.offer_student.size) < 0.6
    ts = hunt.offered_at[told] + (rng.exponential(3.0, told.sum()) * DAY_MS).astype(np.int64)
    rows.append(
        EventRows(
            hunt.offer_student[told],
            ts,
            4,
            hunt.offer_company[told],
            np.full(told.sum(), -1, dtype=np.int64),
        )
    )

    # Logins: one at the start of about every seventh page view (a visit).
    views = np.concatenate([r.ts for r in rows if r.kind == 0])
    who = np.concatenate([r.student for r in rows if r.kind == 0])
    visit = rng.random(views.size) < 1.0 / 7.0
    rows.append(
        EventRows(
            who[visit],
            views[visit] - 60_000,
            1,
            np.full(visit.sum(), -1, np.int64),
            np.full(visit.sum(), -1, dtype=np.int64),
        )
    )
    return rows, drive


def event_table(
    rng: np.random.Generator,
    rows: list[EventRows],
    students: Students,
    companies: Companies,
    calendar: SeasonCalendar,
    first_event_id: int,
) -> pa.Table:
    """Concatenate a chunk's rows into the raw export schema, inside the season window."""
    student = np.concatenate([r.student for r in rows])
    ts = np.concatenate([r.ts for r in rows])
    kind = np.concatenate([np.full(r.student.size, r.kind, dtype=np.int8) for r in rows])
    company = np.concatenate([r.company for r in rows])
    industry = np.concatenate([r.industry for r in rows])
    keep = (ts >= calendar.events_from) & (ts < calendar.events_to)
    student, ts, kind, company, industry = (a[keep] for a in (student, ts, kind, company, industry))
    order = np.argsort(ts, kind="stable")
    student, ts, kind, company, industry = (
        a[order] for a in (student, ts, kind, company, industry)
    )
    mobile = rng.random(ts.size) < students.mobile_share[student]
    device = np.where(mobile, np.where(rng.random(ts.size) < 0.75, 1, 2), 0)
    dwell = np.where(kind == 0, np.round(rng.lognormal(3.6, 0.8, ts.size)), 0).astype(np.int32)
    company_ids = np.where(company >= 0, companies.company_id[np.maximum(company, 0)], 0)
    return pa.table(
        {
            "event_id": pa.array(
                np.arange(first_event_id, first_event_id + ts.size), type=pa.int64()
            ),
            "member_id": pa.array(students.member_id[student], type=pa.int64()),
            "ts": pa.array(ts, type=pa.timestamp("ms", tz="UTC")),
            "event_type": pa.DictionaryArray.from_arrays(
                pa.array(kind, type=pa.int8()), pa.array(EVENT_TYPES)
            ).cast(pa.string()),
            "company_id": pa.array(company_ids.astype(np.int32), mask=company < 0, type=pa.int32()),
            "industry_id": pa.array(
                (industry + 1).astype(np.int16), mask=industry < 0, type=pa.int16()
            ),
            "device": pa.DictionaryArray.from_arrays(
                pa.array(device.astype(np.int8)), pa.array(DEVICES)
            ).cast(pa.string()),
            "dwell_s": pa.array(dwell, mask=kind != 0, type=pa.int32()),
        },
        schema=EVENT_SCHEMA,
    )


def partner_table(
    rng: np.random.Generator,
    students: Students,
    hunt: Hunt,
    calendar: SeasonCalendar,
    registered_at: NDArray[np.int64],
    drive: NDArray[np.float64],
    cookie_of: list[str],
    sampler: CompanySampler,
) -> pa.Table:
    """Partner-site views, keyed by cookie; members without a linked cookie browse unlinked."""
    n = students.size
    s = students.intensity
    holder = hunt.first_offer_at >= 0
    end = np.full(n, calendar.events_to, dtype=np.int64)
    n_pre = rng.poisson(25.0 * s)
    post_start = np.where(holder, hunt.first_offer_at, end)
    post_days = (
        np.maximum(np.minimum(np.where(holder, hunt.decided_at, end), end) - post_start, 0) / DAY_MS
    )
    n_post = rng.poisson(0.5 * s * drive * post_days)
    st = np.concatenate([_spread(n_pre), _spread(n_post)])
    ts = np.concatenate(
        [
            _uniform_times(rng, registered_at[_spread(n_pre)], end[_spread(n_pre)]),
            _uniform_times(rng, post_start[_spread(n_post)], end[_spread(n_post)]),
        ]
    )
    keep = (ts >= calendar.events_from) & (ts < calendar.events_to)
    st, ts = st[keep], ts[keep]
    industry = sampler.industries(rng, students.preference[st])
    category = rng.integers(0, len(PAGE_CATEGORIES), st.size).astype(np.int8)
    cookies = np.asarray(cookie_of, dtype=object)
    order = np.argsort(ts, kind="stable")
    return pa.table(
        {
            "partner_id": pa.array(np.full(st.size, "partner_a", dtype=object), type=pa.string()),
            "cookie_id": pa.array(cookies[st[order]], type=pa.string()),
            "ts": pa.array(ts[order], type=pa.timestamp("ms", tz="UTC")),
            "industry_id": pa.array((industry[order] + 1).astype(np.int16), type=pa.int16()),
            "page_category": pa.DictionaryArray.from_arrays(
                pa.array(category[order]), pa.array(PAGE_CATEGORIES)
            ).cast(pa.string()),
        },
        schema=PARTNER_SCHEMA,
    )
