"""Policy, screen and deployment tables on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fairfollow.consent import activation_store, policy_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.policy import PolicyStatus, StatusEvent
from fairfollow.errors import InputError, LedgerError
from fairfollow.ledger.engine import metadata, open_ledger
from fairfollow.ledger.transaction import transaction
from tests.actors import as_actor, compare_type
from tests.consent_season import (
    DEPLOYMENTS,
    JST,
    PURPOSES,
    SCREENS,
    V2_AT,
    VERSIONS,
    at,
    load_ledger,
)

OURS = (
    "consent_purposes",
    "policy_versions",
    "policy_version_purposes",
    "policy_status_events",
    "policy_activation_decisions",
    "consent_screens",
    "screen_deployments",
    "consent_members",
    "consent_events",
    "consent_quarantine",
)


def test_the_migration_creates_exactly_the_declared_tables(ledger_url: str) -> None:
    assert activation_store.activation_decisions is not None  # tables declared on metadata
    assert consent_store.events is not None
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        diffs = [d for d in compare_metadata(context, metadata) if any(t in repr(d) for t in OURS)]
        present = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert diffs == []
    assert set(OURS) <= present


def test_instants_are_stored_in_utc_and_read_back_aware(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
    with engine.connect() as conn:
        version = policy_store.load_versions(conn)["v2"]
        raw = conn.execute(
            sa.text("SELECT effective_at FROM policy_versions WHERE version_id='v2'")
        )
        stored = raw.scalar_one()
    engine.dispose()
    assert version.effective_at == V2_AT and version.effective_at.tzinfo is UTC
    # 2019-03-01T00:00+09:00 is kept as 2019-02-28 15:00 UTC on both backends.
    text = stored if isinstance(stored, str) else stored.astimezone(UTC).isoformat(" ")
    assert text.startswith("2019-02-28 15:00:00")


def test_naive_instants_never_reach_the_database(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with pytest.raises(LedgerError), transaction(engine) as conn:
        conn.execute(
            policy_store.versions.insert().values(
                version_id="vx", effective_at=datetime(2019, 1, 1), text_ja="j", text_en="e"
            )
        )
    engine.dispose()


def test_records_are_idempotent_and_never_silently_redefined(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        assert policy_store.add_purposes(conn, PURPOSES) == 0
        assert policy_store.add_screens(conn, SCREENS) == 0
        assert policy_store.add_deployments(conn, DEPLOYMENTS) == 0
        assert policy_store.add_version(conn, VERSIONS[0], at=V2_AT, actor=as_actor("t")) is False
    with (
        pytest.raises(InputError, match=r"consent\.recorded_differently"),
        transaction(engine) as conn,
    ):
        policy_store.add_purposes(conn, [replace(PURPOSES[1], output="scores per student")])
    with pytest.raises(InputError), transaction(engine) as conn:
        policy_store.add_version(
            conn, replace(VERSIONS[0], purposes=frozenset()), at=V2_AT, actor=as_actor("t")
        )
    with engine.connect() as conn:
        assert policy_store.load_purposes(conn)[PURPOSES[1].key] == PURPOSES[1]
        assert policy_store.load_versions(conn) == {v.version_id: v for v in VERSIONS}
        assert list(policy_store.load_screens(conn).values()) == sorted(
            SCREENS, key=lambda s: s.screen_id
        )
        assert policy_store.load_deployments(conn) == sorted(
            DEPLOYMENTS, key=lambda d: (d.deployed_at, d.deploy_id)
        )
    engine.dispose()


def test_status_events_follow_the_allowed_transitions(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        assert policy_store.statuses(conn) == {
            "v1": PolicyStatus.RETIRED,
            "v2": PolicyStatus.ACTIVE,
        }
        history = [(e.version_id, e.status) for e in policy_store.status_history(conn)]
    assert history[:2] == [("v1", PolicyStatus.DRAFT), ("v1", PolicyStatus.APPROVED)]
    with (
        pytest.raises(InputError, match=r"consent\.transition_refused \(current='retired'"),
        transaction(engine) as conn,
    ):
        policy_store.set_status(
            conn, StatusEvent("v1", PolicyStatus.APPROVED, at(1), as_actor("po"))
        )
    with (
        pytest.raises(InputError, match=r"consent\.activation_required"),
        transaction(engine) as conn,
    ):
        policy_store.set_status(conn, StatusEvent("v1", PolicyStatus.ACTIVE, at(1), as_actor("po")))
    engine.dispose()


def test_deploy_records_a_new_deployment_and_refuses_unknown_names(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        deployment = policy_store.deploy(conn, "entry_form", "v2", at(40).astimezone(JST))
        assert deployment.deploy_id > max(d.deploy_id for d in DEPLOYMENTS)
        assert policy_store.displayed_now(conn, at(40))["entry_form"] == "v2"
        assert policy_store.displayed_now(conn, at(40) - timedelta(seconds=1))["entry_form"] == (
            "v1"
        )
    for screen, version in (("nowhere", "v2"), ("entry_form", "v9")):
        with pytest.raises(InputError), transaction(engine) as conn:
            policy_store.deploy(conn, screen, version, at(41))
    engine.dispose()
