from __future__ import annotations

import math

import pytest

from fairfollow.errors import ForecastError
from fairfollow.release.noise import NOISE_CONFIDENCE, add_noise, laplace, noise_bound


def test_epsilon_charged_is_what_opendp_maps_and_never_more_than_asked() -> None:
    for sensitivity, epsilon in [(5.0, 1.0), (3.0, 0.7), (5.0, 0.1), (1.0, 2.5)]:
        measurement, spent, scale = laplace(sensitivity, epsilon)
        assert spent <= epsilon and spent == pytest.approx(epsilon, rel=1e-9)
        assert float(measurement.map(sensitivity)) == spent
        assert scale >= sensitivity / epsilon


def test_noise_is_added_to_each_figure_with_a_stated_bound() -> None:
    exact = [30.0, 10.0, 21.0, 17.0, 25.0]
    noisy = add_noise(exact, 1.0)
    assert len(noisy.values) == 5 and noisy.sensitivity == 5 and noisy.scale == pytest.approx(5)
    assert noisy.values != tuple(exact)  # a continuous draw is never exactly zero
    assert noisy.confidence == NOISE_CONFIDENCE
    assert noisy.bound == pytest.approx(5 * math.log(1 / (1 - NOISE_CONFIDENCE)), rel=1e-6)


def test_noise_stays_within_its_bound_about_as_often_as_stated() -> None:
    # 2,000 draws at 99%: fewer than 60 outside happens with probability ~1 - 1e-12
    outside = 0
    for _ in range(400):
        noisy = add_noise([0.0] * 5, 1.0)
        outside += sum(abs(v) > noisy.bound for v in noisy.values)
    assert outside < 60


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ForecastError):
        add_noise([1.0], 0.0)
    with pytest.raises(ForecastError):
        add_noise([], 1.0)
    with pytest.raises(ForecastError):
        add_noise([math.nan], 1.0)
    with pytest.raises(ForecastError):
        laplace(0.0, 1.0)
    assert noise_bound(1.0, 0.5) == pytest.approx(math.log(2), rel=1e-6)
