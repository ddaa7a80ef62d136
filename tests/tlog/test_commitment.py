from __future__ import annotations

import os
import random
from collections.abc import Callable

from fairfollow.tlog.commitment import commit, padded_size, parse_proof, prove, token, verify


def _random(seed: int) -> Callable[[int], bytes]:
    rng = random.Random(seed)
    return lambda n: bytes(rng.getrandbits(8) for _ in range(n))


def test_padding_depends_on_the_pool_only() -> None:
    assert [padded_size(m, 30) for m in (10, 20, 30)] == [32, 32, 32]
    assert padded_size(3, 1) == 4 and padded_size(0, 0) == 1


def test_members_prove_inclusion_and_others_prove_exclusion() -> None:
    secrets = [os.urandom(32) for _ in range(25)]
    salt = os.urandom(16)
    made = commit(secrets[:20], salt, 30, _random(1))
    assert made.size == 32 and list(made.tokens) == sorted(made.tokens)
    for secret in secrets:
        mine = token(secret, salt)
        proof = prove(made, mine)
        check = verify(made.root, made.size, mine, parse_proof(proof.as_json()))
        assert check.valid and check.included == (secret in secrets[:20])


def test_a_proof_for_another_token_or_root_fails() -> None:
    secrets = [os.urandom(32) for _ in range(12)]
    salt = os.urandom(16)
    made = commit(secrets[:10], salt, 12, _random(2))
    mine, other = token(secrets[0], salt), token(secrets[11], salt)
    proof = prove(made, mine)
    assert not verify(made.root, made.size, other, proof).valid
    assert not verify(os.urandom(32), made.size, mine, proof).valid
    # An exclusion proof cannot be made for a member who is in: the brackets are wrong.
    outside = prove(made, other)
    assert not outside.included and not verify(made.root, made.size, mine, outside).valid
    assert not verify(made.root, made.size + 1, other, outside).valid
