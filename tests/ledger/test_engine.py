from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from fairfollow.errors import LedgerError
from fairfollow.ledger.engine import create_ledger, make_engine, open_ledger, schema_heads, upgrade


def test_create_ledger_migrates_to_heads_and_is_idempotent(ledger_url: str) -> None:
    engine = create_ledger(ledger_url)
    create_ledger(ledger_url).dispose()  # a second upgrade applies nothing and does not fail
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT value FROM ledger_meta WHERE key='schema'")).scalar()
        heads = {row[0] for row in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}
    assert value == "fairfollow-ledger"
    assert heads == schema_heads() and len(heads) >= 1
    engine.dispose()


def test_open_ledger_does_not_migrate(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)  # the fixture made it current: opening is allowed
    with engine.begin() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
    engine.dispose()
    assert before == len(schema_heads())


def test_a_missing_embedded_ledger_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match=r"ledger\.missing"):
        open_ledger(f"sqlite:///{tmp_path / 'nothing.sqlite'}")
    assert not (tmp_path / "nothing.sqlite").exists()


def test_a_ledger_behind_the_code_is_refused_by_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    upgrade(engine, "0000_base")  # a ledger written by a version with only the base schema
    engine.dispose()
    ledger_url = url
    with pytest.raises(LedgerError, match=r"ledger\.schema_behind"):
        open_ledger(ledger_url)
    create_ledger(ledger_url).dispose()  # `db upgrade` brings it back
    open_ledger(ledger_url).dispose()
