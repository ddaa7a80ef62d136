"""Note keys: the Go ``note`` package's example keys, manglings, and key files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.keys import (
    MEMBER_KEY_FILE,
    SIGNER_FILE,
    generate_signer,
    key_id,
    load_or_create_member_key,
    load_or_create_signer,
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


def test_keys_are_created_once_and_kept_private(tmp_path: Path) -> None:
    first = load_or_create_signer(tmp_path / "keys")
    second = load_or_create_signer(tmp_path / "keys")
    assert first.verifier == second.verifier
    mode = stat.S_IMODE((tmp_path / "keys" / SIGNER_FILE).stat().st_mode)
    assert mode == 0o600
    member_key = load_or_create_member_key(tmp_path / "keys")
    assert len(member_key) == 32 and member_key == load_or_create_member_key(tmp_path / "keys")
    assert stat.S_IMODE((tmp_path / "keys" / MEMBER_KEY_FILE).stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [MEMBER_KEY_FILE, SIGNER_FILE]
