"""The ledger database: engine creation and migrations (SQLite default, PostgreSQL in production).

Storage modules (``consent_store``, ``log_store`` …) declare their tables on :data:`metadata`
and ship an Alembic revision under ``migrations/versions``; :func:`open_ledger` brings any
database to the newest schema. Every ledger table is append-only: corrections are new rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine

from fairfollow.errors import LedgerError

metadata = MetaData()

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the CLI and a web process use the file at once; busy_timeout makes a writer
    # wait for another instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # pysqlite's deferred BEGIN lets two writers read the same state and then fail on upgrade;
    # taking the write lock at BEGIN serialises read-check-write transactions (privacy budget).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings each backend needs to be safe for concurrency."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # invalid URL or missing driver
        raise LedgerError(f"cannot open ledger at {url!r}: {exc}") from exc
    return engine


def upgrade(engine: Engine) -> None:
    """Apply every Alembic revision not yet applied (all heads)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def open_ledger(url: str) -> Engine:
    """Open the ledger at ``url`` and migrate it to the newest schema."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        upgrade(engine)
    except Exception as exc:
        raise LedgerError(f"cannot migrate ledger at {engine.url!r}: {exc}") from exc
    return engine
