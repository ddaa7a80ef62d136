"""C2SP tlog-policy files: parsing, and quorums over a checkpoint's cosignatures."""

from __future__ import annotations

import secrets

import pytest

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.checkpoint import Checkpoint, sign_checkpoint
from fairfollow.tlog.cosignature import CosignerSigner, cosign, cosigner_from_seed
from fairfollow.tlog.keys import generate_signer
from fairfollow.tlog.merkle import EMPTY_ROOT
from fairfollow.tlog.policy import parse_policy

LOG = generate_signer("log.example.jp/fairfollow/2020")
W = [cosigner_from_seed(f"w{i}.example", bytes([i + 1]) * 32) for i in range(3)]
NOTE = sign_checkpoint(Checkpoint(LOG.name, 0, EMPTY_ROOT), LOG)


def policy_text(group: str = "2", quorum: str = "some") -> str:
    witnesses = "\n".join(
        f"witness w{i} {w.verifier.encode()} http://127.0.0.1:{8800 + i}  # number {i}"
        for i, w in enumerate(W)
    )
    return (
        f"# the 2020 season's log\nlog {LOG.verifier.encode()}\n{witnesses}\n"
        f"group some {group} w0 w1 w2\ngroup outer any some w2\nquorum {quorum}\n"
    )


def signed_by(*signers: CosignerSigner) -> str:
    note = NOTE
    for signer in signers:
        note = cosign(note, signer, 1_700_000_000)
    return note


def test_a_policy_reads_its_log_witnesses_groups_and_quorum() -> None:
    policy = parse_policy(policy_text())
    assert policy.logs == (LOG.verifier,)
    assert policy.witnesses["w1"].url == "http://127.0.0.1:8801"
    assert policy.witnesses["w1"].key == W[1].verifier
    assert policy.groups["some"].threshold == 2 and policy.quorum == "some"


@pytest.mark.parametrize(
    ("group", "quorum", "signers", "met"),
    [
        ("2", "some", (), False),
        ("2", "some", (0,), False),
        ("2", "some", (0, 2), True),
        ("all", "some", (0, 1), False),
        ("all", "some", (0, 1, 2), True),
        ("any", "some", (1,), True),
        ("all", "outer", (2,), True),  # a group of groups: any of (some, w2)
        ("all", "w1", (0,), False),
        ("all", "none", (), True),
    ],
)
def test_the_quorum_counts_only_cosignatures_that_verify(
    group: str, quorum: str, signers: tuple[int, ...], met: bool
) -> None:
    policy = parse_policy(policy_text(group, quorum))
    note = signed_by(*(W[i] for i in signers))
    assert policy.satisfied(note) is met
    if not met:
        with pytest.raises(TransparencyLogError) as refused:
            policy.check(note)
        assert refused.value.code == "tlog.policy_quorum_unmet"


def test_a_cosignature_by_another_key_under_a_witness_name_does_not_count() -> None:
    forged = cosigner_from_seed("w0.example", secrets.token_bytes(32))
    policy = parse_policy(policy_text("any"))
    assert not policy.satisfied(signed_by(forged))


A = f"witness a {W[0].verifier.encode()}\n"
BAD = "tlog.policy_line_invalid"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("log x\nquorum none\n", BAD),
        (A + "group g 3 a\nquorum g\n", BAD),  # a threshold above the members
        (A + "group g 1 a b\nquorum g\n", BAD),  # an undefined member
        (A + f"witness a {W[1].verifier.encode()}\n", BAD),  # a name twice
        ("quorum nobody\n", BAD),
        (f"witness a {LOG.verifier.encode()}\nquorum a\n", BAD),  # a log key as a witness's
        (A, "tlog.policy_quorum_missing"),
        ("quorum none\nquorum none\n", BAD),
    ],
    ids=["log", "threshold", "member", "twice", "quorum", "log-key", "no-quorum", "two-quorums"],
)
def test_a_malformed_policy_is_refused_with_its_line(text: str, code: str) -> None:
    with pytest.raises(TransparencyLogError) as refused:
        parse_policy(text)
    assert refused.value.code == code
