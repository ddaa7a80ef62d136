"""The incident register's tables match their migration on SQLite and PostgreSQL, and an
incident reads back as it was recorded (instants in UTC, flags, categories)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fairfollow.incidents import store
from fairfollow.incidents.incident import IncidentInput
from fairfollow.instants import JST
from fairfollow.law.incidents import IncidentFacts
from fairfollow.ledger.engine import metadata, open_ledger
from fairfollow.ledger.transaction import transaction
from tests.actors import as_actor, compare_type

OURS = ("inc_incidents", "inc_reports")


def test_the_migration_creates_exactly_the_declared_tables(ledger_url: str) -> None:
    assert store.incidents is not None and store.reports is not None
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        diffs = [d for d in compare_metadata(context, metadata) if any(t in repr(d) for t in OURS)]
        present = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert diffs == []
    assert set(OURS) <= present


def test_an_incident_reads_back_as_recorded(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    found_at = datetime(2026, 1, 31, 23, 30, tzinfo=JST)
    facts = IncidentFacts(
        discovered_at=found_at,
        persons=1_001,
        categories=("氏名", "email"),
        unlawful_purpose=True,
        encrypted=True,
        eu_persons=2,
    )
    given = IncidentInput(facts, "漏えい", "設定誤り")
    with transaction(engine) as conn:
        store.insert_incident(
            conn, store.next_id(conn), given, found_at + timedelta(hours=1), as_actor("po"), 7
        )
        (back,) = store.load_incidents(conn)
    engine.dispose()
    assert back.input == given and back.facts.discovered_at.tzinfo == UTC
    assert back.recorded_by == as_actor("po") and back.leaf_index == 7
