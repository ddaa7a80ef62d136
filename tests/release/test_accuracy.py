"""Accuracy first: the smallest ε on the grid meeting a width, or the narrowest width left."""

from __future__ import annotations

import pytest

from fairfollow.errors import InputError
from fairfollow.release.accuracy import STEP, epsilon_for_width, interval_width

POOL = dict(offers=200, base_rate=0.5, extra_variance=4.0, dispersion=1.0)


def test_the_chosen_epsilon_is_the_smallest_on_the_grid_that_meets_the_width() -> None:
    loose = interval_width(epsilon=0.05, **POOL)
    tight = interval_width(epsilon=2.0, **POOL)
    assert tight < loose
    wanted = (loose + tight) // 2
    choice = epsilon_for_width(wanted, epsilon_min=0.05, epsilon_max=2.0, remaining=4.0, **POOL)
    assert choice.epsilon is not None and choice.width <= wanted
    assert interval_width(epsilon=choice.epsilon, **POOL) <= wanted
    assert interval_width(epsilon=choice.epsilon - STEP, **POOL) > wanted


def test_a_width_the_budget_cannot_buy_is_refused_with_the_narrowest_on_offer() -> None:
    choice = epsilon_for_width(1, epsilon_min=0.05, epsilon_max=2.0, remaining=0.3, **POOL)
    assert choice.epsilon is None and choice.largest_epsilon == pytest.approx(0.3)
    assert choice.width == interval_width(epsilon=0.3, **POOL)
    none_left = epsilon_for_width(40, epsilon_min=0.05, epsilon_max=2.0, remaining=0.0, **POOL)
    assert none_left.epsilon is None and none_left.width == 200


def test_a_loose_width_costs_the_least_epsilon() -> None:
    choice = epsilon_for_width(200, epsilon_min=0.05, epsilon_max=2.0, remaining=4.0, **POOL)
    assert choice.epsilon == pytest.approx(0.05)
    with pytest.raises(InputError):
        epsilon_for_width(-1, epsilon_min=0.05, epsilon_max=2.0, remaining=4.0, **POOL)
