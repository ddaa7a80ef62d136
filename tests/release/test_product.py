"""The offer terms a release kind's own statistic reads are the forecast statistic's terms."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairfollow.release.product import pool_terms
from fairfollow.release.statistic import pool_statistic


@settings(max_examples=100, deadline=None)
@given(
    members=st.lists(st.one_of(st.none(), st.integers(1, 8)), min_size=1, max_size=30),
    usable=st.sets(st.integers(1, 8)),
    scored=st.dictionaries(st.integers(1, 8), st.floats(0.0, 1.0)),
)
def test_the_terms_add_up_to_the_forecast_statistic(
    members: list[int | None], usable: set[int], scored: dict[int, float]
) -> None:
    dates = [date(2019, 6, 1)] * len(members)
    terms = pool_terms(members, usable, scored, 0.37, dates, datetime(2019, 7, 15, tzinfo=UTC))
    stat = pool_statistic(members, usable, scored)
    assert len(terms.terms) == len(members)
    assert sum(terms.terms) == pytest.approx(stat.value(0.37))
    assert all(0.0 <= t <= 1.0 for t in terms.terms)
