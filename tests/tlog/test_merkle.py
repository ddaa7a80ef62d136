"""The pure Merkle module against the public RFC 6962 vectors, a literal RFC reference and
corrupted proofs.

tests/data/rfc6962.json is a verbatim copy of /work/shared/testdata/rfc6962.json, transcribed
from transparency-dev/merkle (Apache-2.0; see its "sources" field);
tests/data/rfc6962_supplement.json adds the rows of the same Go tables that copy leaves out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairfollow.tlog import merkle

DATA = Path(__file__).parents[1] / "data"
VECTORS: dict[str, Any] = json.loads((DATA / "rfc6962.json").read_text())
SUPPLEMENT: dict[str, Any] = json.loads((DATA / "rfc6962_supplement.json").read_text())
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves_hex"]]
LEAF_HASHES = [bytes.fromhex(h) for h in VECTORS["leaf_hashes_hex"]]
ROOTS = {int(n): bytes.fromhex(h) for n, h in VECTORS["roots_by_tree_size_hex"].items()}
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hexes(items: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in items]


INCLUSION = [
    (v["leaf_index"], v["tree_size"], _hexes(v["proof_hex"]))
    for v in VECTORS["inclusion_proofs"] + SUPPLEMENT["inclusion_proofs"]
]
CONSISTENCY = [
    (v["size1"], v["size2"], _hexes(v["proof_hex"]))
    for v in VECTORS["consistency_proofs"] + SUPPLEMENT["consistency_proofs"]
]


def reference_root(hashes: Sequence[bytes]) -> bytes:
    """MTH written literally from RFC 6962 §2.1, to check the iterative code against."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    left, right = reference_root(hashes[:k]), reference_root(hashes[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def test_hasher_vectors() -> None:
    hasher = VECTORS["hasher"]
    assert merkle.EMPTY_ROOT.hex() == hasher["empty_tree_root_hex"]
    assert merkle.leaf_hash(b"").hex() == hasher["leaf_hash_of_empty_input_hex"]
    assert merkle.leaf_hash(b"L123456").hex() == hasher["leaf_hash_of_ascii_L123456_hex"]
    node = merkle.node_hash(b"N123", b"N456").hex()
    assert node == hasher["node_hash_of_ascii_N123_and_N456_hex"]
    assert [merkle.leaf_hash(leaf) for leaf in LEAVES] == LEAF_HASHES


def test_roots_and_stored_node_hashes_match_vectors() -> None:
    for size, expected in ROOTS.items():
        assert merkle.root(LEAF_HASHES[:size]) == expected
    for name, hashes in VECTORS["node_hashes_by_level_hex"].items():
        level = int(name.removeprefix("level_"))
        for index, expected_hex in enumerate(hashes):
            keys = merkle.perfect_subtrees(index << level, (index + 1) << level)
            assert keys == [(level, index)]
            assert merkle.root(LEAF_HASHES[index << level : (index + 1) << level]).hex() == (
                expected_hex
            )


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_vectors(index: int, size: int, proof: list[bytes]) -> None:
    assert merkle.inclusion_proof(LEAF_HASHES, index, size) == proof
    assert merkle.verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_vectors(size1: int, size2: int, proof: list[bytes]) -> None:
    assert merkle.consistency_proof(LEAF_HASHES, size1, size2) == proof
    assert merkle.verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


def _flip(proof: list[bytes], at: int, bit: int) -> list[bytes]:
    changed = list(proof)
    changed[at] = bytes([changed[at][0] ^ (1 << bit)]) + changed[at][1:]
    return changed


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_proofs_fail(index: int, size: int, proof: list[bytes]) -> None:
    leaf, good_root = LEAF_HASHES[index], ROOTS[size]
    probes: list[tuple[Any, Any, Any, Any, Any]] = [
        (index - 1, size, leaf, proof, good_root),
        (index + 1, size, leaf, proof, good_root),
        (index ^ 2, size, leaf, proof, good_root),
        (index, size * 2, leaf, proof, good_root),
        (index, size // 2, leaf, proof, good_root),
        (index, size, merkle.leaf_hash(b"WrongLeaf"), proof, good_root),
        (index, size, leaf, proof, merkle.EMPTY_ROOT),
        (index, size, leaf, proof, SOME_HASH),
        (index, size, leaf, [*proof, b""], good_root),
        (index, size, leaf, [*proof, good_root], good_root),
        (index, size, leaf, [b"", *proof], good_root),
        (index, size, leaf, [good_root, *proof], good_root),
        (index, size, leaf[:31], proof, good_root),
        (index, size, leaf, proof, good_root + b"\x00"),
        (True, size, leaf, proof, good_root),
        (index, float(size), leaf, proof, good_root),
        (index, size, leaf.hex(), proof, good_root),
        (index, size, leaf, None, good_root),
    ]
    if proof:
        probes.append((index, size, leaf, [p.hex() for p in proof], good_root))
    probes += [(index, size, leaf, _flip(proof, i, 3), good_root) for i in range(len(proof))]
    if proof:
        probes.append((index, size, leaf, proof[:-1], good_root))
    if len(proof) > 1:
        probes.append((index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], good_root))
    for probe_index, probe_size, probe_leaf, probe_proof, probe_root in probes:
        assert not merkle.verify_inclusion(
            probe_leaf, probe_index, probe_size, probe_proof, probe_root
        ), (probe_index, probe_size)


@pytest.mark.parametrize(("size1", "size2", "proof"), [c for c in CONSISTENCY if c[2]])
def test_corrupted_consistency_proofs_fail(size1: int, size2: int, proof: list[bytes]) -> None:
    root1, root2 = ROOTS[size1], ROOTS[size2]
    probes: list[tuple[Any, Any, Any, Any, Any]] = [
        (size1 - 1, size2, proof, root1, root2),
        (size1 + 1, size2, proof, root1, root2),
        (size1 ^ 2, size2, proof, root1, root2),
        (size1, size2 * 2, proof, root1, root2),
        (size1, size2 // 2, proof, root1, root2),
        (size1, size2, proof, b"WrongRoot", root2),
        (size1, size2, proof, root1, b"WrongRoot"),
        (size1, size2, proof, root2, root1),
        (size1, size2, [], root1, root2),
        (size1, size2, [*proof, b""], root1, root2),
        (size1, size2, [*proof, root1], root1, root2),
        (size1, size2, [*proof, root2], root1, root2),
        (size1, size2, [b"", *proof], root1, root2),
        (size1, size2, [root1, *proof], root1, root2),
        (size1, size2, [root2, *proof], root1, root2),
        (size1, size2, [proof[0], *proof], root1, root2),
        (size1, size2, proof[:-1], root1, root2),
        (size2, size1, proof, root2, root1),
        (-1, size2, proof, root1, root2),
        (size1, size2, tuple(p.hex() for p in proof), root1, root2),
    ]
    probes += [(size1, size2, _flip(proof, i, 4), root1, root2) for i in range(len(proof))]
    for p_size1, p_size2, p_proof, p_root1, p_root2 in probes:
        assert not merkle.verify_consistency(p_size1, p_size2, p_proof, p_root1, p_root2)


def test_trivial_consistency_cases() -> None:
    some = merkle.leaf_hash(b"x")
    assert merkle.verify_consistency(0, 0, [], merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)
    assert merkle.verify_consistency(0, 5, [], merkle.EMPTY_ROOT, ROOTS[5])
    assert merkle.verify_consistency(1, 1, [], some, some)
    assert not merkle.verify_consistency(0, 5, [], some, ROOTS[5])  # size 0 has one root
    assert not merkle.verify_consistency(0, 1, [merkle.EMPTY_ROOT], merkle.EMPTY_ROOT, some)
    assert not merkle.verify_consistency(1, 1, [], some, ROOTS[2])
    assert not merkle.verify_consistency(1, 1, [some], some, some)
    assert not merkle.verify_consistency(2, 1, [], ROOTS[2], ROOTS[1])
    assert not merkle.verify_consistency(1, 2, [], ROOTS[1], ROOTS[2])


def test_single_entry_and_degenerate_inclusion() -> None:
    one = merkle.leaf_hash(b"data")
    assert merkle.verify_inclusion(one, 0, 1, [], one)
    assert not merkle.verify_inclusion(b"", 0, 1, [], one)
    assert not merkle.verify_inclusion(one, 0, 1, [], b"")
    for index, size in [(0, 0), (1, 0), (2, 1), (-1, 1)]:
        assert not merkle.verify_inclusion(SOME_HASH, index, size, [], merkle.EMPTY_ROOT)


def test_generators_refuse_impossible_arguments() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(LEAF_HASHES, 8, 8)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(LEAF_HASHES, 0, 9)
    with pytest.raises(ValueError):
        merkle.consistency_proof(LEAF_HASHES, 5, 4)
    with pytest.raises(ValueError):
        merkle.perfect_subtrees(3, 3)
    assert merkle.consistency_proof(LEAF_HASHES, 0, 8) == []
    assert merkle.root([]) == merkle.EMPTY_ROOT


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_random_trees_match_the_rfc_reference(size: int, data: st.DataObject) -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    index = data.draw(st.integers(0, size - 1))
    size1 = data.draw(st.integers(0, size))
    tree_root = merkle.root(hashes)
    assert tree_root == reference_root(hashes)
    proof = merkle.inclusion_proof(hashes, index, size)
    assert merkle.verify_inclusion(hashes[index], index, size, proof, tree_root)
    assert not merkle.verify_inclusion(hashes[index], index, size, proof, reference_root([]))
    consistency = merkle.consistency_proof(hashes, size1, size)
    assert merkle.verify_consistency(
        size1, size, consistency, reference_root(hashes[:size1]), tree_root
    )
    start = data.draw(st.integers(0, size - 1))
    keys = merkle.perfect_subtrees(start, size)
    subtree_hashes = [reference_root(hashes[i << lvl : (i + 1) << lvl]) for lvl, i in keys]
    if start == 0:  # aligned ranges (prefixes and proof ranges) fold to their tree hash
        assert merkle.fold(subtree_hashes) == tree_root
