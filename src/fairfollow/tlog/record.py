"""What one transparency-log leaf says: a typed record and its canonical byte encoding.

A leaf is the canonical JSON (``canonical_json``) of::

    {"body": {...}, "index": 17, "kind": "release", "ref": "rel-2019-07-15-0003", "v": 1}

``kind`` is a stable event name (``release``, ``release-decision`` …), ``ref`` the id of the
ledger row the leaf describes, ``body`` the record itself. The leaf carries its own index,
so a receipt's leaf cannot be presented at another position and a reordered log is caught
leaf by leaf.

Bodies hold no personal data in clear. A member appears only as :func:`member_ref`, an
HMAC-SHA256 keyed hash. A keyed hash is a pseudonym, still personal data (GDPR Art. 4(5)
and Recital 26; the PPC found hashed names to be personal information under APPI in the
2019 recommendations), so it is never called anonymous: the platform, which holds the key,
can show a member the entries that name them; without the key nobody can link them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from fairfollow import canonical_json
from fairfollow.canonical_json import JsonValue
from fairfollow.keys import keyed_hash

LEAF_VERSION = 1
MEMBER_REF_PREFIX = "hmac-sha256:"
MEMBER_REF_DOMAIN = "log_member"  # the keyed-hash domain of member references
MIN_MEMBER_KEY_BYTES = 32
_KIND = re.compile(r"[a-z][a-z0-9._-]{0,63}")
_MAX_REF = 200


class LeafKind(StrEnum):
    """Every kind of leaf the platform appends, named once: writers and readers use these,
    never the bare string (the committee's decisions are logged under their workflow event
    kinds, :class:`fairfollow.services.approval.EventKind`). They live with the log, not
    with each writer, because readers sit in tiers that may not import the writer (the
    rights receipt reads ``release`` leaves; rights and release share a tier)."""

    RELEASE = "release"  # a forecast released by the door (release/door)
    RELEASE_REFUSAL = "release-refusal"  # a forecast request the door refused
    BUDGET_CAP = "budget-cap"  # an employer's season cap changed (release/cap)
    RECORDS_PURGED = "records.purged"  # provision records past retention (records/retention)
    ROLE_GRANTED = "role.granted"  # a role granted to an account (accounts/authority)
    ROLE_REVOKED = "role.revoked"
    ACCOUNT_RECOVERED = "account.recovered"  # a privileged account recovered (accounts/)
    BREAK_GLASS_SEALED = "break-glass.sealed"  # a new break-glass secret in force
    QUORUM_SET = "quorum.set"  # the committee's quorum set (services/workflow)
    POLICY_ACTIVATED = "policy.activated"  # a privacy-policy version made active (consent/leaf)
    SCREEN_DEPLOYED = "screen.deployed"  # what a screen displays from when (consent/leaf)
    INCIDENT = "incident"  # a leak incident recorded, with its due times (incidents/register)
    INCIDENT_REPORT = "incident.report"  # a report or notice filed for an incident
    RULE_PACK = "law.pack"  # the rule packs changed version (usecases/law_packs)
    RIGHTS_ERASURE = "rights.erasure"  # an erasure completed: counts, no person (rights/erasure)


class LeafFormatError(ValueError):
    """Bytes that are not a FairFollow log leaf (wrong JSON, fields or version)."""


@dataclass(frozen=True)
class LogRecord:
    """A release or release decision as it goes into the log (no personal data in clear)."""

    kind: str
    ref: str
    body: Mapping[str, JsonValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A LeafKind is kept as its plain value: drivers and JSON see the same string.
        object.__setattr__(self, "kind", str(self.kind))
        if not _KIND.fullmatch(self.kind):
            raise ValueError(f"log record kind {self.kind!r} is not a stable event name")
        if not self.ref or len(self.ref) > _MAX_REF:
            raise ValueError(f"log record ref must be 1–{_MAX_REF} characters")
        if not isinstance(self.body, Mapping):
            raise ValueError("log record body must be a JSON object")


@dataclass(frozen=True)
class LoggedRecord:
    """A record read back from a leaf, with the index the leaf claims."""

    index: int
    record: LogRecord


def encode_leaf(record: LogRecord, index: int) -> bytes:
    """The leaf bytes of ``record`` at ``index``; ``ValueError`` if the body is not I-JSON."""
    return canonical_json.dumps(
        {
            "body": record.body,
            "index": index,
            "kind": record.kind,
            "ref": record.ref,
            "v": LEAF_VERSION,
        }
    )


def decode_leaf(content: bytes) -> LoggedRecord:
    """Parse leaf bytes; :class:`LeafFormatError` unless they are exactly what encode makes."""
    try:
        value = canonical_json.loads(content)
    except ValueError as exc:
        raise LeafFormatError("tlog.leaf_not_canonical") from exc
    if not isinstance(value, Mapping) or set(value) != {"body", "index", "kind", "ref", "v"}:
        raise LeafFormatError("tlog.leaf_fields_invalid")
    index, kind, ref, body = value["index"], value["kind"], value["ref"], value["body"]
    if value["v"] != LEAF_VERSION:
        raise LeafFormatError("tlog.leaf_version_unknown")
    if type(index) is not int or index < 0:
        raise LeafFormatError("tlog.leaf_fields_invalid")
    if not isinstance(kind, str) or not isinstance(ref, str) or not isinstance(body, Mapping):
        raise LeafFormatError("tlog.leaf_fields_invalid")
    try:
        record = LogRecord(kind=kind, ref=ref, body=body)
    except ValueError as exc:
        raise LeafFormatError("tlog.leaf_fields_invalid") from exc
    return LoggedRecord(index=index, record=record)


def claimed_index(content: bytes) -> int | None:
    """The index a leaf names, or None if unreadable: a quick read for scanning a whole log
    (the full format check of :func:`decode_leaf` costs five times as much)."""
    try:
        value = json.loads(content)
    except ValueError:  # also UnicodeDecodeError
        return None
    index = value.get("index") if isinstance(value, dict) else None
    return index if type(index) is int and index >= 0 else None


def member_ref(key: bytes, member_id: str | int) -> str:
    """A keyed hash (HMAC-SHA256) naming a member in a log body: pseudonymous, not anonymous.

    ``key`` is a secret of at least 32 bytes kept in the workspace keys directory, never in
    the log; without it a reader cannot test guesses of member ids against the log.
    """
    if len(key) < MIN_MEMBER_KEY_BYTES:
        raise ValueError(f"member-reference key must be at least {MIN_MEMBER_KEY_BYTES} bytes")
    return MEMBER_REF_PREFIX + keyed_hash(key, MEMBER_REF_DOMAIN, member_id)
