"""No tying at the activation gate: a version or a screen deployment that makes registering
depend on consent to an employer-facing purpose is refused with its citations, forced or
not; a purpose the service needs may be required."""

from __future__ import annotations

import pytest

from fairfollow.consent import activation_store, tying_store
from fairfollow.consent.policy import ActivationOutcome, GateReason
from fairfollow.errors import InputError
from fairfollow.ledger.transaction import transaction
from tests.actors import as_actor
from tests.consent.test_activation_store import _with_v3
from tests.consent_season import FORECAST, at


@pytest.mark.parametrize("screen", [None, "pc_registration"], ids=["version", "screen"])
def test_a_tied_registration_is_refused_even_when_forced(ledger_url: str, screen: str) -> None:
    engine = _with_v3(ledger_url)
    with transaction(engine) as conn:
        tying_store.require_at_registration(conn, "v3", FORECAST, at(52), screen_id=screen)
        tying_store.require_at_registration(conn, "v3", "platform_service", at(52))
        for forced in (False, True):
            decision = activation_store.activate(
                conn, "v3", at=at(53), actor=as_actor("Sato"), force=forced, reason="deadline"
            )
            assert decision.outcome is ActivationOutcome.REFUSED
            assert GateReason.TIED_CONSENT in decision.reasons
            assert [(p.purpose_key, p.screen_id) for p in decision.tied] == [(FORECAST, screen)]
            assert "ESA Art. 5-5(1)" in decision.citation
            assert "GDPR Art. 7(4)" in decision.citation
    engine.dispose()


def test_a_necessary_purpose_and_a_screen_showing_another_version_do_not_tie(
    ledger_url: str,
) -> None:
    engine = _with_v3(ledger_url)
    with transaction(engine) as conn:
        tying_store.require_at_registration(conn, "v3", "platform_service", at(52))
        # the entry form still shows v1: its tied checkbox is not v3's doing
        tying_store.require_at_registration(conn, "v3", FORECAST, at(52), "entry_form")
        conn.execute(tying_store.registration_terms.select())
        decision = activation_store.activate(conn, "v3", at=at(53), actor=as_actor("Sato"))
    assert decision.tied == () and GateReason.TIED_CONSENT not in decision.reasons
    with pytest.raises(InputError), transaction(engine) as conn:
        tying_store.require_at_registration(conn, "v3", "nothing", at(52))
    engine.dispose()


def test_the_refusal_is_worded_with_its_citations() -> None:
    from fairfollow.consent.policy import ActivationDecision
    from fairfollow.law.tying import TiedPurpose
    from fairfollow.messages.decisions import gate_reasons

    decision = ActivationDecision(
        "v3",
        at(53),
        ActivationOutcome.REFUSED,
        (),
        (GateReason.TIED_CONSENT,),
        as_actor("Sato"),
        tied=(TiedPurpose(FORECAST, "client employer", "dpv:SellInsightsFromData"),),
    )
    (ja,) = gate_reasons(decision, "ja")
    (en,) = gate_reasons(decision, "en")
    assert FORECAST in ja and "職業安定法第5条の5第1項" in ja
    assert FORECAST in en and "GDPR Art. 7(4)" in en


def test_the_tying_and_gpc_migrations_create_exactly_the_declared_tables(
    ledger_url: str,
) -> None:
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from fairfollow.consent import gpc_store
    from fairfollow.ledger.engine import metadata, open_ledger
    from tests.actors import compare_type

    ours = ("consent_registration_terms", "consent_gpc_signals", "consent_gpc_conflicts")
    assert gpc_store.signals is not None and tying_store.registration_terms is not None
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        diffs = [d for d in compare_metadata(context, metadata) if any(t in repr(d) for t in ours)]
        present = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert diffs == [] and set(ours) <= present
