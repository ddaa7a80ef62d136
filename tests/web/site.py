"""A small served workspace for the web tests: a ledger with log leaves and checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fairfollow.ledger.engine import create_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.keys import NoteSigner, load_or_create_log_signer
from fairfollow.tlog.record import LogRecord
from fairfollow.workspace import Workspace

T0 = datetime(2019, 7, 15, 1, 0, tzinfo=UTC)


def served_workspace(root: Path, ledger_url: str | None = None, rounds: int = 3) -> Settings:
    """A workspace whose log has ``rounds`` checkpoints over 5, 10, 15 … leaves."""
    settings = Settings(home=root, ledger_url=ledger_url)
    workspace = Workspace.from_settings(settings).ensure()
    signer = load_or_create_log_signer(workspace.keys_dir)
    engine = create_ledger(workspace.ledger_url)
    for round_ in range(rounds):
        append_and_sign(engine, signer, round_, T0 + timedelta(hours=round_))
    engine.dispose()
    return settings


def append_and_sign(engine: object, signer: NoteSigner, round_: int, at: datetime) -> None:
    from fairfollow.ledger.transaction import Engine

    assert isinstance(engine, Engine)
    with transaction(engine, "seed log") as conn:
        records = [
            LogRecord("release", f"rel-{round_}-{i}", {"pool": 100 + i, "epsilon": 1.0})
            for i in range(5)
        ]
        log_store.append_many(conn, records)
        log_store.issue_checkpoint(conn, signer, at)
