"""Budgets: staff see them, only the privacy officer sets a cap (recorded under the
account, in one actor format), an employer user sees its own standing only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts.account import Principal, Role, actor_of
from fairfollow.errors import GovernanceError, RoleError
from fairfollow.ledger.engine import open_ledger
from fairfollow.release.budget import DEFAULT_LIMITS
from fairfollow.release.budget_store import budget_entries
from fairfollow.settings import Settings
from fairfollow.usecases.budget import CapAsk, own_standing, set_cap, show_budgets
from fairfollow.workspace import Workspace

NOW = datetime(2026, 12, 2, tzinfo=UTC)
OFFICER = Principal("acc-6199aecf23aba7e8", "po", frozenset({Role.PRIVACY_OFFICER}))
ANALYST = Principal("acc-24d4b96f58da6d4a", "ana", frozenset({Role.ANALYST}))
AUDITOR = Principal("acc-4275d71e90f7f09f", "aud", frozenset({Role.AUDITOR}))
HR = Principal("acc-1b52f3a2e1514873", "hr", frozenset(), employer="E0007")


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_only_the_privacy_officer_sets_a_cap_and_the_account_is_recorded(engine: Engine) -> None:
    ask = CapAsk("E0007", 2020, 2.5)
    for refused in (ANALYST, AUDITOR, HR):
        with pytest.raises(RoleError) as caught:
            set_cap(refused, ask, engine, DEFAULT_LIMITS, NOW)
        assert caught.value.params["action"] == "budget.set"
    changed = set_cap(OFFICER, ask, engine, DEFAULT_LIMITS, NOW)
    assert changed.budget.cap == 2.5
    with engine.connect() as conn:
        actors = {row.actor for row in conn.execute(budget_entries.select())}
    assert actors == {actor_of(OFFICER)}
    with pytest.raises(GovernanceError):  # a raise needs a reason (the core's rule)
        set_cap(OFFICER, CapAsk("E0007", 2020, 6.0), engine, DEFAULT_LIMITS, NOW)


def test_staff_and_auditors_see_budgets_an_employer_user_does_not(engine: Engine) -> None:
    set_cap(OFFICER, CapAsk("E0007", 2020, 2.5), engine, DEFAULT_LIMITS, NOW)
    for staff in (ANALYST, AUDITOR):
        found = show_budgets(staff, engine, None)
        assert [b.employer for b in found.found] == ["E0007"]
        assert found.as_json()[0]["epsilon_cap"] == 2.5
    assert show_budgets(ANALYST, engine, "E0001").found == ()
    with pytest.raises(RoleError):
        show_budgets(HR, engine, "E0007")


def test_an_employer_user_sees_its_own_standing_only(engine: Engine, tmp_path: Path) -> None:
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    standing = own_standing(HR, engine, workspace, NOW)
    assert standing.employer == "E0007" and standing.budget.spent == 0.0
    with pytest.raises(RoleError):
        own_standing(ANALYST, engine, workspace, NOW)
