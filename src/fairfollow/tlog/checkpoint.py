"""Signed tree heads: C2SP ``tlog-checkpoint`` bodies in C2SP ``signed-note`` envelopes (pure).

A checkpoint note looks like this (the last line is the log's Ed25519 signature)::

    fairfollow.local/log-1a2b3c4d
    42
    qINS1GRFhWHwdkUeqLEoP4yEMkTBBrxhmAo6aaONdoc=

    — fairfollow.local/log-1a2b3c4d Az3grlPvYHvZUeb3hWxy2hJIrNwvTOc+...

Body: origin line, tree size in ASCII decimal without leading zeros, base64 root hash, then
optional non-empty extension lines. Envelope: the body, a blank line, and signature lines
``— <key name> <base64(key id || signature)>``; the signature covers the body bytes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.keys import NoteSigner, NoteVerifier, valid_key_name
from fairfollow.tlog.merkle import HASH_SIZE

SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
MAX_SIGNATURES = 100
_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log named ``origin`` had ``size`` leaves with Merkle root ``root``."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        if not self.origin or "\n" in self.origin:
            raise TransparencyLogError("tlog.checkpoint_origin_invalid")
        if len(self.root) != HASH_SIZE or self.size < 0:
            raise TransparencyLogError("tlog.checkpoint_root_invalid")
        if any(not line or "\n" in line for line in self.extensions):
            raise TransparencyLogError("tlog.checkpoint_extension_invalid")
        root = base64.b64encode(self.root).decode("ascii")
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )


def parse_checkpoint(body: str) -> Checkpoint:
    """Read a checkpoint body; :class:`TransparencyLogError` on anything but the exact format."""
    if not body.endswith("\n"):
        raise TransparencyLogError("tlog.checkpoint_unterminated")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise TransparencyLogError("tlog.checkpoint_lines_missing")
    origin, size, root_text, *extensions = lines
    if not origin:
        raise TransparencyLogError("tlog.checkpoint_origin_invalid")
    if not _SIZE.fullmatch(size):
        raise TransparencyLogError("tlog.checkpoint_size_invalid", size=size)
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise TransparencyLogError("tlog.checkpoint_root_invalid") from exc
    if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != root_text:
        raise TransparencyLogError("tlog.checkpoint_root_invalid")
    if any(not line for line in extensions):
        raise TransparencyLogError("tlog.checkpoint_extension_invalid")
    return Checkpoint(origin=origin, size=int(size), root=root, extensions=tuple(extensions))


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise TransparencyLogError("tlog.note_unterminated")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise TransparencyLogError("tlog.note_control_characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TransparencyLogError("tlog.note_not_unicode") from exc


def sign_note(text: str, signer: NoteSigner) -> str:
    """``text`` (ending in a newline) as a signed note with ``signer``'s signature."""
    _check_text(text)
    signature = signer.sign(text.encode("utf-8"))
    blob = base64.b64encode(signer.verifier.key_id + signature).decode("ascii")
    return f"{text}\n{SIGNATURE_PREFIX}{signer.name} {blob}\n"


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key id and signature bytes."""

    name: str
    key_id: bytes
    signature: bytes


def split_note(note: str) -> tuple[str, Sequence[NoteSignature]]:
    """A signed note's text and its signature lines (not yet verified)."""
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise TransparencyLogError("tlog.note_malformed")
    text, block = note[: split + 1], note[split + 2 :]
    _check_text(text)
    lines = block[:-1].split("\n")
    if not block or len(lines) > MAX_SIGNATURES:
        raise TransparencyLogError("tlog.note_malformed")
    signatures: list[NoteSignature] = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX) or line.count(" ") != 2:
            raise TransparencyLogError("tlog.note_malformed")
        name, blob = line.removeprefix(SIGNATURE_PREFIX).split(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError as exc:  # binascii.Error, or non-ASCII text
            raise TransparencyLogError("tlog.note_malformed") from exc
        if not valid_key_name(name) or len(raw) < 5:
            raise TransparencyLogError("tlog.note_malformed")
        signatures.append(NoteSignature(name=name, key_id=raw[:4], signature=raw[4:]))
    return text, signatures


def open_note(note: str, verifier: NoteVerifier) -> str:
    """The text of ``note`` if ``verifier``'s key signed it; otherwise TransparencyLogError.

    Lines from other keys (witnesses, say) are ignored; a line claiming this key whose
    signature fails rejects the whole note, as Go's ``note.Open`` does.
    """
    text, signatures = split_note(note)
    found = False
    for item in signatures:
        if item.name != verifier.name or item.key_id != verifier.key_id:
            continue
        if not verifier.verify(text.encode("utf-8"), item.signature):
            raise TransparencyLogError("tlog.signature_invalid", key=verifier.name)
        found = True
    if not found:
        raise TransparencyLogError("tlog.note_unsigned", key=verifier.name)
    return text


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The signed note of ``checkpoint``."""
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(note: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
    """Verify a checkpoint note's signature and read it; its origin must be ``origin``
    (by default the key's name, which is how FairFollow names its log)."""
    checkpoint = parse_checkpoint(open_note(note, verifier))
    expected = verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise TransparencyLogError(
            "tlog.checkpoint_wrong_origin", origin=checkpoint.origin, expected=expected
        )
    return checkpoint
