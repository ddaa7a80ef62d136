"""The one actor format: made, written and read back the same way, and nothing else parses."""

from __future__ import annotations

import pytest

from fairfollow.accounts.account import Principal, Role, actor_of
from fairfollow.actor import SYSTEM, Actor, is_actor, parse_actor, system_actor
from fairfollow.errors import GovernanceError

HANAKO = Principal("acc-0123456789abcdef", "hanako", frozenset({Role.OPERATOR}))


def test_a_principal_acts_as_its_id_and_login() -> None:
    actor = actor_of(HANAKO)
    assert str(actor) == "hanako (acc-0123456789abcdef)"
    assert parse_actor(str(actor)) == actor and not actor.is_system


def test_system_actors_have_the_same_form_and_distinct_ids() -> None:
    assert str(system_actor("replay")) == "replay (sys-replay)"
    assert all(is_actor(str(a)) and a.is_system for a in SYSTEM)
    assert len({a.account_id for a in SYSTEM}) == len(SYSTEM)


@pytest.mark.parametrize(
    "old",
    [
        "hanako",
        "account:hanako",
        "employer-portal",
        "acc-0123456789abcdef",
        "privacy officer (demo)",
        "hanako (acc-xyz)",
        "hanako  (acc-0123456789abcdef)",
        "",
    ],
)
def test_the_five_old_forms_do_not_parse(old: str) -> None:
    assert not is_actor(old)
    with pytest.raises(GovernanceError) as refused:
        parse_actor(old)
    assert refused.value.code == "accounts.actor_malformed"


@pytest.mark.parametrize(("account_id", "login"), [("acc-1", "x"), ("acc-0123456789abcdef", "")])
def test_an_actor_cannot_be_built_outside_the_form(account_id: str, login: str) -> None:
    with pytest.raises(GovernanceError):
        Actor(account_id, login)
