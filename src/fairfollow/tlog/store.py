"""The transparency log in the ledger database: leaves, stored subtree hashes, checkpoints.

Three append-only tables (SQLite and PostgreSQL, migration ``tlog_0001``):

- ``log_leaves``: index, kind, ref, canonical-JSON content and its leaf hash;
- ``log_nodes``: the hash of every complete perfect subtree of two or more leaves, keyed
  ``(level, node_index)`` as CT servers keep them (level 0 is ``log_leaves.leaf_hash``), so
  an append writes O(log n) rows and a proof or a root reads O(log n) hashes;
- ``log_checkpoints``: every signed tree head issued.

Appends take a Connection already inside the caller's transaction, so a leaf commits with
the record it describes or not at all. Any failure rolls that whole transaction back and
raises :class:`LogAppendError` (fail closed: the release cannot be committed without it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.errors import LogAppendError, TransparencyLogError
from fairfollow.ledger.engine import metadata
from fairfollow.tlog import merkle
from fairfollow.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from fairfollow.tlog.keys import NoteSigner
from fairfollow.tlog.record import LogRecord, encode_leaf

# INTEGER PRIMARY KEY makes the index SQLite's rowid: no second index, faster appends.
_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MAX_LEAF_BYTES = 0xFFFF  # C2SP tlog-tiles entry bundles: a 16-bit length per entry
_ADVISORY_LOCK_KEY = 0x66666C6F67  # "fflog": serialises appenders on PostgreSQL

log_leaves = sa.Table(
    "log_leaves",
    metadata,
    sa.Column("leaf_index", _INDEX, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("ref", sa.String(200), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    sa.Index("ix_log_leaves_ref", "ref", "kind"),
)
log_nodes = sa.Table(
    "log_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("node_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)
log_checkpoints = sa.Table(
    "log_checkpoints",
    metadata,
    sa.Column("checkpoint_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("key_name", sa.String(200), nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class LeafRef:
    """Where an appended record sits in the log."""

    index: int
    leaf_hash: bytes


@dataclass(frozen=True)
class StoredLeaf:
    index: int
    kind: str
    ref: str
    content: bytes
    leaf_hash: bytes


@dataclass(frozen=True)
class StoredCheckpoint:
    checkpoint_id: int
    size: int
    root: bytes
    note: str
    key_name: str
    issued_at: datetime


def append(conn: Connection, record: LogRecord) -> LeafRef:
    """Append one record inside the caller's transaction."""
    return append_many(conn, [record])[0]


def append_many(conn: Connection, records: Sequence[LogRecord]) -> list[LeafRef]:
    """Append records in order inside the caller's transaction (one round trip per table)."""
    if not conn.in_transaction():
        raise LogAppendError("tlog.append_outside_transaction")
    try:
        _lock(conn)
        start = tree_size(conn)
        keys = merkle.perfect_subtrees(0, start) if start else []
        stored = _node_hashes(conn, keys)
        frontier = [(level, stored[(level, index)]) for level, index in keys]
        leaf_rows: list[tuple[object, ...]] = []
        node_rows: list[tuple[object, ...]] = []
        refs: list[LeafRef] = []
        for index, record in enumerate(records, start):
            content = encode_leaf(record, index)
            if len(content) > MAX_LEAF_BYTES:  # tile entry bundles give a leaf 16 bits of length
                raise TransparencyLogError("tlog.leaf_too_large", size=len(content))
            leaf_hash = merkle.leaf_hash(content)
            leaf_rows.append((index, record.kind, record.ref, content.decode("utf-8"), leaf_hash))
            for level, node in merkle.push_leaf(frontier, leaf_hash):
                node_rows.append((level, index >> level, node))
            refs.append(LeafRef(index=index, leaf_hash=leaf_hash))
        _insert_many(conn, log_leaves, leaf_rows)
        _insert_many(conn, log_nodes, node_rows)
    except Exception as exc:  # whatever went wrong, the record must not commit without its leaf
        transaction = conn.get_transaction()
        if transaction is not None and transaction.is_active:
            transaction.rollback()
        if isinstance(exc, TransparencyLogError) and exc.code == "tlog.leaf_too_large":
            raise LogAppendError(exc.code, **exc.params) from exc
        raise LogAppendError("tlog.append_failed") from exc
    return refs


def _insert_many(conn: Connection, table: sa.Table, rows: list[tuple[object, ...]]) -> None:
    """Insert rows given in column order. On SQLite straight to the driver's executemany:
    SQLAlchemy's per-row parameter processing cost as much as the rest of an append."""
    if not rows:
        return
    names = [column.name for column in table.columns]
    if conn.dialect.paramstyle == "qmark":
        marks = ", ".join("?" * len(names))
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
        conn.exec_driver_sql(sql, rows)
    else:
        conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])


def hold_appends(conn: Connection) -> None:
    """Hold the log's append lock until the caller's transaction ends: for a writer that
    reads the log's latest instant and must append after it (the release door)."""
    _lock(conn)


def _lock(conn: Connection) -> None:
    # SQLite: the ledger engine's BEGIN IMMEDIATE already holds the write lock.
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADVISORY_LOCK_KEY)))


def tree_size(conn: Connection) -> int:
    """The number of leaves (one past the highest stored index)."""
    highest = conn.execute(sa.select(sa.func.max(log_leaves.c.leaf_index))).scalar()
    return 0 if highest is None else int(highest) + 1


@functools.lru_cache(maxsize=256)
def _lookup_query(leaves: int, nodes: int) -> sa.TextClause:
    """One statement fetching ``leaves`` leaf hashes and ``nodes`` subtree hashes by key.

    Written as text and cached by shape: building the expression per proof cost more than
    the lookups. OR-ed primary-key equalities, because SQLite scans the whole table for a
    row-value IN list.
    """
    parts = []
    if leaves:
        keys = ", ".join(f":i{n}" for n in range(leaves))
        parts.append(
            f"SELECT 0 AS level, leaf_index AS idx, leaf_hash AS hash FROM log_leaves "
            f"WHERE leaf_index IN ({keys})"
        )
    if nodes:
        terms = " OR ".join(f"(level = :l{n} AND node_index = :n{n})" for n in range(nodes))
        parts.append(f"SELECT level, node_index AS idx, hash FROM log_nodes WHERE {terms}")
    return sa.text(" UNION ALL ".join(parts))


def _node_hashes(conn: Connection, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored hashes of perfect subtrees ``(level, index)``; a missing one means damage."""
    wanted = set(keys)
    found: dict[tuple[int, int], bytes] = {}
    leaves = sorted(index for level, index in wanted if level == 0)
    inner = sorted(key for key in wanted if key[0] > 0)
    if wanted:
        params: dict[str, int] = {f"i{n}": index for n, index in enumerate(leaves)}
        for n, (level, index) in enumerate(inner):
            params[f"l{n}"] = level
            params[f"n{n}"] = index
        rows = conn.execute(_lookup_query(len(leaves), len(inner)), params)
        found.update(((int(lv), int(i)), bytes(h)) for lv, i, h in rows)
    missing = wanted - found.keys()
    if missing:
        raise TransparencyLogError("tlog.subtree_hashes_missing", missing=len(missing))
    return found


def _range_hashes(conn: Connection, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    parts = [merkle.perfect_subtrees(start, end) for start, end in ranges]
    stored = _node_hashes(conn, [key for keys in parts for key in keys])
    return [merkle.fold([stored[key] for key in keys]) for keys in parts]


def _check_size(conn: Connection, size: int) -> None:
    current = tree_size(conn)
    if not 0 <= size <= current:
        raise TransparencyLogError("tlog.tree_size_outside", size=size, current=current)


def root_at(conn: Connection, size: int) -> bytes:
    """The Merkle root of the first ``size`` leaves, from O(log n) stored hashes."""
    _check_size(conn, size)
    return _range_hashes(conn, [(0, size)])[0] if size else merkle.EMPTY_ROOT


def inclusion_proof(conn: Connection, index: int, size: int) -> list[bytes]:
    """The RFC 6962 audit path of leaf ``index`` in the tree of ``size`` leaves."""
    _check_size(conn, size)
    if not 0 <= index < size:
        raise TransparencyLogError("tlog.leaf_outside_tree", index=index, size=size)
    return _range_hashes(conn, merkle.inclusion_ranges(index, size))


def consistency_proof(conn: Connection, size1: int, size2: int) -> list[bytes]:
    """The RFC 6962 proof that the tree of ``size1`` leaves is a prefix of that of ``size2``."""
    _check_size(conn, size2)
    if not 0 <= size1 <= size2:
        raise TransparencyLogError("tlog.sizes_reversed", first=size1, second=size2)
    return _range_hashes(conn, merkle.consistency_ranges(size1, size2))


def _leaf(index: int, kind: str, ref: str, content: str, leaf_hash: bytes) -> StoredLeaf:
    return StoredLeaf(int(index), kind, ref, content.encode("utf-8"), bytes(leaf_hash))


_LEAF_COLUMNS = (
    log_leaves.c.leaf_index,
    log_leaves.c.kind,
    log_leaves.c.ref,
    log_leaves.c.content,
    log_leaves.c.leaf_hash,
)


def read_leaf(conn: Connection, index: int) -> StoredLeaf:
    row = conn.execute(sa.select(*_LEAF_COLUMNS).where(log_leaves.c.leaf_index == index)).first()
    if row is None:
        raise TransparencyLogError("tlog.leaf_missing", index=index)
    return _leaf(*row)


def read_leaves(conn: Connection, start: int, end: int) -> list[StoredLeaf]:
    """Leaves ``start`` to ``end - 1`` in order, in one query."""
    query = (
        sa.select(*_LEAF_COLUMNS)
        .where(log_leaves.c.leaf_index >= start, log_leaves.c.leaf_index < end)
        .order_by(log_leaves.c.leaf_index)
    )
    return [_leaf(*row) for row in conn.execute(query)]


def find_leaf(conn: Connection, kind: str, ref: str) -> StoredLeaf | None:
    """The latest leaf logged for ``(kind, ref)``, if any."""
    query = (
        sa.select(*_LEAF_COLUMNS)
        .where(log_leaves.c.ref == ref, log_leaves.c.kind == str(kind))
        .order_by(log_leaves.c.leaf_index.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return None if row is None else _leaf(*row)


def iter_leaves(conn: Connection, batch: int = 10_000) -> Iterator[StoredLeaf]:
    """Every stored leaf row in index order, read in batches (keyset pagination)."""
    after = -1
    while True:
        query = (
            sa.select(*_LEAF_COLUMNS)
            .where(log_leaves.c.leaf_index > after)
            .order_by(log_leaves.c.leaf_index)
            .limit(batch)
        )
        rows = conn.execute(query).all()
        for row in rows:
            yield _leaf(*row)
        if len(rows) < batch:
            return
        after = int(rows[-1][0])


def iter_nodes(conn: Connection, batch: int = 50_000) -> Iterator[tuple[int, int, bytes]]:
    """Every stored subtree hash ``(level, node_index, hash)`` ordered by level and index."""
    nodes = log_nodes.c
    top = conn.execute(sa.select(sa.func.max(nodes.level))).scalar()
    for level in range(1, (top or 0) + 1):
        after = -1
        while True:
            query = (
                sa.select(nodes.node_index, nodes.hash)
                .where(nodes.level == level, nodes.node_index > after)
                .order_by(nodes.node_index)
                .limit(batch)
            )
            rows = conn.execute(query).all()
            for index, value in rows:
                yield level, int(index), bytes(value)
            if len(rows) < batch:
                break
            after = int(rows[-1][0])


def list_checkpoints(conn: Connection) -> list[StoredCheckpoint]:
    """Every checkpoint issued, oldest first."""
    query = sa.select(log_checkpoints).order_by(log_checkpoints.c.checkpoint_id)
    return [
        StoredCheckpoint(int(cid), int(size), bytes(root), note, key_name, _utc(issued_at))
        for cid, size, root, note, key_name, issued_at in conn.execute(query)
    ]


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time stored here was UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def latest_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    checkpoints = list_checkpoints(conn)
    return checkpoints[-1] if checkpoints else None


def issue_checkpoint(conn: Connection, signer: NoteSigner, now: datetime) -> StoredCheckpoint:
    """Sign the current tree head and keep it; reuse the latest one if nothing changed.

    Before signing, the stored tree must extend the latest *signed* head (a consistency
    proof checked against the signature, not against a database column): a log whose past
    was edited is refused here rather than blessed with a new signature.
    """
    if now.tzinfo is None:
        raise TransparencyLogError("tlog.checkpoint_time_naive")
    now = now.astimezone(UTC)
    size = tree_size(conn)
    root = root_at(conn, size)
    latest = latest_checkpoint(conn)
    if latest is not None:
        if latest.key_name != signer.name:
            raise TransparencyLogError(
                "tlog.signer_key_rotated", stored=latest.key_name, key=signer.name
            )
        signed = open_checkpoint(latest.note, signer.verifier)
        proof = consistency_proof(conn, signed.size, size) if signed.size <= size else None
        if proof is None or not merkle.verify_consistency(
            signed.size, size, proof, signed.root, root
        ):
            raise TransparencyLogError(
                "tlog.log_does_not_extend", checkpoint=latest.checkpoint_id, size=signed.size
            )
        if signed.size == size:
            return latest
    note = sign_checkpoint(Checkpoint(origin=signer.name, size=size, root=root), signer)
    values = {
        "tree_size": size,
        "root_hash": root,
        "note": note,
        "key_name": signer.name,
        "issued_at": now,
    }
    inserted = conn.execute(log_checkpoints.insert().values(**values)).inserted_primary_key
    if inserted is None:
        raise TransparencyLogError("tlog.checkpoint_not_stored")
    return StoredCheckpoint(int(inserted[0]), size, root, note, signer.name, now)


def record_cosigned(conn: Connection, size: int, root: bytes, note: str) -> int:
    """Keep a witness's cosigned note in place of the checkpoint it cosigned (same size and
    root; the body and the log's own signature are unchanged), so receipts carry it."""
    query = (
        log_checkpoints.update()
        .where(log_checkpoints.c.tree_size == size, log_checkpoints.c.root_hash == root)
        .values(note=note)
    )
    return int(conn.execute(query).rowcount or 0)
