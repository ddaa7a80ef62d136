"""Fixtures of the use-case tests: where a restore puts its ledger on each backend."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa


def is_postgres(url: str | None) -> bool:
    return bool(url) and not str(url).startswith("sqlite")


@pytest.fixture
def empty_ledger(ledger_url: str) -> Iterator[Callable[[], str | None]]:
    """Where a restore puts its ledger: in the restored directory on SQLite (None), a new
    empty database on PostgreSQL (one per call: a refused restore may have filled one)."""
    made: list[str] = []

    def make() -> str | None:
        if not is_postgres(ledger_url):
            return None
        name = f"r_{uuid.uuid4().hex[:16]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return ledger_url.rsplit("/", 1)[0] + f"/{name}"

    admin = sa.create_engine(ledger_url, isolation_level="AUTOCOMMIT")
    yield make
    with admin.connect() as conn:
        for name in made:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
