"""The activation gate in the ledger: every decision kept, versions going live or not."""

from __future__ import annotations

import pytest

from fairfollow.consent import activation_store, policy_store
from fairfollow.consent.policy import ActivationOutcome, PolicyStatus, PolicyVersion, StatusEvent
from fairfollow.errors import InputError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from tests.actors import as_actor
from tests.consent_season import V2_AT, VERSIONS, at, load_ledger

V3 = PolicyVersion("v3", at(60), VERSIONS[1].purposes, "第3版", "Version 3")


def _with_v3(ledger_url: str) -> object:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        policy_store.add_version(conn, V3, at=at(50), actor=as_actor("po"))
        policy_store.set_status(
            conn, StatusEvent("v3", PolicyStatus.APPROVED, at(51), as_actor("po"))
        )
        for screen in ("pc_registration", "settings_page"):
            policy_store.deploy(conn, screen, "v3", at(52))
    return engine


def test_a_refused_activation_is_recorded_and_changes_nothing(ledger_url: str) -> None:
    engine = _with_v3(ledger_url)
    with transaction(engine) as conn:
        decision = activation_store.activate(conn, "v3", at=at(53), actor=as_actor("Sato"))
    assert decision.outcome is ActivationOutcome.REFUSED
    assert [(s.screen_id, s.displayed) for s in decision.lagging] == [("entry_form", "v1")]
    with engine.connect() as conn:
        assert policy_store.statuses(conn)["v3"] is PolicyStatus.APPROVED
        assert policy_store.statuses(conn)["v2"] is PolicyStatus.ACTIVE
        last = activation_store.activation_history(conn)[-1]
    assert (last.version_id, last.outcome, last.actor) == ("v3", "refused", as_actor("Sato"))
    assert last.lagging == (("entry_form", "v1"),)
    engine.dispose()


def test_a_forced_activation_records_who_and_why_and_retires_the_old_version(
    ledger_url: str,
) -> None:
    engine = _with_v3(ledger_url)
    with transaction(engine) as conn:
        decision = activation_store.activate(
            conn, "v3", at=at(53), actor=as_actor("Sato"), force=True, reason="legal deadline"
        )
    assert decision.outcome is ActivationOutcome.FORCED
    with engine.connect() as conn:
        assert policy_store.statuses(conn) == {
            "v1": PolicyStatus.RETIRED,
            "v2": PolicyStatus.RETIRED,
            "v3": PolicyStatus.ACTIVE,
        }
        live = policy_store.status_history(conn, "v3")[-1]
        last = activation_store.activation_history(conn)[-1]
        view = activation_store.overview(conn, at(54))
    assert (live.forced, live.actor, live.reason) == (True, as_actor("Sato"), "legal deadline")
    assert (last.outcome, last.reason) == ("forced", "legal deadline")
    lagging = {row.screen.screen_id for row in view.screens if row.lagging}
    assert view.active == ("v3",) and lagging == {"entry_form"}
    engine.dispose()


def test_activation_succeeds_once_the_lagging_screen_is_updated(ledger_url: str) -> None:
    engine = _with_v3(ledger_url)
    with transaction(engine) as conn:
        policy_store.deploy(conn, "entry_form", "v3", at(53))
        decision = activation_store.activate(conn, "v3", at=at(53), actor=as_actor("Sato"))
    assert decision.outcome is ActivationOutcome.ACTIVATED and decision.lagging == ()
    with pytest.raises(InputError), transaction(engine) as conn:
        activation_store.activate(conn, "v9", at=at(54), actor=as_actor("Sato"))
    engine.dispose()


def test_the_replayed_history_shows_v2_was_forced_over_the_entry_form(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
    with engine.connect() as conn:
        history = activation_store.activation_history(conn)
    assert [(d.version_id, d.outcome) for d in history] == [("v1", "activated"), ("v2", "forced")]
    assert history[1].at == V2_AT and history[1].lagging == (("entry_form", "v1"),)
    engine.dispose()
