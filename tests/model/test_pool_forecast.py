"""Pool forecast maths against brute force (small pools) and the normal law (large pools)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairfollow.errors import ForecastError
from fairfollow.model.pool_forecast import (
    Interval,
    acceptance_distribution,
    add_offer,
    offers_needed,
)


def brute_force_pmf(probabilities: list[float]) -> np.ndarray:
    """Sum over all 2^n accept/decline outcomes."""
    n = len(probabilities)
    pmf = np.zeros(n + 1)
    for outcome in itertools.product((0, 1), repeat=n):
        weight = 1.0
        for accepted, p in zip(outcome, probabilities, strict=True):
            weight *= p if accepted else 1.0 - p
        pmf[sum(outcome)] += weight
    return pmf


probability_lists = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=0, max_size=11)


@settings(max_examples=60, deadline=None)
@given(probability_lists)
def test_pmf_equals_brute_force_on_small_pools(probabilities: list[float]) -> None:
    dist = acceptance_distribution(probabilities)
    np.testing.assert_allclose(dist.pmf, brute_force_pmf(probabilities), atol=1e-12)
    assert dist.size == len(probabilities)
    assert dist.mean == pytest.approx(sum(probabilities))


def test_pmf_across_block_and_fft_boundaries_matches_sequential_dp() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 63, 64, 65, 200, 1500):
        probs = rng.uniform(0.0, 1.0, n)
        sequential = acceptance_distribution([])
        for p in probs:
            sequential = add_offer(sequential, float(p))
        dist = acceptance_distribution(probs)
        np.testing.assert_allclose(dist.pmf, sequential.pmf, atol=1e-12)
        assert dist.pmf.sum() == pytest.approx(1.0, abs=1e-12)
        assert dist.pmf.min() >= 0.0


def test_large_pool_agrees_with_normal_approximation() -> None:
    rng = np.random.default_rng(3)
    probs = rng.uniform(0.2, 0.8, 5000)
    dist = acceptance_distribution(probs)
    mean = float(probs.sum())
    sd = math.sqrt(float((probs * (1 - probs)).sum()))
    k = np.arange(dist.size + 1)
    assert float((k * dist.pmf).sum()) == pytest.approx(mean, rel=1e-10)
    assert float(((k - mean) ** 2 * dist.pmf).sum()) == pytest.approx(sd**2, rel=1e-8)
    normal_cdf = np.array([0.5 * (1 + math.erf((x + 0.5 - mean) / (sd * math.sqrt(2)))) for x in k])
    assert np.abs(dist.cdf() - normal_cdf).max() < 0.005
    for level, z in ((0.8, 1.2816), (0.9, 1.6449)):
        interval = dist.interval(level)
        assert abs(interval.lower - (mean - z * sd)) <= 2
        assert abs(interval.upper - (mean + z * sd)) <= 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.01, 0.99), min_size=1, max_size=10),
    st.sampled_from([0.5, 0.8, 0.9, 0.95]),
)
def test_central_interval_covers_at_least_its_level(
    probabilities: list[float], level: float
) -> None:
    pmf = brute_force_pmf(probabilities)
    interval = acceptance_distribution(probabilities).interval(level)
    covered = pmf[interval.lower : interval.upper + 1].sum()
    assert covered >= level - 1e-9
    tail = (1 - level) / 2
    # Each end is the tightest that keeps its tail at most (1 - level) / 2.
    assert pmf[: interval.lower].sum() <= tail + 1e-9
    assert pmf[interval.upper + 1 :].sum() <= tail + 1e-9


def test_nearest_interval_holds_about_its_level_on_average() -> None:
    rng = np.random.default_rng(8)
    exact, nearest = [], []
    for _ in range(300):
        dist = acceptance_distribution(rng.uniform(0.1, 0.9, 20))
        exact.append(dist.probability_within(dist.interval(0.8)))
        nearest.append(dist.probability_within(dist.nearest_interval(0.8)))
        inner = dist.nearest_interval(0.8)
        assert dist.interval(0.8).lower <= inner.lower + 1
    assert min(exact) >= 0.8 - 1e-9
    assert abs(float(np.mean(nearest)) - 0.8) < 0.02 < float(np.mean(exact)) - 0.8


def test_degenerate_pools() -> None:
    assert acceptance_distribution([]).interval(0.9) == Interval(0.9, 0, 0)
    certain = acceptance_distribution([1.0, 1.0, 0.0])
    assert certain.interval(0.8) == Interval(0.8, 2, 2)
    assert certain.probability_at_least(2) == pytest.approx(1.0)
    assert certain.probability_at_least(3) == 0.0


def test_widened_interval_contains_the_plain_one() -> None:
    dist = acceptance_distribution(np.full(400, 0.5))
    plain = dist.interval(0.8)
    wide = dist.widened_interval(0.8, 4.0)
    assert wide.lower <= plain.lower and wide.upper >= plain.upper
    assert wide.upper - wide.lower >= 2 * (plain.upper - plain.lower) - 2
    assert dist.widened_interval(0.8, 1.0) == plain


def test_offers_needed_is_minimal() -> None:
    pool = [0.5, 0.6, 0.3]
    result = offers_needed(pool, target=4, confidence=0.9, profile=0.5)
    m = result.additional_offers

    def reach(extra: int) -> float:
        return float(brute_force_pmf(pool + [0.5] * extra)[4:].sum())

    assert reach(m) >= 0.9 > reach(m - 1)
    assert result.probability_reached == pytest.approx(reach(m))
    assert result.expected_acceptances == pytest.approx(sum(pool) + 0.5 * m)


def test_offers_needed_follows_a_profile_in_turn() -> None:
    result = offers_needed([], target=2, confidence=0.5, profile=[0.9, 0.1])
    # Offers 0.9, 0.1 give P(K >= 2) = 0.09; a third at 0.9 lifts it to 0.83.
    assert result.additional_offers == 3
    assert offers_needed([0.9, 0.9], target=1, confidence=0.9, profile=0.5).additional_offers == 0


@pytest.mark.parametrize(
    ("pool", "target", "confidence", "profile"),
    [
        ([0.5], -1, 0.9, 0.5),
        ([0.5], 1, 1.0, 0.5),
        ([0.5], 3, 0.9, 0.0),
        ([0.5], 3, 0.9, []),
        ([1.5], 1, 0.9, 0.5),
        ([float("nan")], 1, 0.9, 0.5),
    ],
)
def test_impossible_requests_raise(
    pool: list[float], target: int, confidence: float, profile: float | list[float]
) -> None:
    with pytest.raises(ForecastError):
        offers_needed(pool, target, confidence, profile)


def test_offers_needed_respects_its_cap() -> None:
    with pytest.raises(ForecastError, match=r"model\.target_not_reached"):
        offers_needed([], target=50, confidence=0.9, profile=0.01, max_additional=100)
