"""Checkpoint bodies and signed notes, against the Go ``note`` example and manglings."""

from __future__ import annotations

import base64

import pytest

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog import merkle
from fairfollow.tlog.checkpoint import (
    Checkpoint,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    sign_checkpoint,
    sign_note,
)
from fairfollow.tlog.keys import generate_signer, parse_signer_key, parse_verifier_key

# golang.org/x/mod/sumdb/note, note_test.go (BSD-3-Clause): key, text and signed note.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgK"
    "vqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ROOT = merkle.leaf_hash(b"x")


def test_go_note_is_reproduced_byte_for_byte() -> None:
    assert sign_note(GO_TEXT, parse_signer_key(GO_SKEY)) == GO_NOTE
    assert open_note(GO_NOTE, parse_verifier_key(GO_VKEY)) == GO_TEXT


def test_checkpoint_round_trip() -> None:
    signer = generate_signer()
    checkpoint = Checkpoint(origin=signer.name, size=42, root=ROOT)
    body = checkpoint.body()
    assert body == f"{signer.name}\n42\n{base64.b64encode(ROOT).decode()}\n"
    note = sign_checkpoint(checkpoint, signer)
    assert note.startswith(body + "\n— " + signer.name + " ")
    assert open_checkpoint(note, signer.verifier) == checkpoint
    with_extension = Checkpoint(signer.name, 0, merkle.EMPTY_ROOT, ("Timestamp: 1",))
    assert parse_checkpoint(with_extension.body()) == with_extension


def test_notes_by_other_keys_or_altered_fail() -> None:
    signer, other = generate_signer("log.example"), generate_signer("log.example")
    note = sign_checkpoint(Checkpoint("log.example", 3, ROOT), signer)
    with pytest.raises(TransparencyLogError):
        open_checkpoint(note, other.verifier)  # same name, another key
    with pytest.raises(TransparencyLogError):
        open_checkpoint(note.replace("\n3\n", "\n4\n"), signer.verifier)
    with pytest.raises(TransparencyLogError):
        open_checkpoint(note, signer.verifier, origin="another.example")
    witness = generate_signer("witness.example")
    cosigned = note + sign_note(Checkpoint("log.example", 3, ROOT).body(), witness).split("\n\n")[1]
    assert open_checkpoint(cosigned, signer.verifier).size == 3  # unknown lines are ignored


@pytest.mark.parametrize(
    "body",
    [
        "origin\n3\n",
        "origin\n03\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n-3\n" + base64.b64encode(ROOT).decode() + "\n",
        "\n3\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n3\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "origin\n3\n" + base64.b64encode(ROOT).decode(),
        "origin\n3\n" + base64.b64encode(ROOT).decode() + "\n\n",
        "origin\n3\nnot base64!\n",
    ],
)
def test_malformed_checkpoint_bodies_fail(body: str) -> None:
    with pytest.raises(TransparencyLogError):
        parse_checkpoint(body)


@pytest.mark.parametrize(
    "note",
    [
        GO_TEXT,
        GO_NOTE.replace("— ", "-- "),
        GO_NOTE.replace("x08go", "x08g"),
        GO_NOTE.replace("\n— ", "\n\r— "),
        GO_NOTE.rstrip("\n"),
        GO_NOTE.replace("you think", "you\tthink"),
        GO_NOTE + "— PeterNeumann AAAA\n",
    ],
)
def test_malformed_or_forged_notes_fail(note: str) -> None:
    with pytest.raises(TransparencyLogError):
        open_note(note, parse_verifier_key(GO_VKEY))
