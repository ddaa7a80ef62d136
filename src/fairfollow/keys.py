"""The workspace's keys, each named once, and the one keyed hash made under them.

Every key file lives in the workspace's ``keys/`` directory under the name :class:`KeyFile`
gives it (the witness keeps its seed in a directory of its own), one key per purpose:

- ``PSEUDONYM``: the keyed hashes the platform keeps instead of a member's identifiers — the
  intake's index, both suppression lists (the ledger's and the analytics store's), both
  quarantines, the rights requests' ``member_ref``. Its file keeps the name it had when it
  keyed the intake only, so existing workspaces keep their key;
- ``LOG_MEMBER``: member references in transparency-log bodies (published, so a key apart);
- ``LOG_SIGNER``, ``CONSENT_RECEIPT``: signing keys; ``ADMIN_SECRET``, ``CLI_SESSION``: the
  bootstrap administrator's one-time secret and the command line's signed-in token;
- ``LEGACY_STORE``: the analytics store's former key, read only to migrate its hashes
  (:mod:`fairfollow.events.hash_migration`) and removed afterwards.

:func:`keyed_hash` is the only keyed hash of an identifier: HMAC-SHA256 over a
domain-separated tag, ``domain`` + US (``\\x1f``) + value. A domain never contains the
separator, so the framing is unambiguous: the same value hashed for two purposes (a
suppressed member, a rights request, a quarantined cell) gives unrelated hashes. Keyed
hashes are pseudonyms and remain personal data; without the key nobody can test guesses.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum
from pathlib import Path

SEPARATOR = "\x1f"  # ASCII unit separator: never part of a domain


class KeyFile(StrEnum):
    """A key file's name in the keys directory, one per purpose (see the module)."""

    PSEUDONYM = "intake-match.key"
    LEGACY_STORE = "suppression.key"
    LOG_MEMBER = "member-ref.key"
    LOG_SIGNER = "transparency-log.key"
    CONSENT_RECEIPT = "consent-receipt-ed25519.pem"
    ADMIN_SECRET = "admin.secret"
    CLI_SESSION = "account.token"
    WITNESS = "witness.key"
    PSEUDONYMISED_ZONE = "pseudonymised-zone.key"  # APPI Art. 41: the key held apart

    def at(self, keys_dir: Path) -> Path:
        """This key's file in ``keys_dir``."""
        return keys_dir / self.value


def keyed_hash(key: bytes, domain: str, value: object) -> str:
    """HMAC-SHA256 (hex) of ``value`` under ``key``, framed by ``domain`` (see the module)."""
    if not domain or SEPARATOR in domain:
        raise ValueError(f"a hash domain is a non-empty name without US: {domain!r}")
    message = f"{domain}{SEPARATOR}{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
