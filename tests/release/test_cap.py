from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.errors import GovernanceError
from fairfollow.ledger.engine import open_ledger
from fairfollow.release import budget_store
from fairfollow.release.budget import DEFAULT_SEASON_CAP, PrivacyLimits
from fairfollow.release.cap import CapChange, change_cap
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, decode_leaf
from tests.actors import as_actor

AT = datetime(2020, 7, 15, tzinfo=UTC)
PO = as_actor("privacy-officer")


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_a_cap_above_the_ceiling_is_refused_whoever_asks(engine: Engine) -> None:
    # Hardening finding: a cap of 10⁶ was accepted. Fails on the code before this change
    # (there was no ceiling, and no change_cap).
    with pytest.raises(GovernanceError, match=r"release\.cap_over_ceiling"):
        change_cap(engine, CapChange("E1", 2020, 1e6, "plans", AT), actor=PO)
    with pytest.raises(GovernanceError, match=r"release\.cap_over_ceiling"):
        limits = PrivacyLimits(cap_ceiling=5.0)
        change_cap(engine, CapChange("E1", 2020, 6.0, "plans", AT), actor=PO, limits=limits)
    with engine.connect() as conn:
        assert budget_store.budget(conn, "E1", 2020).cap == DEFAULT_SEASON_CAP
        assert log_store.tree_size(conn) == 0


def test_raising_needs_a_reason_lowering_does_not(engine: Engine) -> None:
    with pytest.raises(GovernanceError, match=r"release\.cap_raise_needs_reason"):
        change_cap(engine, CapChange("E1", 2020, 6.0, "  ", AT), actor=PO)
    lowered = change_cap(engine, CapChange("E1", 2020, 2.0, "", AT), actor=PO)
    assert lowered.budget.cap == 2.0 and lowered.previous_cap == DEFAULT_SEASON_CAP


def test_a_cap_change_is_a_ledger_entry_and_a_log_leaf(engine: Engine) -> None:
    # Fails on the code before this change: `budget set` wrote no reason and no leaf.
    change = CapChange("E1", 2020, 6.0, "second hiring round approved by committee", AT)
    done = change_cap(engine, change, actor=PO)
    assert done.budget.cap == 6.0
    with engine.connect() as conn:
        e = budget_store.budget_entries.c
        row = conn.execute(sa.select(e.actor, e.reason, e.kind, e.epsilon)).one()
        assert tuple(row) == (PO, change.reason, "cap", 6.0)
        record = decode_leaf(log_store.read_leaf(conn, done.log_index).content).record
    assert record.kind == LeafKind.BUDGET_CAP == "budget-cap"
    assert record.body["epsilon_cap"] == 6.0 and record.body["previous_cap"] == DEFAULT_SEASON_CAP
    assert record.body["reason"] == change.reason and record.body["actor"] == str(PO)


def test_a_cap_change_before_the_ledger_clock_is_refused(engine: Engine) -> None:
    change_cap(engine, CapChange("E1", 2020, 3.0, "", AT), actor=PO)
    with pytest.raises(GovernanceError, match=r"release\.cap_change_backdated"):
        change_cap(engine, CapChange("E1", 2020, 2.0, "", AT - timedelta(days=1)), actor=PO)
