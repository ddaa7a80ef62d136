"""The unit of work: database failures become LedgerError naming the operation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fairfollow.errors import LedgerError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading, transaction


def test_a_database_error_names_the_operation_and_rolls_back(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine, "seed") as conn:
        conn.execute(sa.text("CREATE TABLE t (k INTEGER PRIMARY KEY)"))
    with (
        pytest.raises(LedgerError, match=r"ledger\.operation_failed .*'release forecast'"),
        transaction(engine, "release forecast") as conn,
    ):
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))  # duplicate key
    with reading(engine, "count") as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 0  # rolled back
    engine.dispose()


def test_other_errors_pass_through_unchanged_and_roll_back(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        conn.execute(sa.text("CREATE TABLE u (k INTEGER)"))
    with pytest.raises(KeyError), transaction(engine) as conn:
        conn.execute(sa.text("INSERT INTO u VALUES (1)"))
        raise KeyError("not a database error")
    with reading(engine) as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM u")).scalar() == 0
    engine.dispose()


def test_a_failed_read_names_the_operation(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with (
        pytest.raises(LedgerError, match=r"ledger\.operation_failed .*operation='audit'"),
        reading(engine, "audit") as conn,
    ):
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    engine.dispose()
