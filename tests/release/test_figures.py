from __future__ import annotations

import math

import numpy as np
import pytest

from fairfollow.errors import ForecastError
from fairfollow.model.pool_forecast import acceptance_distribution
from fairfollow.release.figures import (
    exact_figures,
    half_width,
    plan_intervals,
    post_process,
    release_figures,
)
from fairfollow.release.noise import NoisySum


def test_exact_figures_are_one_sum_over_model_and_base_rate_offers() -> None:
    exact = exact_figures([0.9] * 10, 10, 0.5, extra_variance=1.5)
    assert exact.pool_offers == 20 and exact.base_rate_offers == 10
    assert exact.expected_acceptances == pytest.approx(14.0)
    assert exact.variance == pytest.approx(10 * 0.09 + 10 * 0.25)
    with pytest.raises(ForecastError):
        exact_figures([1.2], 0, 0.5)
    with pytest.raises(ForecastError):
        exact_figures([0.5], 0, 0.5, extra_variance=-1.0)


def test_half_width_matches_the_laplace_and_normal_limits() -> None:
    # no spread: the Laplace quantile; no noise: the normal quantile; both: in between
    assert half_width([0.0], 1.0, 0.9)[0] == pytest.approx(math.log(10), rel=1e-3)
    assert half_width([5.0], 0.0, 0.9)[0] == pytest.approx(5 * 1.6448536, rel=1e-6)
    both = half_width([5.0], 1.0, 0.9)[0]
    assert 5 * 1.6448536 < both < 5 * 1.6448536 + math.log(10)
    # by simulation: the convolution's 90% half-width holds 90% of draws
    rng = np.random.default_rng(3)
    draws = 3.0 * rng.standard_normal(200_000) + rng.laplace(0.0, 2.0, 200_000)
    h = half_width([3.0], 2.0, 0.9)[0]
    assert np.mean(np.abs(draws) <= h) == pytest.approx(0.9, abs=0.005)


def test_post_processing_uses_only_the_noisy_sum_and_public_values() -> None:
    figures = post_process(NoisySum(-3.2, 1.0, 1.0), 30, 0.0)
    assert figures.expected_acceptances == 0.0 and figures.pool_offers == 30
    low, high = figures.forecast_interval
    assert 0 == low <= high <= 30
    above = post_process(NoisySum(41.0, 1.0, 1.0), 30, 0.0)
    assert above.expected_acceptances == 30.0 and above.forecast_interval[1] == 30


def test_interval_ends_are_whole_ordered_inside_the_pool_and_nested() -> None:
    rng = np.random.default_rng(5)
    n = rng.integers(10, 600, 5_000)
    noisy = rng.uniform(0, 1, 5_000) * n + rng.laplace(0, 1, 5_000)
    extra = rng.uniform(0, 20, 5_000)
    lo90, hi90 = plan_intervals(noisy, n, extra, 1.0, 0.9)
    lo80, hi80 = plan_intervals(noisy, n, extra, 1.0, 0.8)
    assert np.all(lo90 >= 0) and np.all(hi90 <= n) and np.all(lo90 <= hi90)
    assert np.all(lo90 <= lo80) and np.all(hi80 <= hi90) and np.all(lo80 <= hi80)


def test_released_interval_covers_about_ninety_percent_of_outcomes() -> None:
    # The model is right (outcomes drawn from p): the 90% interval holds about 90%.
    rng = np.random.default_rng(11)
    p = rng.uniform(0.2, 0.9, 120)
    exact = exact_figures(list(p), 0, 0.5)
    trials = 20_000
    realised = (rng.random((trials, 120)) < p).sum(axis=1)
    noisy = exact.expected_acceptances + rng.laplace(0, 1.0, trials)
    low, high = plan_intervals(noisy, np.full(trials, 120), 0.0, 1.0, 0.9)
    assert 0.88 <= np.mean((low <= realised) & (realised <= high)) <= 0.93
    # and its width is near the exact Poisson-binomial interval widened by the noise only
    exact_width = acceptance_distribution(p).interval(0.9)
    released = release_figures(exact, 1.0).forecast_interval
    assert released[1] - released[0] <= (exact_width.upper - exact_width.lower) + 8


def test_released_figures_state_their_noise_and_accuracy() -> None:
    exact = exact_figures([0.6] * 200, 50, 0.5)
    figures = release_figures(exact, 1.0)
    assert figures.epsilon == pytest.approx(1.0) and figures.noise_scale == pytest.approx(1.0)
    assert figures.noise_bound == pytest.approx(math.log(10), rel=1e-6)
    assert figures.typical_error > 0
    assert set(figures.as_json()) >= {
        "pool_offers",
        "expected_acceptances",
        "forecast_interval",
        "interval_80",
        "epsilon",
    }
