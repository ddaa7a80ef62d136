"""The receipt signing key: RFC 8037 known answers."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fairfollow.consent.receipt_key import (
    ReceiptSigner,
    ReceiptVerifier,
    b64url,
    b64url_decode,
)
from fairfollow.errors import ReceiptError

# RFC 8037 appendix A.1 (key), A.3 (thumbprint) and A.4 (JWS of "Example of Ed25519 signing").
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC_SIGNING_INPUT = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC_SIGNATURE = (
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def rfc_signer() -> ReceiptSigner:
    return ReceiptSigner(Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC_D)))


def test_rfc8037_key_thumbprint_and_signature() -> None:
    signer = rfc_signer()
    verifier = signer.verifier
    assert verifier.jwk == {"kty": "OKP", "crv": "Ed25519", "x": RFC_X}
    assert verifier.kid == RFC_THUMBPRINT
    assert b64url(signer.sign(RFC_SIGNING_INPUT.encode())) == RFC_SIGNATURE
    assert verifier.verify(RFC_SIGNING_INPUT.encode(), b64url_decode(RFC_SIGNATURE))
    assert not verifier.verify(RFC_SIGNING_INPUT.encode() + b"x", b64url_decode(RFC_SIGNATURE))
    assert ReceiptVerifier.from_jwk(verifier.jwk) == verifier
    assert "BEGIN PUBLIC KEY" in verifier.pem()


def test_bad_public_keys_are_refused() -> None:
    with pytest.raises(ReceiptError):
        ReceiptVerifier.from_jwk({"kty": "EC", "crv": "P-256", "x": RFC_X})
    with pytest.raises(ReceiptError):
        ReceiptVerifier.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"})


# The workspace key file (created once, mode 0600, refused when broken): tests/test_keyfile.py.
