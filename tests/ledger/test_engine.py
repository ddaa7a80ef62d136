from __future__ import annotations

import sqlalchemy as sa

from fairfollow.ledger.engine import open_ledger


def test_open_ledger_migrates_to_heads_and_is_idempotent(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    open_ledger(ledger_url).dispose()  # a second open applies nothing and does not fail
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT value FROM ledger_meta WHERE key='schema'")).scalar()
        heads = conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
    assert value == "fairfollow-ledger"
    assert heads is not None and heads >= 1
    engine.dispose()
