"""Verifiable "who received my data": a member's proof for one release, checked offline.

A member provision proof (``*.member-proof``, UTF-8 JSON) holds::

    {"format": "fairfollow/member-provision-proof@v1",
     "release": {"decision_id": 7, "recipient": "E0001", "provided_at": …, "items": …},
     "member_secret": "<hex: the member's own per-member secret>",
     "log_receipt": "<the C2SP tlog-proof of the release's log leaf>",
     "member_proof": {"included": true, "size": 64, "leaves": [{index, token, proof}]}}

``fairfollow log verify-receipt FILE --key KEY`` checks, with the file and the log's public key
only: the log receipt (signed checkpoint, inclusion of the release leaf); the member's token
``HMAC(secret, salt)`` from the leaf's ``members`` commitment; and that token's inclusion under
the commitment's root — or, for a member who was left out, that the two adjacent committed
tokens bracket it. A proof made for someone else fails: their secret gives another token.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fairfollow.canonical_json import JsonValue
from fairfollow.errors import TransparencyLogError
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import commitment, member_store
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.keys import NoteVerifier
from fairfollow.tlog.receipt import issue_receipt, verify_receipt
from fairfollow.tlog.record import LeafKind, decode_leaf

FORMAT = "fairfollow/member-provision-proof@v1"
FILE_SUFFIX = ".member-proof"


@dataclass(frozen=True)
class MemberReceipt:
    """One release, from the member's side: whether they were in it, and the proofs."""

    decision_id: int
    log_index: int
    included: bool
    release: Mapping[str, JsonValue]
    text: str  # the file's content

    @property
    def file_name(self) -> str:
        state = "included" if self.included else "excluded"
        return f"release-{self.decision_id}-{state}{FILE_SUFFIX}"


def member_receipt(
    conn: Connection,
    member_id: int,
    decision_id: int,
    release: Mapping[str, JsonValue],
    publisher: LogPublisher,
    now: datetime,
) -> MemberReceipt:
    """The member's proof for the release of ``decision_id`` (inclusion or exclusion)."""
    leaf = log_store.find_leaf(conn, LeafKind.RELEASE, f"dec-{decision_id}")
    if leaf is None:
        raise TransparencyLogError("rights.release_leaf_missing", release=decision_id)
    body = decode_leaf(leaf.content).record.body
    members = body.get("members")
    if not isinstance(members, Mapping):
        raise TransparencyLogError("rights.release_commitment_missing", release=decision_id)
    root = bytes.fromhex(str(members["root"]))
    committed = member_store.load_commitment(conn, root)
    if committed is None:
        raise TransparencyLogError("rights.release_commitment_not_stored", release=decision_id)
    # A member left out of every release gets a secret now, for their exclusion proofs.
    secret = member_store.secrets_of(conn, [member_id], now, secrets.token_bytes)[member_id]
    proof = commitment.prove(committed, commitment.token(secret, committed.salt))
    receipt = issue_receipt(conn, leaf.index, publisher, now)
    payload: dict[str, JsonValue] = {
        "format": FORMAT,
        "release": dict(release),
        "member_secret": secret.hex(),
        "log_receipt": receipt.encode(),
        "member_proof": proof.as_json(),
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return MemberReceipt(decision_id, leaf.index, proof.included, release, text)


@dataclass(frozen=True)
class MemberReceiptCheck:
    """The outcome of checking a member proof: a value, so a failed check is data."""

    valid: bool
    included: bool
    reason: str
    log_index: int | None = None
    tree_size: int | None = None
    release: Mapping[str, object] | None = None


def verify_member_receipt(
    text: str, verifier: NoteVerifier, origin: str | None = None
) -> MemberReceiptCheck:
    """Check a member provision proof offline (see the module docstring)."""
    try:
        payload = json.loads(text)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            return MemberReceiptCheck(False, False, f"not a {FORMAT} file")
        secret = bytes.fromhex(str(payload["member_secret"]))
        proof = commitment.parse_proof(payload["member_proof"])
        log_text = str(payload["log_receipt"])
    except (ValueError, KeyError) as exc:
        return MemberReceiptCheck(False, False, f"malformed member proof: {exc}")
    logged = verify_receipt(log_text, verifier, origin)
    if not logged.valid or logged.record is None:
        return MemberReceiptCheck(False, proof.included, f"log receipt: {logged.reason}")
    members = logged.record.body.get("members")
    if not isinstance(members, Mapping):
        return MemberReceiptCheck(False, proof.included, "the release leaf has no commitment")
    try:
        root = bytes.fromhex(str(members["root"]))
        salt = bytes.fromhex(str(members["salt"]))
        size = members["size"]
        token = commitment.token(secret, salt)
    except (KeyError, ValueError) as exc:
        return MemberReceiptCheck(False, proof.included, f"malformed commitment: {exc}")
    if type(size) is not int:
        return MemberReceiptCheck(False, proof.included, "commitment size is not an integer")
    release = payload.get("release") if isinstance(payload.get("release"), dict) else None
    if release is None or release.get("decision_id") != logged.record.body.get("decision_id"):
        return MemberReceiptCheck(False, proof.included, "the release named is not the leaf's")
    check = commitment.verify(root, size, token, proof)
    return MemberReceiptCheck(
        check.valid, check.included, check.reason, logged.index, logged.tree_size, release
    )
