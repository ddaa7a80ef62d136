"""RFC 6962 / RFC 9162 Merkle trees: hashing, roots, proofs and their verification (pure).

Standard library only. Hashes are raw 32-byte ``bytes``; leaf indices are 0-based.

- leaf hash ``SHA-256(0x00 || data)``, node hash ``SHA-256(0x01 || left || right)``;
- the tree of ``n > 1`` leaves splits at ``k``, the largest power of two below ``n``
  (RFC 9162 §2.1.1); the empty tree's root is ``SHA-256("")``.

Proof *generation* is written once over ranges: :func:`inclusion_ranges` and
:func:`consistency_ranges` say which subtree ``[start, end)`` hashes a proof holds, and
:func:`perfect_subtrees` splits such a range into the aligned perfect subtrees that a log
stores, so the ledger store answers proofs from stored hashes with the same algorithm the
list functions below use. Verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 and return
``False`` (never raise) on any malformed or wrong input.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size > 1``)."""
    if size < 2:
        raise ValueError(f"a tree of {size} leaves has no split point")
    return 1 << ((size - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of ``leaf_hashes`` (the empty-string hash for no leaves)."""
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    # Pairing level by level and carrying an odd last node upwards builds exactly the
    # RFC 6962 tree (left subtree = largest power of two), without recursion.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def fold(subtree_hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its perfect subtrees, left to right (see perfect_subtrees)."""
    if not subtree_hashes:
        raise ValueError("an empty range has no subtree hash")
    acc = subtree_hashes[-1]
    for left in reversed(subtree_hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


def push_leaf(frontier: list[tuple[int, bytes]], leaf: bytes) -> list[tuple[int, bytes]]:
    """Append ``leaf`` to a frontier; return the perfect subtrees it completes, lowest first.

    A frontier lists the perfect subtrees ``(level, hash)`` that cover the tree's leaves,
    left to right (one per set bit of the size); it is changed in place. :func:`fold` of
    its hashes is the root. This is how a log appends in O(log n) without rereading leaves.
    """
    completed: list[tuple[int, bytes]] = []
    level, acc = 0, leaf
    while frontier and frontier[-1][0] == level:
        acc = node_hash(frontier.pop()[1], acc)
        level += 1
        completed.append((level, acc))
    frontier.append((level, acc))
    return completed


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` as aligned perfect subtrees ``(level, index)``, left to right.

    Subtree ``(level, index)`` covers leaves ``[index << level, (index + 1) << level)``. The
    ranges that proofs and roots need are aligned, so their hash is :func:`fold` of these.
    """
    if not 0 <= start < end:
        raise ValueError(f"invalid range [{start}, {end})")
    result: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        level = (end - pos).bit_length() - 1
        if pos:
            level = min(level, (pos & -pos).bit_length() - 1)
        result.append((level, pos >> level))
        pos += 1 << level
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtree ranges of the audit path PATH(index, D[0:size]), leaf level first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The subtree ranges of PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1), bottom first."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, whole = 0, size2, True
    while size1 - start != end - start:
        k = split_point(end - start)
        if size1 - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            whole = False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _range_hashes(leaf_hashes: Sequence[bytes], ranges: list[tuple[int, int]]) -> list[bytes]:
    return [root(leaf_hashes[start:end]) for start, end in ranges]


def _check_size(leaf_hashes: Sequence[bytes], size: int) -> None:
    if size > len(leaf_hashes):
        raise ValueError(f"tree size {size} exceeds the {len(leaf_hashes)} leaves given")


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree over ``leaf_hashes[:size]``."""
    _check_size(leaf_hashes, size)
    return _range_hashes(leaf_hashes, inclusion_ranges(index, size))


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """The proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2``."""
    _check_size(leaf_hashes, size2)
    return _range_hashes(leaf_hashes, consistency_ranges(size1, size2))


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_proof(value: object) -> bool:
    return isinstance(value, list | tuple) and all(_is_hash(item) for item in value)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` place ``leaf_hash`` at ``index`` under ``root``?"""
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_proof(proof)):
        return False
    if not (_is_count(index) and _is_count(size) and index < size):
        return False
    fn, sn, acc = index, size - 1, leaf_hash
    for sibling in proof:
        if sn == 0:
            return False  # the proof is longer than the path
        if fn & 1 or fn == sn:
            acc = node_hash(sibling, acc)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            acc = node_hash(acc, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(acc, root)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (size1, root1) a prefix of the tree (size2, root2)?"""
    if not (_is_hash(root1) and _is_hash(root2) and _is_proof(proof)):
        return False
    if not (_is_count(size1) and _is_count(size2) and size1 <= size2):
        return False
    if size1 == size2:
        return len(proof) == 0 and hmac.compare_digest(root1, root2)
    if size1 == 0:
        # Every tree extends the empty one, but only the empty root describes it.
        return len(proof) == 0 and hmac.compare_digest(root1, EMPTY_ROOT)
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)  # the old tree is a complete subtree the proof leaves out
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for item in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(item, fr)
            sr = node_hash(item, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, item)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, root1) and hmac.compare_digest(sr, root2)
