from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fairfollow.intake import pool_store  # noqa: F401  (declare tables)
from fairfollow.ledger.engine import metadata, open_ledger
from fairfollow.records import (
    decision_store,
    provision_store,  # noqa: F401
)
from fairfollow.release import budget_store  # noqa: F401  (declares its tables)
from fairfollow.services import store  # noqa: F401
from tests.actors import as_actor, compare_type

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def _gov_diffs(diffs: list[object]) -> list[object]:
    def names(diff: object) -> str:
        return repr(diff)

    return [d for d in diffs if "gov_" in names(d)]


def test_migration_creates_exactly_the_declared_tables(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        diffs = _gov_diffs(compare_metadata(context, metadata))
        declared = {t for t in metadata.tables if t.startswith("gov_")}
        present = {t for t in sa.inspect(conn).get_table_names() if t.startswith("gov_")}
    engine.dispose()
    assert diffs == []
    assert declared == present and len(declared) == 13  # gov_role_events went to acct_


def test_decision_records_round_trip(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    record = decision_store.DecisionRecord(
        request="release_forecast",
        outcome="deny",
        reason="pool_too_small",
        actor=as_actor("cli"),
        at=NOW,
        detail='{"pool": 3}',
        service_id="svc",
        service_version=1,
        employer="E0001",
        season=2020,
    )
    with engine.begin() as conn:
        decision_id = decision_store.record_decision(conn, record)
    with engine.connect() as conn:
        (loaded,) = decision_store.load_decisions(conn, employer="E0001")
    engine.dispose()
    assert loaded.decision_id == decision_id
    assert loaded.at == NOW and loaded.reason == "pool_too_small" and loaded.season == 2020
