"""A member's own decisions on the settings page, and their standing, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from fairfollow.consent import store as consent_store
from fairfollow.consent.choice import Choice, choose, standings
from fairfollow.consent.coverage_store import valid_members
from fairfollow.errors import InputError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from tests.consent_season import AS_OF, EXPECTED, FORECAST, V1_AT, load_ledger


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
    yield engine
    engine.dispose()


def test_each_members_standing_is_the_ledgers_verdict_with_the_screen_and_text(
    engine: Engine,
) -> None:
    with transaction(engine) as conn:
        found = {m: {s.purpose.key: s for s in standings(conn, m, AS_OF)} for m in EXPECTED}
    assert {m: s[FORECAST].verdict.reason.value for m, s in found.items()} == EXPECTED
    stale = found[2][FORECAST]
    assert stale.decided is not None and stale.decided.event.screen_id == "entry_form"
    assert stale.decided.version_shown is not None
    assert stale.decided.version_shown.version_id == "v1"  # what that screen really showed
    assert stale.portal_version is not None and stale.portal_version.version_id == "v2"
    assert stale.can_grant and not stale.can_withdraw
    assert found[4][FORECAST].decided is None and found[4][FORECAST].history == ()


def test_a_withdrawal_ends_consent_for_the_next_release(engine: Engine) -> None:
    with transaction(engine) as conn:
        assert 1 in valid_members(conn, FORECAST, AS_OF)
        done = choose(conn, 1, FORECAST, Choice.WITHDRAW, AS_OF)
        assert 1 not in valid_members(conn, FORECAST, AS_OF)
        assert 1 in valid_members(conn, FORECAST, AS_OF - timedelta(seconds=1))
        last = consent_store.load_events(conn, member_id=1)[-1]
    assert done.standing.verdict.reason.value == "withdrawn"
    assert (last.action.value, last.screen_id, last.method) == (
        "withdraw",
        "settings_page",
        "member_portal",
    )


def test_a_grant_counts_only_where_the_page_displays_the_purpose(engine: Engine) -> None:
    with transaction(engine) as conn:
        again = choose(conn, 2, FORECAST, Choice.GRANT, AS_OF)  # stale grant made good
        assert again.standing.verdict.valid and again.event.version_recorded == "v2"
        assert 2 in valid_members(conn, FORECAST, AS_OF)
        before = len(consent_store.load_events(conn))
        with pytest.raises(InputError, match=r"consent\.grant_(not_covered|no_version)"):
            choose(conn, 4, FORECAST, Choice.GRANT, V1_AT + timedelta(days=30))  # v1 shown
        assert len(consent_store.load_events(conn)) == before
        with pytest.raises(InputError, match=r"consent\.member_unknown"):
            standings(conn, 99, AS_OF)
