"""Receipts: issued from the store (SQLite and PostgreSQL), verified offline with only the
file and the public key; a wrong key, a wrong leaf or a stale checkpoint never verifies."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from fairfollow.ledger.engine import open_ledger
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import Checkpoint, sign_checkpoint
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.keys import NoteSigner, NoteVerifier, generate_signer
from fairfollow.tlog.receipt import HEADER, Receipt, issue_receipt, parse_receipt, verify_receipt
from fairfollow.tlog.record import LogRecord

NOW = datetime(2019, 7, 15, 9, 0, tzinfo=UTC)
SIGNER = generate_signer("fairfollow.test/log")


def release(i: int) -> LogRecord:
    return LogRecord("release", f"rel-{i}", {"employer": f"emp-{i % 3}", "pool": 100 + i})


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    """A log of 20 releases with checkpoints at sizes 7 and 20."""
    engine = open_ledger(ledger_url)
    with engine.begin() as conn:
        log_store.append_many(conn, [release(i) for i in range(7)])
        log_store.issue_checkpoint(conn, SIGNER, NOW)
        log_store.append_many(conn, [release(i) for i in range(7, 20)])
        log_store.issue_checkpoint(conn, SIGNER, NOW)
    yield engine
    engine.dispose()


def _receipt(engine: Engine, index: int, signer: NoteSigner = SIGNER) -> Receipt:
    with TemporaryDirectory() as outside, engine.begin() as conn:
        publisher = LogPublisher(signer, Path(outside) / "log-checkpoints.txt")
        return issue_receipt(conn, index, publisher, NOW)


def test_receipt_verifies_offline_with_only_file_and_key(engine: Engine) -> None:
    receipt = _receipt(engine, 12)
    text = receipt.encode()
    assert text.startswith(HEADER + "\nextra ") and "\nindex 12\n" in text
    assert parse_receipt(text) == receipt
    check = verify_receipt(text, SIGNER.verifier)
    assert check.valid, check.reason
    assert (check.index, check.tree_size, check.record) == (12, 20, release(12))


def test_receipt_for_an_unsigned_leaf_signs_a_new_checkpoint(engine: Engine) -> None:
    with engine.begin() as conn:
        log_store.append(conn, release(20))
    receipt = _receipt(engine, 20)
    check = verify_receipt(receipt.encode(), SIGNER.verifier)
    assert check.valid and check.tree_size == 21
    with engine.connect() as conn:
        assert [c.size for c in log_store.list_checkpoints(conn)] == [7, 20, 21]


def test_wrong_key_wrong_leaf_and_stale_checkpoint_fail(engine: Engine) -> None:
    receipt = _receipt(engine, 12)
    other = _receipt(engine, 3)
    with engine.connect() as conn:
        old_note = log_store.list_checkpoints(conn)[0].note  # size 7, validly signed
        root = log_store.root_at(conn, 20)
    impostor = generate_signer(SIGNER.name)  # same name, another key
    impostor_note = sign_checkpoint(Checkpoint(SIGNER.name, 20, root), impostor)
    note, proof, leaf = receipt.checkpoint_note, receipt.proof, receipt.leaf
    cases: list[tuple[str, Receipt, NoteVerifier, str | None]] = [
        ("wrong key", receipt, impostor.verifier, None),
        ("impostor checkpoint", Receipt(12, proof, impostor_note, leaf), SIGNER.verifier, None),
        ("wrong leaf", Receipt(12, proof, note, other.leaf), SIGNER.verifier, None),
        ("wrong index", Receipt(13, proof, note, leaf), SIGNER.verifier, None),
        ("stale, not covering", Receipt(12, proof, old_note, leaf), SIGNER.verifier, None),
        ("stale, covering", Receipt(3, other.proof, old_note, other.leaf), SIGNER.verifier, None),
        ("truncated proof", Receipt(12, proof[:-1], note, leaf), SIGNER.verifier, None),
        ("extended proof", Receipt(12, (*proof, proof[0]), note, leaf), SIGNER.verifier, None),
        ("other origin", receipt, SIGNER.verifier, "elsewhere.example/log"),
    ]
    assert verify_receipt(receipt.encode(), SIGNER.verifier).valid
    for name, candidate, verifier, origin in cases:
        assert not verify_receipt(candidate.encode(), verifier, origin).valid, name


def test_a_leaf_moved_to_another_index_fails(engine: Engine) -> None:
    """Even a correct proof for position 12 cannot vouch for a leaf that names index 11."""
    receipt = _receipt(engine, 12)
    with engine.connect() as conn:
        leaf_11 = log_store.read_leaf(conn, 11).content
    moved = Receipt(12, receipt.proof, receipt.checkpoint_note, leaf_11)
    assert not verify_receipt(moved.encode(), SIGNER.verifier).valid


def test_malformed_receipts_are_refused_not_raised(engine: Engine) -> None:
    text = _receipt(engine, 5).encode()
    extra_line = text.split("\n")[1]
    for broken in [
        "",
        text.replace(HEADER, "c2sp.org/tlog-proof@v2"),
        text.replace("index 5", "index 05"),
        text.replace("index 5", "index -5"),
        text.replace(extra_line + "\n", ""),
        text.replace(extra_line, extra_line[:-2]),
        text.split("\n\n")[0],
    ]:
        assert not verify_receipt(broken, SIGNER.verifier).valid

    @settings(max_examples=150, deadline=None)
    @given(position=st.integers(0, len(text) - 1), char=st.characters(codec="utf-8"))
    def mutated(position: int, char: str) -> None:
        changed = text[:position] + char + text[position + 1 :]
        check = verify_receipt(changed, SIGNER.verifier)
        if check.valid:  # only a change the format ignores may still verify
            assert parse_receipt(changed).leaf == parse_receipt(text).leaf

    mutated()


def test_receipt_extra_line_is_the_leaf_in_base64(engine: Engine) -> None:
    receipt = _receipt(engine, 0)
    extra = receipt.encode().split("\n")[1].removeprefix("extra ")
    assert base64.b64decode(extra) == receipt.leaf
    assert b'"index":0' in receipt.leaf
