"""The reader engine never writes and never waits for the writer (SQLite WAL, PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from fairfollow.ledger.engine import make_reader, open_ledger
from fairfollow.ledger.transaction import reading, transaction


def test_a_reader_refuses_to_write(ledger_url: str) -> None:
    reader = make_reader(ledger_url)
    with pytest.raises(Exception, match=r"(?i)read.?only"), reader.begin() as conn:
        conn.execute(sa.text("CREATE TABLE nope (k INTEGER)"))
    reader.dispose()


def test_a_reader_answers_while_a_writer_holds_its_transaction(ledger_url: str) -> None:
    writer = open_ledger(ledger_url)
    with transaction(writer) as conn:
        conn.execute(sa.text("CREATE TABLE t (k INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    reader = make_reader(ledger_url)
    holding, release = threading.Event(), threading.Event()

    def write() -> None:
        with transaction(writer) as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (2)"))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=write)
    thread.start()
    assert holding.wait(10)
    try:
        with reading(reader) as conn:  # the writer holds the write lock right now
            seen = conn.execute(sa.text("SELECT count(*) FROM t")).scalar()
    finally:
        release.set()
        thread.join(10)
    assert seen == 1  # the committed state, without waiting for the writer
    with reading(reader) as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 2
    reader.dispose()
    writer.dispose()
