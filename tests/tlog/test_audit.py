"""Tampering with the database directly is detected every time, with the leaf's index.

Each case edits the ledger with plain SQL — the way an operator with database access
could — after checkpoints were signed, then runs ``verify`` and ``audit``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fairfollow.ledger.engine import open_ledger
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.audit import AuditReport, audit_log, verify_log
from fairfollow.tlog.keys import generate_signer
from fairfollow.tlog.record import LogRecord, encode_leaf

NOW = datetime(2019, 7, 15, 9, 0, tzinfo=UTC)
SIGNER = generate_signer("fairfollow.test/log")
SIZE = 20
leaves = log_store.log_leaves
nodes = log_store.log_nodes


def release(i: int) -> LogRecord:
    return LogRecord("release", f"rel-{i}", {"pool": 100 + i, "cells": 4})


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    """20 releases with signed checkpoints at sizes 7, 13 and 20."""
    engine = open_ledger(ledger_url)
    with engine.begin() as conn:
        for start, end in [(0, 7), (7, 13), (13, SIZE)]:
            log_store.append_many(conn, [release(i) for i in range(start, end)])
            log_store.issue_checkpoint(conn, SIGNER, NOW)
    yield engine
    engine.dispose()


def _set_leaf(conn: Connection, index: int, **values: object) -> None:
    conn.execute(leaves.update().where(leaves.c.leaf_index == index).values(**values))


def _shift(conn: Connection, start: int, by: int) -> None:
    # Through a distant range, so no unique index sees two rows with one index mid-update.
    where = leaves.c.leaf_index >= start
    conn.execute(leaves.update().where(where).values(leaf_index=leaves.c.leaf_index + 1000))
    moved = leaves.c.leaf_index >= 1000
    conn.execute(leaves.update().where(moved).values(leaf_index=leaves.c.leaf_index - 1000 + by))


def _forged(index: int, claim: int | None = None) -> dict[str, object]:
    content = encode_leaf(
        LogRecord("release", "forged", {"pool": 5}), index if claim is None else claim
    )
    return {
        "leaf_index": index,
        "kind": "release",
        "ref": "forged",
        "content": content.decode(),
        "leaf_hash": merkle.leaf_hash(content),
    }


def edit_content(conn: Connection) -> None:
    content = encode_leaf(LogRecord("release", "rel-5", {"pool": 1, "cells": 4}), 5)
    _set_leaf(conn, 5, content=content.decode())


def edit_content_and_hash(conn: Connection) -> None:
    content = encode_leaf(LogRecord("release", "rel-5", {"pool": 1, "cells": 4}), 5)
    _set_leaf(conn, 5, content=content.decode(), leaf_hash=merkle.leaf_hash(content))


def edit_everything_below_the_root(conn: Connection) -> None:
    """A careful forger: rewrites leaf 5 and every stored hash above it."""
    edit_content_and_hash(conn)
    rows = conn.execute(sa.select(leaves.c.leaf_hash).order_by(leaves.c.leaf_index)).scalars()
    hashes = list(rows)
    conn.execute(nodes.delete())
    frontier: list[tuple[int, bytes]] = []
    for index, value in enumerate(hashes):
        for level, node in merkle.push_leaf(frontier, value):
            conn.execute(nodes.insert().values(level=level, node_index=index >> level, hash=node))


def delete_one(conn: Connection) -> None:
    conn.execute(leaves.delete().where(leaves.c.leaf_index == 5))


def delete_last(conn: Connection) -> None:
    conn.execute(leaves.delete().where(leaves.c.leaf_index == SIZE - 1))


def delete_and_renumber(conn: Connection) -> None:
    delete_one(conn)
    _shift(conn, 6, -1)


def insert_and_renumber(conn: Connection) -> None:
    _shift(conn, 8, 1)
    conn.execute(leaves.insert().values(**_forged(8)))


def insert_claiming_a_taken_index(conn: Connection) -> None:
    conn.execute(leaves.insert().values(**_forged(SIZE, claim=8)))


def swap_two(conn: Connection) -> None:
    rows = {
        i: conn.execute(sa.select(leaves).where(leaves.c.leaf_index == i)).one()._mapping
        for i in (3, 11)
    }
    for here, there in [(3, 11), (11, 3)]:
        values = {k: v for k, v in rows[there].items() if k != "leaf_index"}
        _set_leaf(conn, here, **values)


def swap_adjacent_by_index(conn: Connection) -> None:
    _set_leaf(conn, 9, leaf_index=1009)
    _set_leaf(conn, 10, leaf_index=9)
    _set_leaf(conn, 1009, leaf_index=10)


# name → (tamper, finding kind expected, leaf index it must name); the tamper touches
# leaves under a signed checkpoint unless the index is SIZE or more.
CASES: dict[str, tuple[Callable[[Connection], None], str, int]] = {
    "modified content": (edit_content, "modified", 5),
    "modified content and hash": (edit_content_and_hash, "subtree", 5),
    "modified content and all stored hashes": (edit_everything_below_the_root, "checkpoint", 5),
    "deleted leaf": (delete_one, "deleted", 5),
    "deleted last leaf": (delete_last, "deleted", SIZE - 1),
    "deleted and renumbered": (delete_and_renumber, "deleted", 5),
    "inserted and renumbered": (insert_and_renumber, "inserted", 8),
    "inserted duplicate index": (insert_claiming_a_taken_index, "inserted", 8),
    "inserted after the checkpoints": (insert_claiming_a_taken_index, "reordered", SIZE),
    "swapped leaves": (swap_two, "reordered", 3),
    "swapped leaves (other)": (swap_two, "reordered", 11),
    "swapped neighbours": (swap_adjacent_by_index, "reordered", 9),
}


def _names(report: AuditReport, kind: str, index: int) -> bool:
    for finding in report.findings:
        if finding.kind != kind or finding.index is None:
            continue
        end = finding.index + 1 if finding.end is None else finding.end
        if finding.index <= index < end:
            return True
    return False


def test_untouched_log_passes(engine: Engine) -> None:
    with engine.connect() as conn:
        verification = verify_log(conn, SIGNER.verifier)
        report = audit_log(conn, SIGNER.verifier)
    assert verification.ok and verification.tree_size == SIZE and verification.checkpoints == 3
    assert report.ok and report.unsigned_leaves == 0, report.findings


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_detected_with_its_index(engine: Engine, case: str) -> None:
    tamper, kind, index = CASES[case]
    with engine.begin() as conn:
        tamper(conn)
    with engine.connect() as conn:
        verification = verify_log(conn, SIGNER.verifier)
        report = audit_log(conn, SIGNER.verifier)
    assert not verification.ok
    assert not report.ok
    assert _names(report, kind, index), report.findings
    if case != "inserted duplicate index" and case != "inserted after the checkpoints":
        assert any(f.kind == "checkpoint" for f in report.findings), "signed roots disagree"


def test_forged_checkpoint_row_and_edited_node_are_reported(engine: Engine) -> None:
    checkpoints = log_store.log_checkpoints
    bad_signature = base64.b64encode(SIGNER.verifier.key_id + bytes(64)).decode()
    with engine.begin() as conn:
        conn.execute(checkpoints.update().where(checkpoints.c.tree_size == 7).values(tree_size=6))
        conn.execute(
            checkpoints.update()
            .where(checkpoints.c.tree_size == 13)
            .values(note=checkpoints.c.note + f"— {SIGNER.name} {bad_signature}\n")
        )
        conn.execute(nodes.update().where(nodes.c.level == 1).values(hash=b"\x01" * 32))
    with engine.connect() as conn:
        report = audit_log(conn, SIGNER.verifier)
        verification = verify_log(conn, SIGNER.verifier)
    details = " | ".join(f.detail for f in report.findings)
    assert "checkpoint 1: the size or root column differs" in details
    assert "checkpoint 2:" in details
    assert _names(report, "subtree", 0) and _names(report, "subtree", 19)
    assert not verification.ok


def test_append_after_the_last_checkpoint_is_counted_as_unsigned(engine: Engine) -> None:
    """Nothing but a signature vouches for a leaf: the audit says how many lack one."""
    with engine.begin() as conn:
        log_store.append(conn, release(SIZE))
    with engine.connect() as conn:
        report = audit_log(conn, SIGNER.verifier)
    assert report.ok and report.unsigned_leaves == 1 and report.signed_size == SIZE


def _truncate(conn: Connection, size: int) -> None:
    """Leaves past ``size`` gone, and the subtree hashes that covered them."""
    conn.execute(leaves.delete().where(leaves.c.leaf_index >= size))
    for level, index in conn.execute(sa.select(nodes.c.level, nodes.c.node_index)).all():
        if (index + 1) << level > size:
            conn.execute(
                nodes.delete().where((nodes.c.level == level) & (nodes.c.node_index == index))
            )


def _restore_old_backup(conn: Connection, size: int) -> None:
    """The ledger as an old backup held it: leaves and checkpoints past ``size`` gone."""
    _truncate(conn, size)
    checkpoints = log_store.log_checkpoints
    conn.execute(checkpoints.delete().where(checkpoints.c.tree_size > size))


def test_a_ledger_older_than_the_checkpoint_file_fails_verify_and_audit(engine: Engine) -> None:
    with engine.connect() as conn:
        notes = [c.note for c in log_store.list_checkpoints(conn)]  # the plain file's copy
    with engine.begin() as conn:
        _restore_old_backup(conn, 13)
    with engine.connect() as conn:
        assert verify_log(conn, SIGNER.verifier).ok  # consistent in itself: 13 leaves, 2 heads
        result = verify_log(conn, SIGNER.verifier, mirrored=notes)
        report = audit_log(conn, SIGNER.verifier, mirrored=notes)
    assert not result.ok
    assert result.problems == (
        "the latest checkpoint (size 13) is older than the checkpoint file, which recorded "
        "size 20: the log was rolled back or this is a stale view",
    )
    assert [(f.index, f.end) for f in report.findings if f.kind == "rollback"] == [(13, 20)]


def test_a_latest_checkpoint_smaller_than_an_earlier_one_is_a_rollback(engine: Engine) -> None:
    with engine.begin() as conn:  # an old signed head served again as the latest one
        old = log_store.list_checkpoints(conn)[1]
        conn.execute(
            log_store.log_checkpoints.insert().values(
                tree_size=old.size,
                root_hash=old.root,
                note=old.note,
                key_name=old.key_name,
                issued_at=NOW,
            )
        )
    with engine.connect() as conn:
        result = verify_log(conn, SIGNER.verifier)
        report = audit_log(conn, SIGNER.verifier)
    assert any("older than checkpoint 3, which recorded size 20" in p for p in result.problems)
    rollbacks = [f for f in report.findings if f.kind == "rollback"]
    assert [(f.index, f.end) for f in rollbacks] == [(13, 20)]


def test_the_checkpoint_file_of_the_same_log_is_no_finding(engine: Engine) -> None:
    with engine.connect() as conn:
        notes = [c.note for c in log_store.list_checkpoints(conn)]
        assert verify_log(conn, SIGNER.verifier, mirrored=notes).ok
        assert audit_log(conn, SIGNER.verifier, mirrored=notes).ok
