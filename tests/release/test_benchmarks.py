"""Peer benchmarks: each member clipped over all groups (one member moves each quantity's
vector by at most its bound, property-tested), noisy suppression, rates from noisy sums."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairfollow.errors import InputError
from fairfollow.release.benchmarks import (
    DEFAULT_BOUNDS,
    QUANTITIES,
    Contributions,
    clipped_sums,
    rates_of,
    release_benchmarks,
)

GROUPS = 4
row = st.tuples(
    st.integers(1, 8),  # member
    st.integers(0, GROUPS - 1),  # group
    st.integers(0, 12),  # offers
    st.integers(0, 3),  # accepted
    st.integers(0, 200),  # entries
    st.integers(0, 50),  # seminars
)


def _contributions(rows: list[tuple[int, int, int, int, int, int]]) -> Contributions:
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    return Contributions.of(
        columns[0],
        columns[1],
        **{q: columns[i + 2] for i, q in enumerate(QUANTITIES)},
    )


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(row, min_size=1, max_size=25),
    extreme=st.lists(row, min_size=1, max_size=GROUPS),
)
def test_one_member_moves_each_vector_by_at_most_its_bound(
    rows: list[tuple[int, int, int, int, int, int]],
    extreme: list[tuple[int, int, int, int, int, int]],
) -> None:
    before = clipped_sums(_contributions(rows), GROUPS)
    someone = rows[0][0]
    without = [r for r in rows if r[0] != someone]
    added = rows + [(99, *r[1:]) for r in extreme]  # a newcomer with any counts at all
    for changed in (without, added):
        after = clipped_sums(_contributions(changed), GROUPS) if changed else None
        for q in QUANTITIES:
            moved = np.abs((after[q] if after else np.zeros(GROUPS)) - before[q]).sum()
            assert moved <= DEFAULT_BOUNDS.of(q) + 1e-9


def test_a_member_over_the_bound_is_scaled_down_across_groups() -> None:
    rows = _contributions([(1, 0, 6, 1, 0, 0), (1, 1, 4, 0, 0, 0), (2, 0, 1, 1, 3, 2)])
    sums = clipped_sums(rows, 2)
    assert sums["offers"] == pytest.approx([3.0 + 1.0, 2.0])  # member 1: 10 offers → 5
    assert sums["accepted"] == pytest.approx([2.0, 0.0])
    with pytest.raises(InputError):
        Contributions.of([1], [0], offers=[-1], accepted=[0], entries=[0], seminars=[0])


def test_small_groups_are_suppressed_on_noisy_figures() -> None:
    noisy = {
        "offers": [500.0, 150.0],
        "accepted": [200.0, 60.0],
        "entries": [4000.0, 900.0],
        "seminars": [1000.0, 250.0],
    }
    acceptance, per_offer, seminar = rates_of(noisy, 200, 200)
    assert acceptance[0] == pytest.approx(0.4) and np.isnan(acceptance[1])
    assert per_offer[0] == pytest.approx(8.0) and np.isnan(per_offer[1])
    assert seminar == pytest.approx([4.0, 3.6])


def test_the_released_table_spends_epsilon_once_over_four_vectors() -> None:
    rng = np.random.default_rng(1)
    members = np.arange(6000)
    rows = Contributions.of(
        members,
        members % 2,
        offers=np.ones(6000),
        accepted=rng.random(6000) < 0.4,
        entries=np.full(6000, 8.0),
        seminars=np.full(6000, 2.0),
    )
    table = release_benchmarks(rows, ["IT × large", "retail × small"], 1.0)
    assert table.epsilon <= 1.0 + 1e-9
    found = table.of("IT × large")
    assert found is not None and found.acceptance_rate is not None
    assert abs(found.acceptance_rate - 0.4) < 0.06
    assert table.as_json()["minimum"] == 400
