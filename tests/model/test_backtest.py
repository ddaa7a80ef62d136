"""Backtest of pool forecasts on outcomes drawn from known probabilities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairfollow.errors import ForecastError
from fairfollow.model.backtest import (
    NO_WIDENING,
    Widening,
    backtest,
    employer_effect,
    estimate_widening,
    forecast_pool,
)


def season(
    seed: int, employers: int = 30, per_employer: int = 400, bias_sd: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forecast probabilities and outcomes; outcomes use p + a per-employer bias."""
    rng = np.random.default_rng(seed)
    companies = np.repeat(np.arange(1, employers + 1), per_employer).astype(np.int64)
    p = rng.beta(2, 2, companies.size)
    bias = rng.normal(0.0, bias_sd, employers + 1)[companies]
    accepted = rng.random(p.size) < np.clip(p + bias, 0.0, 1.0)
    return companies, p, accepted


def test_calibrated_forecasts_cover_at_their_level() -> None:
    companies, p, accepted = season(0)
    report = backtest(companies, p, accepted, widening=NO_WIDENING, sub_pool_sizes=(20, 400))
    for level in (0.8, 0.9):
        figure = report.figure("random", level)
        assert figure.pools == 2 * 5 * 200
        assert abs(figure.coverage - figure.content) < 0.03
        assert abs(figure.nearest_coverage - level) < 0.03
        assert figure.widened_coverage == figure.coverage  # nothing to widen
        small = report.figure("random n=20", level)
        assert small.content > level + 0.02  # discreteness: the exact interval holds more
    assert report.figure("employer", 0.8).pools == 30
    assert abs(report.figure("random", 0.8).mean_signed_error) < 1.0
    assert report.overdispersion.z < 3.0
    json.dumps(report.as_json())


def test_employer_effect_is_found_where_it_exists() -> None:
    assert employer_effect(*season(1)).z < 3.0
    biased = employer_effect(*season(2, employers=40, bias_sd=0.05))
    assert biased.z > 3.0
    assert biased.estimate_sd == pytest.approx(0.05, abs=0.02)


def test_widening_restores_coverage_of_correlated_pools() -> None:
    companies, p, accepted = season(3, employers=200, per_employer=1000, bias_sd=0.02)
    widening = Widening(0.0, {c: 0.02**2 for c in range(1, 201)})
    report = backtest(companies, p, accepted, widening=widening, sub_pool_sizes=(), seeds=())
    employer = report.figure("employer", 0.8)
    assert employer.coverage < 0.65  # shared bias swamps the binomial spread of big pools
    assert abs(employer.widened_coverage - 0.8) < 0.07


def test_widening_estimated_from_rate_sampling_variance() -> None:
    companies = np.array([1, 1, 2, 2, 2, 2], np.int64)
    p = np.full(6, 0.5)
    held = np.array([True, False, True, False, False, False])
    widening = estimate_widening(companies, p, held)
    assert widening.employer_variance == {1: pytest.approx(0.5 / 4), 2: pytest.approx(1.0 / 16)}
    assert widening.calibration_variance == pytest.approx(0.5 / 4)
    # 2 offers of employer 1 and 1 of unknown employer 9 (median of the known variances).
    extra = widening.extra_variance(np.array([1, 1, 9], np.int64))
    median = float(np.median([0.125, 0.0625]))
    assert extra == pytest.approx(9 * 0.125 + 4 * 0.125 + median)


def test_a_pool_forecast_holds_its_intervals() -> None:
    one = np.ones(100, np.int64)
    pool = forecast_pool("x", np.full(100, 0.5), one, 50, NO_WIDENING)
    assert pool.expected == pytest.approx(50.0)
    assert [i.level for i in pool.intervals] == [0.8, 0.9]
    assert pool.intervals[0].lower < 50 < pool.intervals[0].upper
    assert pool.content[0] >= 0.8
    assert pool.widened == pool.intervals
    wide = forecast_pool("x", np.full(100, 0.5), one, 50, Widening(0.0, {1: 0.01}))
    assert wide.widened[0].upper - wide.widened[0].lower > 2 * (
        pool.intervals[0].upper - pool.intervals[0].lower
    )


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ForecastError):
        backtest(np.ones(3, np.int64), np.full(2, 0.5), np.ones(3, bool), widening=NO_WIDENING)
