"""What a log reader may ask for, as typed values: the latest signed head, proofs, leaves.

The public log endpoints and ``fairfollow log prove / consistency`` answer with these, in the
formats the CLI writes (C2SP signed-note checkpoints; proofs and leaves as JSON with base64
hashes), so an outside witness or auditor can follow the log without an account.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from fairfollow.errors import InputError, TransparencyLogError
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.keys import NoteVerifier
from fairfollow.tlog.merkle import verify_consistency

MAX_BUNDLE = 256  # leaves per bundle request: a reader pages through a large log


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    root: bytes
    proof: tuple[bytes, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": b64(self.leaf_hash),
            "root": b64(self.root),
            "proof": [b64(item) for item in self.proof],
        }


@dataclass(frozen=True)
class ConsistencyProof:
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: tuple[bytes, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "size1": self.size1,
            "size2": self.size2,
            "root1": b64(self.root1),
            "root2": b64(self.root2),
            "proof": [b64(item) for item in self.proof],
        }


@dataclass(frozen=True)
class LeafBundle:
    start: int
    leaves: tuple[log_store.StoredLeaf, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "leaves": [
                {
                    "index": leaf.index,
                    "content": leaf.content.decode("utf-8"),
                    "leaf_hash": b64(leaf.leaf_hash),
                }
                for leaf in self.leaves
            ],
        }


def _size(conn: Connection, size: int | None = None) -> int:
    """``size`` (default: the log's current size), refused when the log is not that big."""
    current = log_store.tree_size(conn)
    if size is None:
        return current
    if size < 0 or size > current:
        raise InputError("tlog.tree_size_outside", size=size, current=current)
    return size


def latest_checkpoint_note(conn: Connection) -> str | None:
    """The newest signed checkpoint (a C2SP signed note), or None before the first."""
    stored = log_store.latest_checkpoint(conn)
    return None if stored is None else stored.note


def inclusion(conn: Connection, index: int, size: int | None = None) -> InclusionProof:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves (default now)."""
    size = _size(conn, size)
    if not 0 <= index < size:
        raise InputError("tlog.leaf_outside_tree", index=index, size=size)
    leaf = log_store.read_leaf(conn, index)
    return InclusionProof(
        index,
        size,
        leaf.leaf_hash,
        log_store.root_at(conn, size),
        tuple(log_store.inclusion_proof(conn, index, size)),
    )


def consistency(conn: Connection, size1: int, size2: int | None = None) -> ConsistencyProof:
    """The proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2``."""
    size2, size1 = _size(conn, size2), _size(conn, size1)
    if size1 > size2:
        raise InputError("tlog.sizes_reversed", first=size1, second=size2)
    return ConsistencyProof(
        size1,
        size2,
        log_store.root_at(conn, size1),
        log_store.root_at(conn, size2),
        tuple(log_store.consistency_proof(conn, size1, size2)),
    )


def bundle(conn: Connection, start: int, count: int = MAX_BUNDLE) -> LeafBundle:
    """Up to ``count`` leaves from ``start`` (at most :data:`MAX_BUNDLE`), in log order."""
    size = _size(conn)
    if start < 0 or (start >= size and size > 0) or count < 1:
        raise InputError("tlog.no_leaves_from", start=start, size=size)
    end = min(size, start + min(count, MAX_BUNDLE))
    return LeafBundle(start, tuple(log_store.read_leaves(conn, start, end)))


@dataclass(frozen=True)
class HeadCheck:
    """One signed checkpoint as a reader checks it: its signature, its root against the
    stored tree, and its consistency with the checkpoint before it. (That the stored tree
    matches the stored leaves is what a full audit, :func:`fairfollow.tlog.audit.audit_log`,
    checks.)"""

    size: int
    root: bytes
    issued_at: datetime
    signature_valid: bool
    root_matches_tree: bool
    consistent_with_previous: bool | None  # None for the first checkpoint
    note: str

    @property
    def ok(self) -> bool:
        return (
            self.signature_valid
            and self.root_matches_tree
            and self.consistent_with_previous is not False
        )


def check_heads(conn: Connection, verifier: NoteVerifier) -> list[HeadCheck]:
    """Every stored checkpoint, oldest first, each checked against the verifier key, the
    stored tree, and (by consistency proof from the log) the checkpoint before it."""
    current = log_store.tree_size(conn)
    found: list[HeadCheck] = []
    previous: tuple[int, bytes] | None = None
    for stored in log_store.list_checkpoints(conn):
        try:
            opened = open_checkpoint(stored.note, verifier)
            signed = opened.size == stored.size and opened.root == stored.root
        except TransparencyLogError:
            signed = False
        matches = stored.size <= current and log_store.root_at(conn, stored.size) == stored.root
        consistent: bool | None = None
        if previous is not None:
            size1, root1 = previous
            consistent = size1 <= stored.size <= current and verify_consistency(
                size1,
                stored.size,
                log_store.consistency_proof(conn, size1, stored.size),
                root1,
                stored.root,
            )
        found.append(
            HeadCheck(
                stored.size,
                stored.root,
                stored.issued_at,
                signed,
                matches,
                consistent,
                stored.note,
            )
        )
        previous = (stored.size, stored.root)
    return found
