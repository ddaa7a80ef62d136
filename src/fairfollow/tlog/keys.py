"""The log's Ed25519 note keys in the C2SP signed-note formats, and where they are kept.

- verifier key (public, give it to members and auditors):
  ``<name>+<hex key id>+<base64(0x01 || public key)>``
- signer key (secret, ``keys_dir/transparency-log.key``, mode 0600, kept by
  :mod:`fairfollow.keyfile`):
  ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`` as Go's ``golang.org/x/mod/sumdb/note``
  writes it, so the same file works with Go tooling.

The key id is the first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || public key)``
(C2SP signed-note, Ed25519). Keys are created on first use; the random source is the
operating system's, through ``cryptography``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fairfollow.errors import ConfigError, TransparencyLogError
from fairfollow.keyfile import load_or_create_key, load_or_create_secret
from fairfollow.keys import KeyFile

ALG_ED25519 = 0x01
SIGNER_FILE = KeyFile.LOG_SIGNER.value
MEMBER_KEY_FILE = KeyFile.LOG_MEMBER.value
_NAME_PREFIX = "fairfollow.local/log-"


def valid_key_name(name: str) -> bool:
    """Signed-note key names are non-empty and contain neither whitespace nor ``+``."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, public_key: bytes) -> bytes:
    """First 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    material = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    return hashlib.sha256(material).digest()[:4]


@dataclass(frozen=True)
class NoteVerifier:
    """A public note key: checks signatures made by the matching :class:`NoteSigner`."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def encode(self) -> str:
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True, eq=False)
class NoteSigner:
    """A secret note key; pass it to the code that signs, never read it from a global."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> NoteVerifier:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return NoteVerifier(name=self.name, public_key=public)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def encode(self) -> str:
        seed = self.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        blob = base64.b64encode(bytes([ALG_ED25519]) + seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{blob}"


def _split_key(text: str, parts: int) -> list[str]:
    fields = text.strip().split("+", parts - 1)  # base64 may itself contain '+'
    if len(fields) != parts:
        raise TransparencyLogError("tlog.note_key_malformed")
    return fields


def _key_blob(name: str, key_hash: str, blob: str) -> bytes:
    if not valid_key_name(name):
        raise TransparencyLogError("tlog.note_key_malformed")
    try:
        raw = base64.b64decode(blob, validate=True)
        expected_id = bytes.fromhex(key_hash)
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise TransparencyLogError("tlog.note_key_malformed") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519 or len(expected_id) != 4:
        raise TransparencyLogError("tlog.note_key_malformed")
    return raw[1:]


def parse_verifier_key(text: str) -> NoteVerifier:
    """Read ``<name>+<hex key id>+<base64 key>``; the key id must match the key."""
    name, key_hash, blob = _split_key(text, 3)
    verifier = NoteVerifier(name=name, public_key=_key_blob(name, key_hash, blob))
    if verifier.key_id.hex() != key_hash.lower():
        raise TransparencyLogError("tlog.note_key_malformed")
    return verifier


def parse_signer_key(text: str) -> NoteSigner:
    """Read ``PRIVATE+KEY+<name>+<hex key id>+<base64 seed>``."""
    private, key, name, key_hash, blob = _split_key(text, 5)
    if (private, key) != ("PRIVATE", "KEY"):
        raise TransparencyLogError("tlog.signer_key_malformed")
    signer = NoteSigner(name, Ed25519PrivateKey.from_private_bytes(_key_blob(name, key_hash, blob)))
    if signer.verifier.key_id.hex() != key_hash.lower():
        raise TransparencyLogError("tlog.signer_key_malformed")
    return signer


def generate_signer(name: str | None = None) -> NoteSigner:
    """A fresh Ed25519 signer; the default name embeds the public key's hash, so two
    workspaces never issue checkpoints under the same origin by accident."""
    private = Ed25519PrivateKey.generate()
    if name is None:
        public = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        name = _NAME_PREFIX + hashlib.sha256(public).hexdigest()[:8]
    if not valid_key_name(name):
        raise TransparencyLogError("tlog.key_name_invalid", name=name)
    return NoteSigner(name=name, private_key=private)


def load_or_create_log_signer(keys_dir: Path, origin: str | None = None) -> NoteSigner:
    """The workspace's log signer (``keys_dir/transparency-log.key``), created on first use
    and then named ``origin`` (the log's origin is its key's name); an existing key keeps
    the name it has, whatever ``origin`` says.

    Its length is not fixed (a key made by Go tooling may carry another name), so the file
    is checked by parsing it; ``ConfigError`` names the file when it is unusable.
    """
    path = keys_dir / SIGNER_FILE
    content = load_or_create_key(path, lambda: (generate_signer(origin).encode() + "\n").encode())
    try:
        return parse_signer_key(content.decode("ascii"))
    except (UnicodeDecodeError, TransparencyLogError) as exc:
        raise ConfigError("tlog.signer_key_file_invalid", path=str(path)) from exc


def load_or_create_member_key(keys_dir: Path) -> bytes:
    """The workspace's secret key for :func:`fairfollow.tlog.record.member_ref`."""
    return load_or_create_secret(keys_dir / MEMBER_KEY_FILE)
