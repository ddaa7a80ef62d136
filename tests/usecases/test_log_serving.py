"""Serving a workspace that holds a ledger: the log key a fresh workspace lacks is made,
but never over a log that has signed checkpoints (a lost key is restored, not replaced)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.errors import ConfigError
from fairfollow.ledger.engine import create_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.settings import Settings
from fairfollow.tlog.checkpoint_file import LogPublisher, publish_checkpoint
from fairfollow.tlog.keys import SIGNER_FILE
from fairfollow.usecases.log import prepare_serving
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace


def test_a_fresh_workspace_gets_its_log_key_and_serves(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "ws")
    workspace = Workspace.from_settings(settings).ensure()
    engine = create_ledger(workspace.ledger_url)
    with pytest.raises(ConfigError) as before:  # the web app alone invents nothing
        create_app(settings)
    assert before.value.code == "web.no_log_key"
    assert prepare_serving(workspace, engine).created_log_key
    assert (workspace.keys_dir / SIGNER_FILE).exists()
    assert not prepare_serving(workspace, engine).created_log_key  # nothing more to make
    create_app(settings)
    engine.dispose()


def test_a_lost_key_of_a_signed_log_is_not_replaced(tmp_path: Path) -> None:
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    engine = create_ledger(workspace.ledger_url)
    with transaction(engine, "sign") as conn:
        publish_checkpoint(conn, LogPublisher.of_workspace(workspace), datetime.now(UTC))
    (workspace.keys_dir / SIGNER_FILE).unlink()
    with pytest.raises(ConfigError) as refused:
        prepare_serving(workspace, engine)
    assert refused.value.code == "usecases.log_key_lost"
    assert not (workspace.keys_dir / SIGNER_FILE).exists()
    engine.dispose()
