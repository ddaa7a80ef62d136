"""The Ed25519 key that signs consent receipts, kept in the workspace's keys directory.

Secret key: ``keys_dir/consent-receipt-ed25519.pem`` (PKCS#8 PEM, mode 0600), created on
first use by :mod:`fairfollow.keyfile` from the operating system's random source (through
``cryptography``). The public key is given out as a JWK (RFC 8037, ``kty`` OKP, ``crv``
Ed25519) whose ``kid`` is its RFC 7638 thumbprint, or as PEM, so that any JOSE library can
check a receipt.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from fairfollow.errors import ConfigError, ReceiptError
from fairfollow.keyfile import load_or_create_key
from fairfollow.keys import KeyFile

KEY_FILE = KeyFile.CONSENT_RECEIPT.value
PEM_SIZE = 119  # PKCS#8 PEM of an Ed25519 key: header, 64 base64 characters, footer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ReceiptError("consent.not_base64url", reason=str(exc)) from exc


@dataclass(frozen=True)
class ReceiptVerifier:
    """The public half: checks receipt signatures."""

    public_key: bytes  # 32 raw bytes

    @property
    def jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(self.public_key)}

    @property
    def kid(self) -> str:
        """RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order."""
        canonical = json.dumps(self.jwk, sort_keys=True, separators=(",", ":"))
        return b64url(hashlib.sha256(canonical.encode("ascii")).digest())

    def pem(self) -> str:
        key = Ed25519PublicKey.from_public_bytes(self.public_key)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    @classmethod
    def from_jwk(cls, jwk: dict[str, str]) -> ReceiptVerifier:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
            raise ReceiptError("consent.key_not_ed25519_jwk")
        raw = b64url_decode(jwk["x"])
        if len(raw) != 32:
            raise ReceiptError("consent.key_wrong_size", size=len(raw))
        return cls(raw)


@dataclass(frozen=True, eq=False)
class ReceiptSigner:
    """The secret half; passed to the code that signs, never read from a global."""

    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> ReceiptVerifier:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return ReceiptVerifier(raw)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    @classmethod
    def generate(cls) -> ReceiptSigner:
        return cls(Ed25519PrivateKey.generate())


def load_or_create_receipt_signer(keys_dir: Path) -> ReceiptSigner:
    """The workspace's consent-receipt key, created (mode 0600) on first use."""
    path = keys_dir / KEY_FILE

    def generate() -> bytes:
        return ReceiptSigner.generate().private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    pem = load_or_create_key(path, generate, size=PEM_SIZE)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError("consent.receipt_key_unusable", path=str(path), reason=str(exc)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("consent.receipt_key_not_ed25519", path=str(path))
    return ReceiptSigner(key)
