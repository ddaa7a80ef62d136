"""The tampering table of issue 27, re-run with the defaults a deployment has.

Issue 11's table (``test_witness.py``) built its log by hand. Here the log is the one the
replay leaves behind: every checkpoint issued by the release door itself and published to
the outside copy (``log-checkpoints.txt``) on the way — nobody ran ``log checkpoint``. A
witness has followed it (``log witness``). Then an insider with the database (and, for the
key, the workspace's key file) tampers, and ``fairfollow log audit`` — as an operator or
auditor runs it — must fail each time: against the outside copy alone, and with the
witness (``--witness``), which also names a split view.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.keys import KeyFile
from fairfollow.ledger.engine import open_ledger
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import Checkpoint, sign_checkpoint
from fairfollow.tlog.keys import NoteSigner, generate_signer, load_or_create_log_signer
from fairfollow.tlog.record import LogRecord, encode_leaf
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace

runner = CliRunner()
SIGNER_FILE = KeyFile.LOG_SIGNER.value
leaves, nodes, checkpoints = log_store.log_leaves, log_store.log_nodes, log_store.log_checkpoints
Tamper = Callable[[Connection, Workspace, NoteSigner], None]


def _rehash(conn: Connection) -> None:
    hashes = list(
        conn.execute(sa.select(leaves.c.leaf_hash).order_by(leaves.c.leaf_index)).scalars()
    )
    conn.execute(nodes.delete())
    frontier: list[tuple[int, bytes]] = []
    for index, value in enumerate(hashes):
        for level, node in merkle.push_leaf(frontier, value):
            conn.execute(nodes.insert().values(level=level, node_index=index >> level, hash=node))


def _rewrite_leaf(conn: Connection, index: int) -> None:
    content = encode_leaf(LogRecord("release", "forged", {"epsilon": 0.0}), index)
    conn.execute(
        leaves.update()
        .where(leaves.c.leaf_index == index)
        .values(content=content.decode(), leaf_hash=merkle.leaf_hash(content))
    )
    _rehash(conn)


def _resign(conn: Connection, signer: NoteSigner) -> None:
    """Every checkpoint row re-signed by ``signer`` over the tree the ledger now holds."""
    for row in list(conn.execute(sa.select(checkpoints))):
        root = log_store.root_at(conn, row.tree_size)
        note = sign_checkpoint(Checkpoint(signer.name, row.tree_size, root), signer)
        conn.execute(
            checkpoints.update()
            .where(checkpoints.c.checkpoint_id == row.checkpoint_id)
            .values(note=note, root_hash=root)
        )


def delete_middle_checkpoint(conn: Connection, _ws: Workspace, _key: NoteSigner) -> None:
    sizes = sorted(conn.execute(sa.select(checkpoints.c.tree_size)).scalars())
    middle = sizes[len(sizes) // 2]
    conn.execute(checkpoints.delete().where(checkpoints.c.tree_size == middle))


def rewrite_leaf_drop_checkpoints(conn: Connection, _ws: Workspace, _key: NoteSigner) -> None:
    _rewrite_leaf(conn, 5)
    conn.execute(checkpoints.delete())


def replace_key_and_resign(conn: Connection, ws: Workspace, key: NoteSigner) -> None:
    forger = generate_signer(key.name)  # the same log name, another key
    _resign(conn, forger)
    (ws.keys_dir / SIGNER_FILE).write_text(forger.encode() + "\n")  # the workspace's key now


def split_view(conn: Connection, _ws: Workspace, key: NoteSigner) -> None:
    """Another tree of the same sizes under the log's own key (the insider has the file)."""
    _rewrite_leaf(conn, 5)
    _resign(conn, key)


# case → (tamper, the finding kinds `log audit` must report with the outside copy alone,
#          and the kinds it must report with the witness too)
CASES: dict[str, tuple[Tamper, set[str], set[str]]] = {
    "a middle checkpoint deleted": (delete_middle_checkpoint, {"checkpoint"}, {"checkpoint"}),
    "a leaf rewritten, every checkpoint deleted": (
        rewrite_leaf_drop_checkpoints, {"checkpoint"}, {"checkpoint"},
    ),
    "the key replaced, everything re-signed": (replace_key_and_resign, {"key"}, {"key"}),
    "a split view under the log's own key": (split_view, {"checkpoint"}, {"split"}),
}  # fmt: skip


def _audit(ws: Workspace, *extra: str) -> tuple[int, set[str]]:
    result = runner.invoke(app, ["-w", str(ws.root), "log", "audit", "--json", *extra])
    kinds = {f["kind"] for f in json.loads(result.stdout)["findings"]}
    return result.exit_code, kinds


@pytest.mark.parametrize("case", list(CASES))
def test_the_tampering_table_with_deployment_defaults(
    replayed_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LOG_PUBLIC_KEY", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    ws = Workspace(copy_workspace(replayed_workspace, tmp_path / "ws"))
    witness = tmp_path / "witness"
    followed = runner.invoke(app, ["-w", str(ws.root), "log", "witness", "--store", str(witness)])
    assert followed.exit_code == 0, followed.output
    assert _audit(ws) == (0, set())  # the replay's log passes as it is
    assert _audit(ws, "--witness", str(witness)) == (0, set())
    key = load_or_create_log_signer(ws.keys_dir)
    tamper, alone, witnessed = CASES[case]
    engine = open_ledger(ws.ledger_url)
    with engine.begin() as conn:
        tamper(conn, ws, key)
    engine.dispose()
    code, kinds = _audit(ws)
    assert code == 1 and alone <= kinds, kinds
    code, kinds = _audit(ws, "--witness", str(witness))
    assert code == 1 and witnessed <= kinds, kinds
