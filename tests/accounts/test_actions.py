"""The one action table: every action names audiences that exist; each role's reach."""

from __future__ import annotations

import pytest

from fairfollow.accounts.account import Principal, Role
from fairfollow.accounts.actions import ALLOWED, Action, Audience, audiences_of, permits, require
from fairfollow.errors import AuthenticationError, RoleError

ANALYST = Principal("acc-a", "a", frozenset({Role.ANALYST}))
MEMBER = Principal("acc-m", "m", frozenset(), member_id=7)
EMPLOYER = Principal("acc-e", "e", frozenset(), employer="E0001")


def test_every_action_is_in_the_table_and_open_to_someone() -> None:
    assert set(ALLOWED) == set(Action)
    assert all(ALLOWED[action] for action in Action)


def test_every_role_is_an_audience() -> None:
    assert {Audience(role.value) for role in Role} <= set(Audience)


def test_an_analyst_may_see_internal_figures_but_not_raise_a_budget() -> None:
    assert require(ANALYST, Action.RELEASE_INTERNAL) is ANALYST
    with pytest.raises(RoleError) as refused:
        require(ANALYST, Action.BUDGET_SET)
    assert refused.value.code == "accounts.action_refused"
    assert refused.value.params["action"] is Action.BUDGET_SET


def test_nobody_signed_in_is_asked_to_sign_in() -> None:
    with pytest.raises(AuthenticationError) as refused:
        require(None, Action.MEMBER_READ)
    assert refused.value.code == "accounts.sign_in_required"
    assert permits(None, Action.LOG_READ)


def test_member_and_employer_accounts_reach_only_their_own_kind() -> None:
    assert permits(MEMBER, Action.MEMBER_READ) and not permits(MEMBER, Action.EMPLOYER_READ)
    assert permits(EMPLOYER, Action.EMPLOYER_FORECAST) and not permits(EMPLOYER, Action.MEMBER_READ)
    assert not permits(EMPLOYER, Action.RELEASE_FORECAST)  # the staff action, not the employer's


def test_the_shell_runs_the_pipeline_and_the_web_never_does() -> None:
    assert permits(None, Action.PIPELINE_RUN, local=True)
    assert not permits(None, Action.PIPELINE_RUN)
    assert Audience.LOCAL not in audiences_of(ANALYST)
