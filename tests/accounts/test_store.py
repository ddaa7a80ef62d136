"""The account tables: declared exactly as migrations ``acct_0001``/``acct_0002`` create them."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fairfollow.accounts import session_store  # noqa: F401 - declares acct_sessions
from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import Account, Role
from fairfollow.ledger.engine import metadata, open_ledger
from tests.actors import as_actor, compare_type

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def test_migration_creates_exactly_the_declared_tables(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        diffs = [d for d in compare_metadata(context, metadata) if "acct_" in repr(d)]
        present = {t for t in sa.inspect(conn).get_table_names() if t.startswith("acct_")}
        assert "gov_role_events" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    assert diffs == []
    assert present == {t for t in metadata.tables if t.startswith("acct_")}
    assert len(present) == 6


def test_roles_follow_the_latest_grant_or_revocation(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with engine.begin() as conn:
        account_store.add_account(conn, Account("acc-1", "aiko", "Aiko", NOW))
        for role, granted in ((Role.REVIEWER, True), (Role.ANALYST, True), (Role.REVIEWER, False)):
            account_store.set_role(
                conn, "acc-1", role, granted=granted, by=as_actor("acc-0"), at=NOW
            )
        assert account_store.roles_of(conn, "acc-1") == {Role.ANALYST}
        assert account_store.roles_of(conn, "acc-nobody") == frozenset()
        assert account_store.holders_of(conn, Role.ANALYST) == ["acc-1"]
        found = account_store.find_account(conn, login="aiko")
        assert found is not None and found.account_id == "acc-1" and not found.disabled
    engine.dispose()
