"""The log store on SQLite and PostgreSQL: agreement with the pure module, O(log n) work,
fail-closed appends and checkpoint issuance."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from fairfollow.errors import LogAppendError, TransparencyLogError
from fairfollow.ledger.engine import open_ledger
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.keys import generate_signer
from fairfollow.tlog.record import LogRecord, decode_leaf

NOW = datetime(2019, 7, 15, 9, 0, tzinfo=UTC)
LEAVES = 2500


def record(i: int) -> LogRecord:
    return LogRecord("release-decision", f"dec-{i}", {"outcome": "denied", "rule": "appi-27-1"})


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_store_matches_pure_module_for_random_sizes(engine: Engine) -> None:
    rng = random.Random(6962)  # batch sizes vary so appends start at every kind of frontier
    done = 0
    with engine.begin() as conn:
        log_store.append(conn, record(0))
        done = 1
    while done < LEAVES:
        batch = min(LEAVES - done, rng.choice([1, 2, 3, 7, 64, 300]))
        with engine.begin() as conn:
            refs = log_store.append_many(conn, [record(i) for i in range(done, done + batch)])
        assert [ref.index for ref in refs] == list(range(done, done + batch))
        done += batch
    with engine.connect() as conn:
        leaves = list(log_store.iter_leaves(conn, batch=700))
    hashes = [leaf.leaf_hash for leaf in leaves]
    assert [leaf.index for leaf in leaves] == list(range(LEAVES))
    assert all(merkle.leaf_hash(leaf.content) == leaf.leaf_hash for leaf in leaves)
    assert decode_leaf(leaves[17].content).record == record(17)
    prefix_roots: dict[int, bytes] = {}

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(size=st.integers(1, LEAVES), data=st.data())
    def agree(size: int, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, size - 1))
        size1 = data.draw(st.integers(0, size))
        tree_root = prefix_roots.setdefault(size, merkle.root(hashes[:size]))
        with engine.connect() as conn:
            assert log_store.root_at(conn, size) == tree_root
            proof = log_store.inclusion_proof(conn, index, size)
            consistency = log_store.consistency_proof(conn, size1, size)
        assert proof == merkle.inclusion_proof(hashes, index, size)
        assert merkle.verify_inclusion(hashes[index], index, size, proof, tree_root)
        assert consistency == merkle.consistency_proof(hashes, size1, size)

    agree()


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", count)
    return seen


def test_append_and_proof_touch_a_logarithmic_number_of_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        log_store.append_many(conn, [record(i) for i in range(1023)])
    seen = _statements(engine)
    with engine.begin() as conn:
        log_store.append(conn, record(1023))  # completes a 1024-leaf perfect tree
    writes = [s for s in seen if s.lstrip().upper().startswith("INSERT")]
    assert len(writes) == 2 and len(seen) <= 6  # (lock,) size, frontier, leaf, nodes
    with engine.connect() as conn:
        nodes = conn.execute(sa.select(sa.func.count()).select_from(log_store.log_nodes)).scalar()
        assert nodes == 1023  # one per complete subtree of two or more leaves
        seen.clear()
        proof = log_store.inclusion_proof(conn, 517, 1024)
    assert len(proof) == 10 and len(seen) == 2  # size check and one keyed lookup


def test_failed_append_rolls_back_the_record_it_belongs_to(engine: Engine) -> None:
    meta = sa.table("ledger_meta", sa.column("key"), sa.column("value"))
    with engine.begin() as conn:
        log_store.append(conn, record(0))
        # Damage: a subtree hash where the next append must write one.
        conn.execute(log_store.log_nodes.insert().values(level=1, node_index=0, hash=b"x" * 32))
    with pytest.raises(LogAppendError), engine.begin() as conn:
        conn.execute(meta.insert().values(key="release-1", value="sent"))
        log_store.append(conn, record(1))
    with pytest.raises(LogAppendError), engine.begin() as conn:
        conn.execute(meta.insert().values(key="release-2", value="sent"))
        log_store.append(conn, LogRecord("release", "r", {"noise": float("nan")}))
    with engine.connect() as conn:
        keys = set(conn.execute(sa.select(meta.c.key)).scalars())
        assert "release-1" not in keys and "release-2" not in keys
        assert log_store.tree_size(conn) == 1


def test_swallowing_the_append_error_cannot_commit_the_record(engine: Engine) -> None:
    meta = sa.table("ledger_meta", sa.column("key"), sa.column("value"))
    with engine.connect() as conn:
        conn.begin()
        conn.execute(meta.insert().values(key="release-3", value="sent"))
        with contextlib.suppress(LogAppendError):  # a careless caller carries on…
            log_store.append(conn, LogRecord("release", "r", {"noise": float("inf")}))
        conn.commit()  # …but the transaction is already gone
    with engine.connect() as conn:
        assert conn.execute(sa.select(meta.c.key).where(meta.c.key == "release-3")).first() is None


def test_a_leaf_over_64_kib_is_refused_with_its_size(engine: Engine) -> None:
    fits = LogRecord("release", "r", {"pad": "x" * (log_store.MAX_LEAF_BYTES - 200)})
    with engine.begin() as conn:
        log_store.append(conn, fits)
    with pytest.raises(LogAppendError) as refused, engine.begin() as conn:
        log_store.append(conn, LogRecord("release", "r", {"pad": "x" * 0x10000}))
    assert refused.value.code == "tlog.leaf_too_large"
    assert refused.value.params["size"] > log_store.MAX_LEAF_BYTES
    with engine.connect() as conn:
        assert log_store.tree_size(conn) == 1


def test_append_outside_a_transaction_is_refused(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(LogAppendError):
        log_store.append(conn, record(0))


def test_checkpoints_are_signed_kept_and_reused(engine: Engine) -> None:
    signer = generate_signer()
    with engine.begin() as conn:
        empty = log_store.issue_checkpoint(conn, signer, NOW)
        log_store.append_many(conn, [record(i) for i in range(5)])
        first = log_store.issue_checkpoint(conn, signer, NOW)
        again = log_store.issue_checkpoint(conn, signer, NOW)
    assert (empty.size, empty.root) == (0, merkle.EMPTY_ROOT)
    assert again.checkpoint_id == first.checkpoint_id
    signed = open_checkpoint(first.note, signer.verifier)
    assert (signed.size, signed.root) == (5, first.root)
    with engine.connect() as conn:
        stored = log_store.list_checkpoints(conn)
        assert [c.size for c in stored] == [0, 5] and stored[1].issued_at == NOW
        assert log_store.find_leaf(conn, "release-decision", "dec-3") is not None
        assert log_store.find_leaf(conn, "release", "dec-3") is None
        with pytest.raises(TransparencyLogError):
            log_store.inclusion_proof(conn, 5, 5)
        with pytest.raises(TransparencyLogError):
            log_store.consistency_proof(conn, 2, 6)


def test_checkpoint_refuses_to_sign_an_edited_past(engine: Engine) -> None:
    signer = generate_signer()
    with engine.begin() as conn:
        log_store.append_many(conn, [record(i) for i in range(6)])
        log_store.issue_checkpoint(conn, signer, NOW)
        log_store.append(conn, record(6))
        conn.execute(
            log_store.log_nodes.update()
            .where(log_store.log_nodes.c.level == 2, log_store.log_nodes.c.node_index == 0)
            .values(hash=b"\x00" * 32)
        )
    with (
        pytest.raises(TransparencyLogError, match=r"tlog\.log_does_not_extend"),
        engine.begin() as conn,
    ):
        log_store.issue_checkpoint(conn, signer, NOW)
    with (
        pytest.raises(TransparencyLogError, match=r"tlog\.signer_key_rotated"),
        engine.begin() as conn,
    ):
        log_store.issue_checkpoint(conn, generate_signer(), NOW)


def test_migration_matches_the_declared_tables(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    for table in (log_store.log_leaves, log_store.log_nodes, log_store.log_checkpoints):
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert list(columns) == [c.name for c in table.columns]
        assert all(columns[c.name]["nullable"] == c.nullable for c in table.columns)
        key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert key == [c.name for c in table.primary_key.columns]
    indexes = {i["name"] for i in inspector.get_indexes("log_leaves")}
    assert "ix_log_leaves_ref" in indexes
