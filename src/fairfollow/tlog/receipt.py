"""Release receipts: a C2SP ``tlog-proof`` file that anyone can verify offline.

::

    c2sp.org/tlog-proof@v1
    extra <base64 of the leaf content: the canonical JSON record>
    index 17
    <base64 proof hash, leaf level first>
    ...

    <the signed checkpoint note, verbatim>

The ``extra`` line carries the leaf itself, so the receipt shows what was released; it is
trusted only because its hash, placed at ``index`` by the proof, reproduces the root that
the log's key signed. Verifying needs the file and the log's public key, nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fairfollow.errors import TransparencyLogError
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.checkpoint_file import LogPublisher, publish_checkpoint
from fairfollow.tlog.cosignature import CosignerVerifier, cosignature_time
from fairfollow.tlog.keys import NoteVerifier
from fairfollow.tlog.policy import Policy
from fairfollow.tlog.record import LeafFormatError, LogRecord, decode_leaf

HEADER = "c2sp.org/tlog-proof@v1"
FILE_SUFFIX = ".tlog-proof"


@dataclass(frozen=True)
class Receipt:
    """Index, inclusion proof, signed checkpoint and the leaf they vouch for."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    leaf: bytes

    def encode(self) -> str:
        lines = [
            HEADER,
            "extra " + base64.b64encode(self.leaf).decode("ascii"),
            f"index {self.index}",
            *(base64.b64encode(item).decode("ascii") for item in self.proof),
        ]
        return "\n".join(lines) + "\n\n" + self.checkpoint_note


def parse_receipt(text: str) -> Receipt:
    """Read a receipt file; :class:`TransparencyLogError` if it is not in the format above."""
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise TransparencyLogError("tlog.receipt_no_checkpoint")
    lines = head.split("\n")
    if len(lines) < 3 or lines[0] != HEADER:
        raise TransparencyLogError("tlog.receipt_malformed")
    if not lines[1].startswith("extra "):
        raise TransparencyLogError("tlog.receipt_malformed")
    if not lines[2].startswith("index "):
        raise TransparencyLogError("tlog.receipt_malformed")
    digits = lines[2].removeprefix("index ")
    if not digits.isascii() or not digits.isdigit() or (digits != "0" and digits[0] == "0"):
        raise TransparencyLogError("tlog.receipt_index_invalid", index=digits)
    try:
        leaf = base64.b64decode(lines[1].removeprefix("extra "), validate=True)
        proof = tuple(base64.b64decode(line, validate=True) for line in lines[3:])
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise TransparencyLogError("tlog.receipt_malformed") from exc
    if any(len(item) != merkle.HASH_SIZE for item in proof):
        raise TransparencyLogError("tlog.receipt_malformed")
    return Receipt(index=int(digits), proof=proof, checkpoint_note=note, leaf=leaf)


def issue_receipt(conn: Connection, index: int, publisher: LogPublisher, now: datetime) -> Receipt:
    """A receipt for leaf ``index`` under the newest checkpoint, publishing one if needed."""
    checkpoint = log_store.latest_checkpoint(conn)
    if checkpoint is None or checkpoint.size <= index:
        checkpoint = publish_checkpoint(conn, publisher, now)
    leaf = log_store.read_leaf(conn, index)
    if merkle.leaf_hash(leaf.content) != leaf.leaf_hash:
        raise TransparencyLogError("tlog.leaf_hash_mismatch", index=index)
    proof = log_store.inclusion_proof(conn, index, checkpoint.size)
    return Receipt(index, tuple(proof), checkpoint.note, leaf.content)


@dataclass(frozen=True)
class LogReceiptCheck:
    """The outcome of verifying a receipt: a value, so a failed check is data, not a crash."""

    valid: bool
    reason: str
    index: int | None = None
    tree_size: int | None = None
    record: LogRecord | None = None


def verify_receipt(
    text: str,
    verifier: NoteVerifier,
    origin: str | None = None,
    witnesses: Sequence[CosignerVerifier] = (),
    policy: Policy | None = None,
) -> LogReceiptCheck:
    """Check a receipt offline against the log's public key (and witnesses' keys).

    Valid only if the checkpoint carries a good signature by ``verifier`` for the expected
    origin and a good cosignature by every key in ``witnesses`` (a witness cosigns one root
    per tree size, so two receipts from a split view cannot both pass) — or the quorum of
    a C2SP tlog-policy (``policy``) — the proof places
    the hash of the enclosed leaf at the stated index under the signed root, and the leaf
    is a well-formed record claiming that same index.
    """
    try:
        receipt = parse_receipt(text)
        checkpoint = open_checkpoint(receipt.checkpoint_note, verifier, origin)
        for witness in witnesses:
            cosignature_time(receipt.checkpoint_note, witness)
        if policy is not None:
            policy.check(receipt.checkpoint_note)
    except TransparencyLogError as exc:
        return LogReceiptCheck(False, str(exc))
    index, size = receipt.index, checkpoint.size
    if index >= size:
        return LogReceiptCheck(False, f"checkpoint of size {size} does not cover leaf {index}")
    leaf_hash = merkle.leaf_hash(receipt.leaf)
    if not merkle.verify_inclusion(leaf_hash, index, size, list(receipt.proof), checkpoint.root):
        return LogReceiptCheck(
            False, "inclusion proof does not lead to the signed root", index=index, tree_size=size
        )
    try:
        logged = decode_leaf(receipt.leaf)
    except LeafFormatError as exc:
        return LogReceiptCheck(False, f"leaf is not a FairFollow record: {exc}", index, size)
    if logged.index != index:
        return LogReceiptCheck(False, f"leaf claims index {logged.index}, not {index}", index, size)
    return LogReceiptCheck(True, "valid", index=index, tree_size=size, record=logged.record)
