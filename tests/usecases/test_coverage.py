"""Consent coverage: staff and the auditor see the counts, only the privacy officer and an
operator get member ids (the outcome holds none for anyone else), and asking for the ids
without the right is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts.account import Principal, Role
from fairfollow.errors import AuthenticationError, InputError, RoleError
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.engine import open_ledger
from fairfollow.usecases.coverage import CoverageAsk, consent_coverage
from tests.governance_fixtures import AT, seed_consent


def _staff(role: Role) -> Principal:
    return Principal(f"acc-{role.value}", role.value, frozenset({role}))


ASK = CoverageAsk("", AT)  # empty: the purpose the release door checks


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    seed_consent(engine, range(1, 11), range(1, 7))
    yield engine
    engine.dispose()


def test_only_those_allowed_get_member_ids(engine: Engine) -> None:
    for role in (Role.PRIVACY_OFFICER, Role.OPERATOR):
        found = consent_coverage(_staff(role), CoverageAsk("", AT, ids=True), engine)
        assert found.may_see_ids and found.report.lacking == (7, 8, 9, 10)
        assert found.as_json(inline=True)["member_ids"]
    for role in (Role.ANALYST, Role.AUDITOR, Role.REVIEWER):
        found = consent_coverage(_staff(role), ASK, engine)
        assert found.report.purpose_key == PurposeKey.EMPLOYER_FORECAST
        assert found.report.total == 10 and not found.may_see_ids
        assert found.report.lacking == () and "member_ids" not in found.as_json(inline=True)
        with pytest.raises(RoleError) as caught:
            consent_coverage(_staff(role), CoverageAsk("", AT, ids=True), engine)
        assert caught.value.params["action"] == "consent.member_ids"


def test_members_employers_and_nobody_are_refused(engine: Engine) -> None:
    with pytest.raises(AuthenticationError):
        consent_coverage(None, ASK, engine)
    for outsider in (
        Principal("acc-62c66a7a5dd70c31", "m", frozenset(), member_id=1),
        Principal("acc-3f79bb7b435b0532", "e", frozenset(), employer="E0001"),
    ):
        with pytest.raises(RoleError):
            consent_coverage(outsider, ASK, engine)


def test_an_unknown_purpose_is_an_input_error_with_a_code(engine: Engine) -> None:
    with pytest.raises(InputError) as caught:
        consent_coverage(_staff(Role.ANALYST), CoverageAsk("no_such", AT), engine)
    assert caught.value.code == "usecases.unknown_purpose"
    assert caught.value.params["purpose"] == "no_such"
