"""The latent job hunt of one chunk of students: entries, offers and offer decisions.

Each student values company c by a utility ``u = b_pref*log(20*pref[industry]) + b_appeal*appeal
+ taste``; entries are drawn by popularity and utility, offers by the company's selectivity,
and the answer to a set of offers is a multinomial-logit choice among the offers and an
outside option (graduate school, an off-platform firm, continued search). The choice
probability of each offer is recorded as its true acceptance probability, and the outcome is
drawn from those probabilities, so no behaviour can know more than the probabilities do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fairfollow.season.calendar import DAY_MS, SeasonCalendar
from fairfollow.season.population import Companies, Students


@dataclass(frozen=True)
class HuntParameters:
    """Behavioural constants, tuned so the calibration targets hold (see ``calibration``)."""

    entries_mean: float = 27.0
    entries_max: int = 120
    b_pref: float = 0.9
    b_appeal: float = 1.6
    b_size: float = 0.7  # students favour large, well-known employers (大手志向)
    taste_sd: float = 0.7
    entry_utility_weight: float = 0.8
    holder_intercept: float = 1.15
    extra_offer_p: float = 0.39  # extra offers ~ Geometric: P(0) = 0.39, mean 1.56
    selectivity: float = 0.6
    temperature: float = 1.8
    outside_mean: float = -2.0
    outside_sd: float = 0.6


@dataclass(frozen=True)
class Hunt:
    """Entries and offers of a chunk; indices refer to the chunk's students and companies."""

    entry_student: NDArray[np.int64]
    entry_company: NDArray[np.int64]
    entry_at: NDArray[np.int64]
    offer_student: NDArray[np.int64]
    offer_company: NDArray[np.int64]
    offered_at: NDArray[np.int64]
    p_accept: NDArray[np.float64]
    accepted: NDArray[np.bool_]
    responded_at: NDArray[np.int64]
    first_offer_at: NDArray[np.int64]  # per student; -1 for students without offers
    decided_at: NDArray[np.int64]  # per student; -1 for students without offers
    unsettled: NDArray[np.float64]  # per student: probability of taking none of the offers


def _utility_base(
    students: Students,
    companies: Companies,
    p: HuntParameters,
    company_index: NDArray[np.int64],
    student_index: NDArray[np.int64],
) -> NDArray[np.float64]:
    pref = students.preference[student_index, companies.industry[company_index]]
    return (
        p.b_pref * np.log(20.0 * pref + 1e-9)
        + p.b_appeal * companies.appeal[company_index]
        + p.b_size * np.log(companies.popularity[company_index])
    )


def _top_k_rows(
    keys: NDArray[np.float64], k: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row and column indices of the k[i] largest keys in each row (Gumbel-top-k sampling)."""
    k_max = int(k.max()) if k.size else 0
    top = np.argpartition(-keys, kth=min(k_max, keys.shape[1] - 1), axis=1)[:, :k_max]
    rows = np.repeat(np.arange(keys.shape[0]), k_max).reshape(-1, k_max)
    keep = np.arange(k_max)[None, :] < k[:, None]
    return rows[keep].astype(np.int64), top[keep].astype(np.int64)


def simulate_hunt(
    rng: np.random.Generator,
    students: Students,
    companies: Companies,
    calendar: SeasonCalendar,
    registered_at: NDArray[np.int64],
    p: HuntParameters | None = None,
) -> Hunt:
    p = p or HuntParameters()
    n, m = students.size, companies.size
    # --- entries: popularity x utility, without replacement (Gumbel-top-k) ---
    n_entries = np.clip(rng.poisson(p.entries_mean * students.intensity), 1, p.entries_max)
    pref_by_company = students.preference[:, companies.industry]  # (n, m)
    keys = (
        np.log(companies.popularity)[None, :]
        + p.entry_utility_weight
        * (
            p.b_pref * np.log(20.0 * pref_by_company + 1e-9)
            + p.b_appeal * companies.appeal[None, :]
        )
        + rng.gumbel(size=(n, m))
    )
    del pref_by_company
    e_student, e_company = _top_k_rows(keys, n_entries.astype(np.int64))
    del keys
    entry_window_end = calendar.offers_to - 20 * DAY_MS
    start = np.maximum(registered_at[e_student], calendar.main_open)
    entry_at = start + (
        rng.random(e_student.size) ** 1.6 * np.maximum(entry_window_end - start, DAY_MS)
    ).astype(np.int64)

    # --- offers: who holds any, how many, from which entered companies ---
    tier_score = 2.5 - students.tier.astype(np.float64)
    holder_logit = p.holder_intercept + 0.35 * tier_score + 0.6 * np.log(students.intensity)
    holder = rng.random(n) < 1.0 / (1.0 + np.exp(-holder_logit))
    n_offers = np.where(holder, rng.geometric(p.extra_offer_p, size=n), 0)
    n_offers = np.minimum(n_offers, n_entries)
    appeal = companies.appeal[e_company]
    offer_key = (
        -p.selectivity * appeal
        + 0.3 * tier_score[e_student] * appeal
        + rng.gumbel(size=e_student.size)
    )
    order = np.lexsort((-offer_key, e_student))  # by student, best key first
    rank = np.arange(order.size) - np.searchsorted(e_student[order], e_student[order])
    chosen = order[rank < n_offers[e_student[order]]]
    o_student, o_company = e_student[chosen], e_company[chosen]
    sort = np.argsort(o_student, kind="stable")
    o_student, o_company = o_student[sort], o_company[sort]

    # --- answers: multinomial logit among the offers and an outside option ---
    utility = _utility_base(students, companies, p, o_company, o_student) + rng.normal(
        0.0, p.taste_sd, size=o_student.size
    )
    outside = rng.normal(p.outside_mean, p.outside_sd, size=n)
    w_offer = np.exp(utility / p.temperature)
    w_outside = np.exp(outside / p.temperature)
    denominator = w_outside.copy()
    np.add.at(denominator, o_student, w_offer)
    p_accept = w_offer / denominator[o_student]
    unsettled = np.where(n_offers > 0, w_outside / denominator, 1.0)

    # One categorical draw per holder: offer j is taken if the uniform falls in its slice.
    u = rng.random(n)
    cum = np.cumsum(p_accept)
    first = np.searchsorted(o_student, np.arange(n))
    base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    upper = cum - base[o_student]
    lower = upper - p_accept
    accepted = (u[o_student] >= lower) & (u[o_student] < upper)

    span = calendar.offers_to - calendar.offers_from
    offered_at = calendar.offers_from + (rng.random(o_student.size) * span).astype(np.int64)
    offered_at = np.maximum(offered_at, entry_at[chosen[sort]] + DAY_MS)
    never = np.iinfo(np.int64).max
    first_offer = np.full(n, never, dtype=np.int64)
    np.minimum.at(first_offer, o_student, offered_at)
    first_offer[first_offer == never] = -1
    answer_span = calendar.answers_by - calendar.forecast_date
    decided = np.where(
        n_offers > 0,
        calendar.forecast_date + (rng.beta(1.3, 2.2, size=n) * answer_span).astype(np.int64),
        -1,
    )
    return Hunt(
        entry_student=e_student,
        entry_company=e_company,
        entry_at=entry_at,
        offer_student=o_student,
        offer_company=o_company,
        offered_at=offered_at,
        p_accept=p_accept,
        accepted=accepted,
        responded_at=decided[o_student],
        first_offer_at=first_offer,
        decided_at=decided,
        unsettled=unsettled,
    )
