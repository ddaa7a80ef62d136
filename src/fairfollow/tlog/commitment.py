"""A release's commitment to its contributing members, and the member's proof against it.

Each member has a **per-member secret** (32 random bytes, :mod:`fairfollow.tlog.member_store`).
For a release with a random ``salt`` the member's **token** is ``HMAC-SHA256(secret, salt)``.
The release's log leaf carries the commitment: the RFC 6962 Merkle root over the sorted
tokens of the contributing members, padded with random tokens up to the next power of two
of the pool's offer count — a size the employer already knows, so the leaf tells nobody how
many members consented. Tokens are unlinkable without the secrets: no employer and no other
member learns who is in a release.

A member holding their secret checks a release offline:

- **included**: their token is a leaf at ``index`` (inclusion proof under the root);
- **not included**: the two adjacent leaves that bracket their token in sorted order are
  both proved (or the first/last leaf when the token sorts before/after every leaf).

Erasure destroys the secret (crypto-shredding): the tokens, the root and the log stay as
they are and still verify, but nobody can link them to the person any more. Pure: values
in, values out.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fairfollow.canonical_json import JsonValue
from fairfollow.tlog import merkle

TOKEN_BYTES = 32
SALT_BYTES = 16
COMMITMENT_VERSION = 1


def token(secret: bytes, salt: bytes) -> bytes:
    """The member's token in one release: ``HMAC-SHA256(secret, salt)``."""
    if len(secret) != TOKEN_BYTES:
        raise ValueError(f"a member secret is {TOKEN_BYTES} bytes")
    return hmac.new(secret, salt, hashlib.sha256).digest()


def padded_size(members: int, pool: int) -> int:
    """The commitment's leaf count: the next power of two at or above the pool (≥ members)."""
    wanted = max(members, pool, 1)
    return 1 << (wanted - 1).bit_length()


@dataclass(frozen=True)
class Commitment:
    """The sorted tokens of one release (real and padding) and what the leaf publishes."""

    salt: bytes
    tokens: tuple[bytes, ...]

    @property
    def root(self) -> bytes:
        return merkle.root([merkle.leaf_hash(t) for t in self.tokens])

    @property
    def size(self) -> int:
        return len(self.tokens)

    def leaf_body(self) -> dict[str, JsonValue]:
        """What goes into the release's log leaf under ``members``."""
        return {
            "v": COMMITMENT_VERSION,
            "salt": self.salt.hex(),
            "root": self.root.hex(),
            "size": self.size,
        }


def commit(
    secrets_of_members: Sequence[bytes],
    salt: bytes,
    pool: int,
    random_bytes: Callable[[int], bytes],
) -> Commitment:
    """Commit to the members whose secrets are given; pad with ``random_bytes`` tokens."""
    tokens = {token(secret, salt) for secret in secrets_of_members}
    size = padded_size(len(tokens), pool)
    while len(tokens) < size:
        tokens.add(random_bytes(TOKEN_BYTES))
    return Commitment(salt, tuple(sorted(tokens)))


@dataclass(frozen=True)
class ProvedLeaf:
    index: int
    token: bytes
    proof: tuple[bytes, ...]

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "index": self.index,
            "token": self.token.hex(),
            "proof": [p.hex() for p in self.proof],
        }


@dataclass(frozen=True)
class MemberProof:
    """Inclusion (one leaf: the member's token) or exclusion (the bracketing leaves)."""

    included: bool
    size: int
    leaves: tuple[ProvedLeaf, ...]

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "included": self.included,
            "size": self.size,
            "leaves": [leaf.as_json() for leaf in self.leaves],
        }


def prove(commitment: Commitment, member_token: bytes) -> MemberProof:
    """The member's proof: inclusion if their token is committed, else exclusion."""
    tokens = commitment.tokens
    hashes = [merkle.leaf_hash(t) for t in tokens]
    size = len(tokens)

    def leaf(i: int) -> ProvedLeaf:
        return ProvedLeaf(i, tokens[i], tuple(merkle.inclusion_proof(hashes, i, size)))

    position = _bisect(tokens, member_token)
    if position < size and tokens[position] == member_token:
        return MemberProof(True, size, (leaf(position),))
    around = [i for i in (position - 1, position) if 0 <= i < size]
    return MemberProof(False, size, tuple(leaf(i) for i in around))


def _bisect(tokens: Sequence[bytes], value: bytes) -> int:
    low, high = 0, len(tokens)
    while low < high:
        mid = (low + high) // 2
        if tokens[mid] < value:
            low = mid + 1
        else:
            high = mid
    return low


@dataclass(frozen=True)
class MemberCheck:
    """What a member proof shows: a value, so a failed check is data."""

    valid: bool
    included: bool
    reason: str


def verify(root: bytes, size: int, member_token: bytes, proof: MemberProof) -> MemberCheck:
    """Check ``proof`` for ``member_token`` against a commitment's root and size."""
    if proof.size != size:
        return MemberCheck(False, proof.included, f"proof is for {proof.size} leaves, not {size}")
    for item in proof.leaves:
        if not merkle.verify_inclusion(
            merkle.leaf_hash(item.token), item.index, size, list(item.proof), root
        ):
            return MemberCheck(False, proof.included, f"leaf {item.index} is not under the root")
    if proof.included:
        ok = len(proof.leaves) == 1 and proof.leaves[0].token == member_token
        return MemberCheck(ok, True, "included" if ok else "the proved leaf is not the token")
    return _verify_exclusion(size, member_token, proof.leaves)


def _verify_exclusion(size: int, value: bytes, leaves: Sequence[ProvedLeaf]) -> MemberCheck:
    bad = MemberCheck(False, False, "the proved leaves do not bracket the token")
    if len(leaves) == 2:
        low, high = leaves
        if high.index == low.index + 1 and low.token < value < high.token:
            return MemberCheck(True, False, "not included")
        return bad
    if len(leaves) == 1:
        (edge,) = leaves
        if (edge.index == 0 and value < edge.token) or (
            edge.index == size - 1 and value > edge.token
        ):
            return MemberCheck(True, False, "not included")
    return bad


def parse_proof(value: object) -> MemberProof:
    """A :class:`MemberProof` from its JSON form; ``ValueError`` if malformed."""
    if not isinstance(value, dict):
        raise ValueError("member proof must be an object")
    leaves = value.get("leaves")
    if not isinstance(leaves, list) or not isinstance(value.get("included"), bool):
        raise ValueError("member proof needs 'included' and 'leaves'")
    size = value.get("size")
    if type(size) is not int:
        raise ValueError("member proof size must be an integer")
    parsed = []
    for item in leaves:
        if not isinstance(item, dict) or type(item.get("index")) is not int:
            raise ValueError("each proved leaf needs an integer index")
        proof = item.get("proof")
        if not isinstance(proof, list):
            raise ValueError("each proved leaf needs a proof list")
        parsed.append(
            ProvedLeaf(
                int(item["index"]),
                bytes.fromhex(str(item.get("token", ""))),
                tuple(bytes.fromhex(str(p)) for p in proof),
            )
        )
    return MemberProof(bool(value["included"]), size, tuple(parsed))
