"""Witness cosignatures: C2SP ``tlog-cosignature`` (Ed25519, ``cosignature/v1``), pure.

A cosignature is one more signature line on a checkpoint note::

    — <witness name> base64(key id || u64 big-endian timestamp || Ed25519 signature)

The key id is ``SHA-256(name || 0x0A || 0x04 || public key)[:4]`` (0x04 marks a
cosignature key, so a log key can never pass for a witness key), and the signed message
is::

    cosignature/v1
    time <POSIX seconds>
    <the whole checkpoint body, extension lines included>

It states that, at that time, this was the largest tree head consistent with every
earlier one the witness had seen for the log named by the origin line. A verifier key is
written ``<name>+<hex key id>+base64(0x04 || public key)``, as C2SP ``vkey`` says.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.checkpoint import SIGNATURE_PREFIX, split_note
from fairfollow.tlog.keys import valid_key_name

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    material = name.encode("utf-8") + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    return hashlib.sha256(material).digest()[:4]


def signed_message(body: str, timestamp: int) -> bytes:
    """What a ``cosignature/v1`` signs: header, time line, the checkpoint body."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise TransparencyLogError("tlog.cosignature_time_invalid")
    return f"{HEADER}time {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class CosignerVerifier:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public_key)

    def encode(self) -> str:
        blob = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{blob}"


@dataclass(frozen=True, eq=False)
class CosignerSigner:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> CosignerVerifier:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return CosignerVerifier(self.name, public)


def cosigner_from_seed(name: str, seed: bytes) -> CosignerSigner:
    if not valid_key_name(name):
        raise TransparencyLogError("tlog.witness_name_invalid", name=name)
    return CosignerSigner(name, Ed25519PrivateKey.from_private_bytes(seed))


def parse_cosigner_key(text: str) -> CosignerVerifier:
    """Read ``<name>+<hex key id>+base64(0x04 || key)``; the key id must match."""
    fields = text.strip().split("+", 2)
    if len(fields) != 3 or not valid_key_name(fields[0]):
        raise TransparencyLogError("tlog.witness_key_malformed")
    name, key_hash, blob = fields
    try:
        raw = base64.b64decode(blob, validate=True)
    except ValueError as exc:
        raise TransparencyLogError("tlog.witness_key_malformed") from exc
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise TransparencyLogError("tlog.witness_key_malformed")
    verifier = CosignerVerifier(name, raw[1:])
    if verifier.key_id.hex() != key_hash.lower():
        raise TransparencyLogError("tlog.witness_key_malformed")
    return verifier


def cosign(note: str, signer: CosignerSigner, timestamp: int) -> str:
    """``note`` with ``signer``'s cosignature line added (the caller has verified it)."""
    body, _ = split_note(note)
    signature = signer.private_key.sign(signed_message(body, timestamp))
    blob = signer.verifier.key_id + timestamp.to_bytes(8, "big") + signature
    line = f"{SIGNATURE_PREFIX}{signer.name} {base64.b64encode(blob).decode('ascii')}\n"
    return note + line


def cosignature_time(note: str, verifier: CosignerVerifier) -> int:
    """The timestamp of ``verifier``'s valid cosignature on ``note``; TransparencyLogError
    when there is none or one claiming the key does not verify."""
    body, signatures = split_note(note)
    found: int | None = None
    for item in signatures:
        if item.name != verifier.name or item.key_id != verifier.key_id:
            continue
        if len(item.signature) != 8 + 64:
            raise TransparencyLogError("tlog.cosignature_malformed", witness=verifier.name)
        timestamp = int.from_bytes(item.signature[:8], "big")
        try:
            Ed25519PublicKey.from_public_bytes(verifier.public_key).verify(
                item.signature[8:], signed_message(body, timestamp)
            )
        except (InvalidSignature, ValueError) as exc:
            raise TransparencyLogError("tlog.cosignature_invalid", witness=verifier.name) from exc
        found = timestamp
    if found is None:
        raise TransparencyLogError("tlog.cosignature_missing", witness=verifier.name)
    return found
