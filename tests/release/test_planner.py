"""The offers-needed planner: post-processing of the released forecast that states the same
distribution as the forecast's intervals, with a probability that holds by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairfollow.errors import InputError
from fairfollow.release.figures import post_process
from fairfollow.release.noise import NoisySum
from fairfollow.release.planner import (
    PlanProduct,
    plan_offers,
    reached_with,
    scaled_pool,
)


def _figures(value: float, offers: int, scale: float = 1.0, extra: float = 0.0):  # type: ignore[no-untyped-def]
    return post_process(NoisySum(value, scale, 1.0 / scale), offers, extra, 1.0)


def test_the_own_pool_reaches_the_lower_end_of_the_forecasts_80_percent_interval() -> None:
    figures = _figures(60.0, 100, extra=4.0)
    plan = plan_offers(figures, 4.0, 1.0, target=40)
    assert plan.reached_by_pool == figures.interval_80[0]
    assert plan.offers_needed is not None and plan.offers_needed <= 100
    assert plan.additional_offers == 0
    more = plan_offers(figures, 4.0, 1.0, target=80)
    assert more.offers_needed is not None and more.offers_needed > 100
    assert more.additional_offers == more.offers_needed - 100
    # the first pool size whose 90% lower bound reaches the target, and no smaller one
    sizes = np.arange(1, more.offers_needed + 1)
    center, scale, extra = scaled_pool(figures.expected_acceptances, 100, 1.0, 4.0, sizes)
    reached = reached_with(center, sizes, scale, extra, 1.0)
    assert reached[-1] >= 80 and (reached[:-1] < 80).all()


def test_a_hypothetical_pool_of_similar_offers_scales_the_forecast() -> None:
    figures = _figures(30.0, 100)
    plan = plan_offers(figures, 0.0, 1.0, target=10, hypothetical=300)
    assert plan.hypothetical_offers == 300
    assert plan.reached_by_pool < plan.reached_by_hypothetical < 90
    assert plan_offers(figures, 0.0, 1.0, target=10).hypothetical_offers == 200


def test_an_unreachable_target_has_no_offer_count() -> None:
    figures = _figures(0.0, 20)  # a forecast of no acceptances plans none
    plan = plan_offers(figures, 0.0, 1.0, target=5)
    assert plan.offers_needed is None and plan.additional_offers is None
    assert plan.as_json()["offers_needed"] is None


@pytest.mark.parametrize("target", [0, -3])
def test_the_target_must_be_positive(target: int) -> None:
    with pytest.raises(InputError) as caught:
        PlanProduct(target)
    assert caught.value.code == "planning.target_not_positive"
    with pytest.raises(InputError):
        PlanProduct(5, hypothetical=0)


@settings(max_examples=60, deadline=None)
@given(
    value=st.floats(0.0, 200.0),
    offers=st.integers(10, 400),
    target=st.integers(1, 60),
)
def test_more_acceptances_never_need_fewer_offers(value: float, offers: int, target: int) -> None:
    figures = _figures(min(value, offers), offers)
    one = plan_offers(figures, 0.0, 1.0, target)
    two = plan_offers(figures, 0.0, 1.0, target + 1)
    if one.offers_needed is None:
        assert two.offers_needed is None
    elif two.offers_needed is not None:
        assert two.offers_needed >= one.offers_needed


def test_the_stated_probability_holds_for_pools_drawn_from_the_model() -> None:
    # pools of independent offers at known rates; the planner's 90% lower bound, from
    # noised sums, is reached in about 90% of (pool, noise) draws
    rng = np.random.default_rng(11)
    rates = rng.uniform(0.2, 0.8, 4000)
    n = rng.integers(20, 300, rates.size)
    s = rates * n
    noisy = s + rng.laplace(0.0, 1.0, s.size)
    realised = rng.binomial(n, rates)
    low = reached_with(noisy, n, 1.0, 0.0, 1.0)
    share = float((realised >= low).mean())
    assert 0.87 <= share <= 0.95
