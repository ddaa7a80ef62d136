"""The arrival curve: weekly increments whose per-member contributions sum to at most 1
(sensitivity, property-tested), noised once per week, post-processed to a monotone curve."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairfollow.errors import InputError
from fairfollow.release.arrivals import (
    ArrivalShape,
    cumulative_curve,
    curve_intervals,
    release_arrivals,
    smooth,
    weekly_increments,
)
from fairfollow.release.statistic import pool_statistic

SHAPE = ArrivalShape(((0.5, 0.3, 0.2, 0.0), (0.1, 0.2, 0.3, 0.4), (0.0, 0.0, 0.5, 0.5)))


def _terms(
    offer_members: list[int | None], usable: set[int], scores: dict[int, float]
) -> list[float]:
    """Each offer's term as the door counts it (one behavioural offer per member)."""
    seen: set[int] = set()
    terms = []
    for member in offer_members:
        if member is not None and member in usable and member in scores and member not in seen:
            seen.add(member)
            terms.append(scores[member])
        else:
            terms.append(0.37)  # the base rate
    stat = pool_statistic(offer_members, usable, scores)
    assert sum(terms) == pytest.approx(stat.value(0.37))
    return terms


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    members=st.lists(st.integers(1, 12), min_size=1, max_size=30),
)
def test_one_member_moves_the_weekly_vector_by_at_most_one(
    data: st.DataObject, members: list[int]
) -> None:
    offer_members: list[int | None] = list(members)
    weeks = data.draw(st.lists(st.integers(-2, 5), min_size=len(members), max_size=len(members)))
    scores = {m: data.draw(st.floats(0.0, 1.0)) for m in set(members)}
    usable = set(scores)
    before = weekly_increments(_terms(offer_members, usable, scores), weeks, SHAPE)
    someone = data.draw(st.sampled_from(sorted(usable)))
    # removed (their offers count at the base rate), or present with extreme behaviour
    for changed in ({m: p for m, p in scores.items() if m != someone}, {**scores, someone: 1.0}):
        after = weekly_increments(_terms(offer_members, set(changed), changed), weeks, SHAPE)
        assert np.abs(after - before).sum() <= 1.0 + 1e-9


def test_the_increments_spread_each_offers_term_over_its_row() -> None:
    x = weekly_increments([0.8, 0.5], [0, 1], SHAPE)
    assert x == pytest.approx(0.8 * np.array(SHAPE.rows[0]) + 0.5 * np.array(SHAPE.rows[1]))
    assert x.sum() == pytest.approx(1.3)
    with pytest.raises(InputError):
        weekly_increments([1.5], [0], SHAPE)
    with pytest.raises(InputError):
        ArrivalShape(((0.5, 0.2),))


def test_a_measured_shape_falls_back_on_all_offers_for_an_empty_row() -> None:
    shape = ArrivalShape.measured([0, 0, 1], [0, 1, 3], offer_rows=3, weeks=4)
    assert shape.rows[0] == pytest.approx((0.5, 0.5, 0.0, 0.0))
    assert shape.rows[1] == pytest.approx((0.0, 0.0, 0.0, 1.0))
    assert sum(shape.rows[2]) == pytest.approx(1.0) and min(shape.rows[2]) > 0


def test_the_curve_is_monotone_within_the_pool_and_its_intervals_hold_it() -> None:
    curve = cumulative_curve([-1.0, 3.0, -0.5, 40.0], 20)
    assert list(curve) == [0.0, 2.0, 2.0, 20.0]
    released = release_arrivals(
        [2.0, 3.0, 1.0, 0.5], 30, 1.0, [0.3, 0.4, 0.2, 0.1], extra_variance=1.0
    )
    assert released.epsilon <= 1.0 and len(released.expected) == 4
    assert all(a <= b for a, b in zip(released.expected, released.expected[1:], strict=False))
    for low, mid, high in zip(released.lower, released.expected, released.upper, strict=True):
        assert 0 <= low <= high <= 30 and low - 0.5 <= mid <= high + 0.5


def test_the_weekly_intervals_cover_about_ninety_percent_by_simulation() -> None:
    rng = np.random.default_rng(5)
    n, rate, weeks = 120, 0.4, 6
    shape = np.array([0.3, 0.25, 0.2, 0.12, 0.08, 0.05])
    x = n * rate * shape
    noisy = x[None, :] + rng.laplace(0.0, 1.0, (4000, weeks))
    smoothed = smooth(noisy, shape, 1.0)
    curve = cumulative_curve(smoothed.increments, np.full(4000, n))
    low, high = curve_intervals(curve, np.full(4000, n), np.zeros(4000), smoothed.noise_scales)
    accepted = rng.random((4000, n)) < rate
    week = rng.choice(weeks, (4000, n), p=shape)
    realised = np.stack([((week <= k) & accepted).sum(axis=1) for k in range(weeks)], axis=1)
    share = float(((low <= realised) & (realised <= high)).mean())
    assert 0.87 <= share <= 0.96


def test_smoothing_keeps_a_real_departure_from_the_shape_and_drops_noise() -> None:
    shape = np.array([0.25, 0.25, 0.25, 0.25])
    flat = smooth(np.array([5.0, 5.0, 5.0, 5.0]), shape, 1.0)
    assert flat.increments == pytest.approx([5.0] * 4)  # nothing off the shape: the fit
    skewed = smooth(np.array([40.0, 0.0, 0.0, 0.0]), shape, 1.0)
    assert skewed.increments[0] > 35.0  # far beyond noise: the residual is kept
    assert (np.diff(flat.noise_scales) > 0).all()  # the fitted total's noise, accumulated
