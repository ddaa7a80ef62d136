from __future__ import annotations

import pytest

from fairfollow.release.figures import (
    FIGURE_NAMES,
    exact_figures,
    post_process,
    release_figures,
)
from fairfollow.release.noise import NoisyFigures


def test_exact_figures_mix_model_and_base_rate_offers() -> None:
    exact = exact_figures([0.9] * 10, 10, 0.5)
    assert exact.pool_offers == 20 and exact.base_rate_offers == 10
    assert exact.expected_acceptances == pytest.approx(14.0)
    assert exact.interval_lower <= 14 <= exact.interval_upper
    assert len(exact.vector()) == len(FIGURE_NAMES)


def test_post_processing_clips_rounds_and_orders() -> None:
    noisy = NoisyFigures((-3.2, 2.6, 5.04, 9.7, 4.2), 5.0, 1.0, 5.0, 23.0, 0.99)
    figures = post_process(0.9, noisy)
    assert figures.pool_offers == 0 and figures.base_rate_offers == 3
    assert figures.expected_acceptances == 5.0
    assert (figures.interval_lower, figures.interval_upper) == (4, 10)
    assert figures.forecast_interval == (0, 33)


def test_released_figures_stay_near_the_exact_ones() -> None:
    exact = exact_figures([0.6] * 200, 50, 0.5)
    figures = release_figures(exact, 1.0)
    assert figures.epsilon == pytest.approx(1.0)
    assert figures.noise_bound > 0 and figures.interval_lower <= figures.interval_upper
    assert sum(figures.within_bound(exact)) >= 3  # each fails with probability 1%
    assert set(figures.as_json()) >= set(FIGURE_NAMES)
