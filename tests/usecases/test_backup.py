"""Backup and restore of a workspace: published whole or not at all, refused when altered,
and never a rollback behind a checkpoint the world has seen."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.errors import ConfigError, TransparencyLogError
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import append_notes
from fairfollow.tlog.keys import load_or_create_log_signer
from fairfollow.tlog.record import LogRecord
from fairfollow.tlog.witness import Witness, send_checkpoints
from fairfollow.usecases.backup import MANIFEST, back_up, check_backup, restore
from fairfollow.workspace import Workspace
from tests.usecases.conftest import is_postgres

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def grow(workspace: Workspace, start: int, end: int, witness: Witness | None = None) -> None:
    """Append leaves start..end-1, sign a checkpoint, mirror it to the plain file (and send
    it to ``witness``), as the release door and `log checkpoint` do."""
    signer = load_or_create_log_signer(workspace.keys_dir)
    engine = open_ledger(workspace.ledger_url)
    with engine.begin() as conn:
        records = [LogRecord("note", f"n-{i}", {"i": i}) for i in range(start, end)]
        log_store.append_many(conn, records)
        log_store.issue_checkpoint(conn, signer, NOW)
        append_notes(workspace.checkpoint_file, [c.note for c in log_store.list_checkpoints(conn)])
        if witness is not None:
            send_checkpoints(conn, witness, signer.verifier, NOW)
    engine.dispose()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ledger_url: str) -> Workspace:
    """A workspace with a log of 5 leaves, on each backend (the ``ledger_url`` fixture)."""
    monkeypatch.delenv("FAIRFOLLOW_LOG_PUBLIC_KEY", raising=False)
    if is_postgres(ledger_url):
        monkeypatch.setenv("FAIRFOLLOW_LEDGER_URL", ledger_url)  # for the CLI's subprocesses
        workspace = Workspace(tmp_path / "ws", ledger_url_override=ledger_url).ensure()
    else:
        monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
        workspace = Workspace(tmp_path / "ws").ensure()
        create_ledger(workspace.ledger_url).dispose()
    grow(workspace, 0, 5)
    (workspace.models_dir / "model.txt").write_text("a model\n", encoding="utf-8")
    return workspace


def ledger_file(workspace: Workspace) -> str:
    """The ledger's file in a backup: SQLite's online copy, or PostgreSQL's dump."""
    return "ledger.pgdump" if is_postgres(workspace.ledger_url) else "ledger.sqlite"


def tree(workspace: Workspace) -> tuple[int, bytes]:
    engine = open_ledger(workspace.ledger_url)
    with engine.connect() as conn:
        size = log_store.tree_size(conn)
        found = size, log_store.root_at(conn, size)
    engine.dispose()
    return found


def test_a_backup_restores_into_a_new_directory_that_verifies(
    workspace: Workspace, tmp_path: Path, empty_ledger: Callable[[], str | None]
) -> None:
    manifest = back_up(workspace, tmp_path / "b1", NOW)
    assert (manifest.log_size, manifest.log_root) == tree(workspace)
    assert manifest.backend == ("postgresql" if is_postgres(workspace.ledger_url) else "sqlite")
    expected = {ledger_file(workspace), "log-checkpoints.txt", "models/model.txt"}
    assert expected <= set(manifest.files)
    assert any(name.startswith("keys/") for name in manifest.files)
    assert not list(tmp_path.glob(".*.partial"))  # the temporary name is gone
    grow(workspace, 5, 9)  # the live log moves on after the snapshot
    into = empty_ledger()
    restored = restore(tmp_path / "b1", tmp_path / "r1", ledger_url=into, checkpoint_files=[])
    assert restored.tree_size == 5 and restored.checkpoints == 1
    back = Workspace(tmp_path / "r1", ledger_url_override=into)
    assert not (back.root / "ledger.pgdump").exists()  # the dump went into the database
    assert tree(back)[0] == 5
    for key in (back.keys_dir).iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    assert (back.models_dir / "model.txt").read_text(encoding="utf-8") == "a model\n"
    # the restored tree is a prefix of the live one
    engine = open_ledger(workspace.ledger_url)
    with engine.connect() as conn:
        assert log_store.root_at(conn, 5) == tree(back)[1]
    engine.dispose()
    with pytest.raises(ConfigError) as exists:
        restore(tmp_path / "b1", tmp_path / "r1", ledger_url=empty_ledger())
    assert exists.value.code == "ops.restore_target_exists"
    with pytest.raises(ConfigError) as again:
        back_up(workspace, tmp_path / "b1", NOW)
    assert again.value.code == "ops.backup_exists"


@pytest.mark.parametrize("damage", ["flip", "delete", "add", "manifest"])
def test_an_altered_or_incomplete_backup_is_refused(
    workspace: Workspace, tmp_path: Path, damage: str, empty_ledger: Callable[[], str | None]
) -> None:
    back_up(workspace, tmp_path / "b", NOW)
    ledger = tmp_path / "b" / ledger_file(workspace)
    if damage == "flip":  # one byte changed
        data = bytearray(ledger.read_bytes())
        data[len(data) // 2] ^= 0x01
        ledger.write_bytes(bytes(data))
    elif damage == "delete":
        (tmp_path / "b" / "models" / "model.txt").unlink()
    elif damage == "add":
        (tmp_path / "b" / "keys" / "planted.key").write_text("x", encoding="utf-8")
    else:
        (tmp_path / "b" / MANIFEST).unlink()
    with pytest.raises(ConfigError) as refused:
        restore(tmp_path / "b", tmp_path / "r", ledger_url=empty_ledger())
    expected = "ops.backup_incomplete" if damage == "manifest" else "ops.backup_altered"
    assert refused.value.code == expected
    if damage == "flip":
        assert refused.value.params["file"] == ledger_file(workspace)
    assert not (tmp_path / "r").exists()


def test_a_restore_behind_the_outside_checkpoint_file_is_refused(
    workspace: Workspace, tmp_path: Path, empty_ledger: Callable[[], str | None]
) -> None:
    back_up(workspace, tmp_path / "old", NOW)
    grow(workspace, 5, 12)  # checkpoint of 12 leaves now in the live outside copy
    outside = [workspace.checkpoint_file]
    with pytest.raises(TransparencyLogError) as refused:
        restore(
            tmp_path / "old", tmp_path / "r", ledger_url=empty_ledger(), checkpoint_files=outside
        )
    assert refused.value.code == "ops.restore_rolls_back"
    assert refused.value.params["seen"] == 12 and refused.value.params["size"] == 5
    assert not (tmp_path / "r").exists() and not list(tmp_path.glob(".r.*"))
    back_up(workspace, tmp_path / "new", NOW)  # a backup after it restores
    done = restore(
        tmp_path / "new", tmp_path / "r", ledger_url=empty_ledger(), checkpoint_files=outside
    )
    assert done.tree_size == 12 and done.seen_size == 12


def test_a_restore_older_than_the_witness_last_checkpoint_is_refused(
    workspace: Workspace, tmp_path: Path, empty_ledger: Callable[[], str | None]
) -> None:
    witness = Witness(tmp_path / "witness")
    grow(workspace, 5, 6, witness)
    back_up(workspace, tmp_path / "old", NOW)
    seen = [witness.directory]
    ok = restore(tmp_path / "old", tmp_path / "ok", ledger_url=empty_ledger(), witnesses=seen)
    assert ok.tree_size == 6
    grow(workspace, 6, 10, witness)
    with pytest.raises(TransparencyLogError) as refused:
        restore(tmp_path / "old", tmp_path / "r", ledger_url=empty_ledger(), witnesses=seen)
    assert refused.value.code == "ops.restore_rolls_back"
    assert refused.value.params["seen"] == 10 and str(refused.value.params["where"]) == "witness"


def test_a_restored_log_that_fails_its_audit_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A backup whose manifest was rewritten to match a tampered ledger still fails."""
    if is_postgres(workspace.ledger_url):
        pytest.skip("tampers with the SQLite copy's pages; the dump is checked by its hash")
    back_up(workspace, tmp_path / "b", NOW)
    import sqlite3

    ledger = tmp_path / "b" / "ledger.sqlite"
    with sqlite3.connect(ledger) as con:
        con.execute("UPDATE log_leaves SET content = replace(content, '\"i\":2', '\"i\":7')")
    import hashlib
    import json

    manifest = json.loads((tmp_path / "b" / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["ledger.sqlite"] = hashlib.sha256(ledger.read_bytes()).hexdigest()
    (tmp_path / "b" / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    check_backup(tmp_path / "b")
    with pytest.raises(TransparencyLogError) as refused:
        restore(tmp_path / "b", tmp_path / "r")
    assert refused.value.code == "ops.restore_unverified"
    assert not (tmp_path / "r").exists()


KILLABLE = """
import sys, time
from pathlib import Path
import fairfollow.usecases.backup as backup
real, marker = backup._copy_plain_files, Path(sys.argv[2])
def slow(workspace, target):
    real(workspace, target)
    marker.write_text("copying")
    time.sleep(60)
backup._copy_plain_files = slow
from fairfollow.cli.app import main
sys.argv = ["fairfollow", "-w", sys.argv[1], "backup", sys.argv[3]]
main()
"""


def test_a_backup_killed_part_way_publishes_nothing(
    workspace: Workspace, tmp_path: Path, empty_ledger: Callable[[], str | None]
) -> None:
    marker, dest = tmp_path / "marker", tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(workspace.root), str(marker), str(dest)], env=env
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the backup never reached its copy"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not dest.exists()
    (leftover,) = tmp_path.glob(".killed.*.partial")  # only the hidden temporary name
    with pytest.raises(ConfigError) as refused:
        restore(leftover, tmp_path / "r", ledger_url=empty_ledger())
    assert refused.value.code == "ops.backup_incomplete"
