"""The tampering table of issue 11, re-run: what a careless or dishonest operator with the
database (and the workspace's key file) can do to the log, and what catches it.

Columns: the audit of the database alone (the workspace's own key), with the plain
checkpoint file kept outside the database, with the log's key pinned in settings, and with
a witness. Every case is caught when a witness is configured; the README states the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fairfollow.errors import TransparencyLogError
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.audit import audit_log
from fairfollow.tlog.checkpoint import Checkpoint, sign_checkpoint
from fairfollow.tlog.checkpoint_file import append_notes, read_notes
from fairfollow.tlog.cosignature import cosignature_time
from fairfollow.tlog.keys import NoteSigner, generate_signer
from fairfollow.tlog.receipt import issue_receipt, verify_receipt
from fairfollow.tlog.record import LogRecord, encode_leaf
from fairfollow.tlog.witness import Witness, send_checkpoints

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
SIGNER = generate_signer("fairfollow.test/log")
SIZE = 20
leaves, nodes, checkpoints = log_store.log_leaves, log_store.log_nodes, log_store.log_checkpoints


def release(i: int) -> LogRecord:
    return LogRecord("release", f"rel-{i}", {"pool": 100 + i, "cells": 4})


@dataclass
class Logged:
    engine: Engine
    witness: Witness
    mirror: Path
    signer: NoteSigner = SIGNER


def _build(url: str, tmp: Path, witness: Witness, changed: int | None = None) -> Logged:
    """20 releases; checkpoints at 7, 13 and 20, each copied to the file and witnessed."""
    engine = open_ledger(url)
    mirror = tmp / "log-checkpoints.txt"
    for start, end in [(0, 7), (7, 13), (13, SIZE)]:
        with engine.begin() as conn:
            records = [release(i if i != changed else 1000 + i) for i in range(start, end)]
            log_store.append_many(conn, records)
            log_store.issue_checkpoint(conn, SIGNER, NOW)
            append_notes(mirror, [c.note for c in log_store.list_checkpoints(conn)])
            send_checkpoints(conn, witness, SIGNER.verifier, NOW)
    return Logged(engine, witness, mirror)


@pytest.fixture
def logged(ledger_url: str, tmp_path: Path) -> Iterator[Logged]:
    found = _build(ledger_url, tmp_path, Witness(tmp_path / "witness"))
    yield found
    found.engine.dispose()


def _set_leaf(conn: Connection, index: int, **values: object) -> None:
    conn.execute(leaves.update().where(leaves.c.leaf_index == index).values(**values))


def _rehash_nodes(conn: Connection) -> None:
    hashes = list(
        conn.execute(sa.select(leaves.c.leaf_hash).order_by(leaves.c.leaf_index)).scalars()
    )
    conn.execute(nodes.delete())
    frontier: list[tuple[int, bytes]] = []
    for index, value in enumerate(hashes):
        for level, node in merkle.push_leaf(frontier, value):
            conn.execute(nodes.insert().values(level=level, node_index=index >> level, hash=node))


def modify_leaf(conn: Connection) -> None:
    _set_leaf(conn, 5, content=encode_leaf(release(99), 5).decode())


def delete_leaf(conn: Connection) -> None:
    conn.execute(leaves.delete().where(leaves.c.leaf_index == 5))


def insert_leaf(conn: Connection) -> None:
    content = encode_leaf(release(77), SIZE + 1)
    conn.execute(
        leaves.insert().values(
            leaf_index=8 + 1000, kind="release", ref="x", content=content.decode(),
            leaf_hash=merkle.leaf_hash(content),
        )
    )  # fmt: skip
    conn.execute(leaves.update().where(leaves.c.leaf_index == 8).values(leaf_index=SIZE))
    conn.execute(leaves.update().where(leaves.c.leaf_index == 1008).values(leaf_index=8))


def swap_leaves(conn: Connection) -> None:
    _set_leaf(conn, 9, leaf_index=1009)
    _set_leaf(conn, 10, leaf_index=9)
    _set_leaf(conn, 1009, leaf_index=10)


def delete_middle_checkpoint(conn: Connection) -> None:
    conn.execute(checkpoints.delete().where(checkpoints.c.tree_size == 13))


def truncate_with_checkpoints(conn: Connection) -> None:
    conn.execute(leaves.delete().where(leaves.c.leaf_index >= 13))
    conn.execute(checkpoints.delete().where(checkpoints.c.tree_size > 13))
    _rehash_nodes(conn)


def rewrite_and_drop_checkpoints(conn: Connection) -> None:
    content = encode_leaf(release(99), 5)
    _set_leaf(conn, 5, content=content.decode(), leaf_hash=merkle.leaf_hash(content))
    _rehash_nodes(conn)
    conn.execute(checkpoints.delete())


FORGER = generate_signer(SIGNER.name)  # same name, another key


def replace_key_and_resign(conn: Connection) -> None:
    rows = list(conn.execute(sa.select(checkpoints)))
    for row in rows:
        note = sign_checkpoint(Checkpoint(SIGNER.name, row.tree_size, row.root_hash), FORGER)
        conn.execute(
            checkpoints.update()
            .where(checkpoints.c.checkpoint_id == row.checkpoint_id)
            .values(note=note)
        )


# case → (tamper, [caught by the database alone, + checkpoint file, + pinned key, + witness])
NO, YES = False, True
CASES: dict[str, tuple[Callable[[Connection], None], tuple[bool, bool, bool, bool]]] = {
    "modified leaf": (modify_leaf, (YES, YES, YES, YES)),
    "deleted leaf": (delete_leaf, (YES, YES, YES, YES)),
    "inserted leaf": (insert_leaf, (YES, YES, YES, YES)),
    "swapped leaves": (swap_leaves, (YES, YES, YES, YES)),
    "deleted middle checkpoint": (delete_middle_checkpoint, (NO, YES, NO, YES)),
    "truncated leaves, their checkpoints too": (truncate_with_checkpoints, (NO, YES, NO, YES)),
    "rewritten leaf, checkpoints deleted": (rewrite_and_drop_checkpoints, (NO, YES, NO, YES)),
    "replaced key, everything re-signed": (replace_key_and_resign, (NO, YES, YES, YES)),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_the_tampering_table(logged: Logged, case: str) -> None:
    tamper, expected = CASES[case]
    with logged.engine.connect() as conn:
        assert audit_log(conn, SIGNER.verifier, witnessed=logged.witness.log(SIGNER.name)).ok
    key_in_use = FORGER.verifier if case.startswith("replaced key") else SIGNER.verifier
    with logged.engine.begin() as conn:
        tamper(conn)
    with logged.engine.connect() as conn:
        alone = audit_log(conn, key_in_use)
        with_file = audit_log(conn, key_in_use, mirrored=read_notes(logged.mirror))
        pinned = audit_log(conn, SIGNER.verifier)  # FAIRFOLLOW_LOG_PUBLIC_KEY
        witnessed = audit_log(conn, key_in_use, witnessed=logged.witness.log(SIGNER.name))
    caught = (not alone.ok, not with_file.ok, not pinned.ok, not witnessed.ok)
    assert caught == expected, (alone.findings, with_file.findings, witnessed.findings)


def test_the_witness_refuses_truncation_and_a_replaced_key(logged: Logged) -> None:
    with logged.engine.begin() as conn:
        truncate_with_checkpoints(conn)
        log_store.append_many(conn, [release(50)])
        log_store.issue_checkpoint(conn, SIGNER, NOW)  # size 14, not an extension of 20
    with (
        logged.engine.begin() as conn,
        pytest.raises(TransparencyLogError, match=r"tlog\.log_truncated"),
    ):
        send_checkpoints(conn, logged.witness, SIGNER.verifier, NOW)
    note = sign_checkpoint(Checkpoint(SIGNER.name, 30, bytes(32)), FORGER)
    with pytest.raises(TransparencyLogError, match=r"tlog\.log_key_replaced"):
        logged.witness.observe(note, FORGER.verifier, [], NOW)


def test_a_split_view_is_refused_and_its_receipt_fails(
    logged: Logged, ledger_url: str, tmp_path: Path
) -> None:
    """Two trees of size 20 under one key: the witness cosigns only the first, so a receipt
    from the second verifies with the log key alone but not with the witness key."""
    other_url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    create_ledger(other_url).dispose()
    shadow = Witness(tmp_path / "shadow-witness")  # the forger's view needs its own history
    other = _build(other_url, tmp_path / "o", shadow, changed=15)
    with other.engine.connect() as conn:
        stored = log_store.latest_checkpoint(conn)
    assert stored is not None and stored.size == SIZE
    with pytest.raises(TransparencyLogError, match=r"tlog\.split_view"):
        logged.witness.observe(stored.note, SIGNER.verifier, [], NOW)
    witness_key = logged.witness.signer.verifier
    with logged.engine.begin() as conn:
        honest = issue_receipt(conn, 3, SIGNER, NOW).encode()
    with other.engine.begin() as conn:
        forged = issue_receipt(conn, 3, SIGNER, NOW).encode()
    assert verify_receipt(honest, SIGNER.verifier).valid
    assert verify_receipt(forged, SIGNER.verifier).valid  # without a witness: both pass
    assert verify_receipt(honest, SIGNER.verifier, witnesses=[witness_key]).valid
    check = verify_receipt(forged, SIGNER.verifier, witnesses=[witness_key])
    assert not check.valid and "tlog.cosignature_missing" in check.reason
    other.engine.dispose()


def test_cosignatures_follow_c2sp_tlog_cosignature(logged: Logged) -> None:
    with logged.engine.connect() as conn:
        stored = log_store.latest_checkpoint(conn)
    assert stored is not None
    verifier = logged.witness.signer.verifier
    assert cosignature_time(stored.note, verifier) == int(NOW.timestamp())
    assert (
        verifier.key_id
        == __import__("hashlib")
        .sha256(verifier.name.encode() + b"\n\x04" + verifier.public_key)
        .digest()[:4]
    )
    tampered = stored.note.replace("\n20\n", "\n21\n", 1)
    with pytest.raises(TransparencyLogError):
        cosignature_time(tampered, verifier)
    seen = logged.witness.log(SIGNER.name)
    assert seen is not None and [h.size for h in seen.history] == [7, 13, SIZE]
