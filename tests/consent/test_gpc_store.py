"""GPC: the signal recorded when it changes, as an objection to the purposes that share
beyond the site; a grant of one of them while it is on is kept and recorded as a conflict."""

from __future__ import annotations

from fairfollow.consent import gpc_store
from fairfollow.consent.choice import Choice, choose
from fairfollow.consent.gpc import signal_of
from fairfollow.consent.policy_store import deploy
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from tests.consent_season import FORECAST, at, load_ledger


def test_the_signal_objects_and_a_grant_against_it_is_a_conflict(ledger_url: str) -> None:
    assert signal_of("1") and signal_of(" 1 ") and not signal_of("0") and not signal_of(None)
    engine = open_ledger(ledger_url)
    member = 1
    with transaction(engine) as conn:
        load_ledger(conn)
        deploy(conn, "settings_page", "v2", at(10))
        assert gpc_store.note_signal(conn, member, True, at(11))
        assert not gpc_store.note_signal(conn, member, True, at(12))  # unchanged: no row
        standing = gpc_store.standing(conn, member)
        assert standing.on and standing.objected == (FORECAST,)  # "client employer"
        assert standing.objects_to(FORECAST) and not standing.objects_to("platform_service")
        granted = choose(conn, member, FORECAST, Choice.GRANT, at(13), gpc=True)
        assert granted.standing.verdict.valid  # the explicit grant counts
        choose(conn, member, "platform_service", Choice.GRANT, at(13), gpc=True)  # not sharing
        (conflict,) = gpc_store.standing(conn, member).conflicts
        assert (conflict.purpose_key, conflict.event_id) == (FORECAST, granted.event.event_id)
        assert gpc_store.note_signal(conn, member, False, at(14))
        later = gpc_store.standing(conn, member)
        assert not later.on and not later.objects_to(FORECAST) and later.conflicts
        choose(conn, member, FORECAST, Choice.WITHDRAW, at(15))
        choose(conn, member, FORECAST, Choice.GRANT, at(16))  # signal off: no conflict
        assert len(gpc_store.standing(conn, member).conflicts) == 1
    engine.dispose()
