"""ε spent recomputed from the release leaves, against the ledger's odometer rows.

Finding (issue 11): budget rows deleted in the database went unnoticed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.ledger.engine import open_ledger
from fairfollow.release import budget_store
from fairfollow.release.door import ReleaseRequest, release_forecast
from fairfollow.release.spending import Spent, spending_findings, spent_from_leaves
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LogRecord, encode_leaf
from tests.governance_fixtures import AT, SOURCE, ready_ledger


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _ledger_rows(engine: Engine) -> dict[tuple[str, int], Spent]:
    with engine.connect() as conn:
        return {
            (b.employer, b.season): Spent(b.spent, b.releases)
            for b in budget_store.budgets_of(conn)
        }


def _logged(engine: Engine) -> dict[tuple[str, int], Spent]:
    with engine.connect() as conn:
        return spent_from_leaves(leaf.content for leaf in log_store.iter_leaves(conn))


def test_the_log_and_the_odometer_agree_until_a_spend_row_is_deleted(engine: Engine) -> None:
    ready_ledger(engine)
    for _ in range(2):
        assert release_forecast(
            engine, ReleaseRequest("E0001", "yield-forecast", 2020, AT, 0.5), SOURCE
        ).released
    assert _logged(engine) == {("E0001", 2020): Spent(1.0, 2)}
    assert spending_findings(_logged(engine), _ledger_rows(engine)) == []
    entries = budget_store.budget_entries
    with engine.begin() as conn:  # the operator hands E0001 its budget back
        first = conn.execute(
            sa.select(sa.func.min(entries.c.entry_id)).where(entries.c.kind == "spend")
        ).scalar()
        conn.execute(entries.delete().where(entries.c.entry_id == first))
    (finding,) = spending_findings(_logged(engine), _ledger_rows(engine))
    assert (finding.employer, finding.season) == ("E0001", 2020)
    assert finding.logged == Spent(1.0, 2) and finding.ledger == Spent(0.5, 1)
    assert "ε 1 in 2 releases" in finding.detail


def test_only_release_leaves_with_their_fields_count() -> None:
    leaves = [
        encode_leaf(LogRecord("release", "a", {"employer": "E1", "season": 2020, "epsilon": 1}), 0),
        encode_leaf(LogRecord("release-refusal", "b", {"employer": "E1", "season": 2020}), 1),
        encode_leaf(LogRecord("role.granted", "c", {"role": "reviewer"}), 2),
        b"not a leaf",
    ]
    assert spent_from_leaves(leaves) == {("E1", 2020): Spent(1.0, 1)}
    assert spending_findings({}, {("E2", 2020): Spent(0.0, 0)}) == []
