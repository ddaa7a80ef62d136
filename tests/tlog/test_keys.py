"""Note keys: the Go ``note`` package's example keys and manglings."""

from __future__ import annotations

import pytest

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.keys import (
    generate_signer,
    key_id,
    parse_signer_key,
    parse_verifier_key,
)

# golang.org/x/mod/sumdb/note, note_test.go (BSD-3-Clause): the PeterNeumann example keys.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"


def test_go_example_keys_parse_and_match() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    signer = parse_signer_key(GO_SKEY)
    assert verifier.name == "PeterNeumann" and verifier.key_id.hex() == "c74f20a3"
    assert key_id("PeterNeumann", verifier.public_key) == bytes.fromhex("c74f20a3")
    assert signer.verifier == verifier
    assert verifier.encode() == GO_VKEY and signer.encode() == GO_SKEY


@pytest.mark.parametrize(
    "mangled",
    [
        GO_VKEY.replace("c74f20a3", "c74f20a4"),
        GO_VKEY.replace("+ARpc", "+AhRpc"),
        GO_VKEY.replace("+ARpc", "+Apc"),
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        GO_VKEY + "+extra",
        GO_VKEY.split("+", 1)[1],
        GO_VKEY.replace("+ARpc", "+Ahpc"),  # algorithm byte other than Ed25519
        "",
    ],
)
def test_mangled_verifier_keys_are_refused(mangled: str) -> None:
    with pytest.raises(TransparencyLogError):
        parse_verifier_key(mangled)


def test_signer_round_trip_and_signature() -> None:
    signer = generate_signer()
    assert signer.name.startswith("fairfollow.local/log-")
    again = parse_signer_key(signer.encode())
    assert again.verifier == signer.verifier
    signature = signer.sign(b"hello\n")
    assert signer.verifier.verify(b"hello\n", signature)
    assert not signer.verifier.verify(b"hello!\n", signature)
    assert not generate_signer().verifier.verify(b"hello\n", signature)
    with pytest.raises(TransparencyLogError):
        generate_signer("has space")


# The key file itself (created once, mode 0600): tests/test_keyfile.py.
