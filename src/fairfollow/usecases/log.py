"""The transparency log's use cases: publish a checkpoint, issue and publish a receipt, audit.

Publishing signs the tree head, keeps it in the ledger and appends it to the copy kept
outside the database (:func:`fairfollow.tlog.checkpoint_file.publish_checkpoint`, the one
function every issuer calls). The audit holds the ledger to that copy: a copy that is missing,
truncated or behind the ledger's latest checkpoint fails the audit, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, check
from fairfollow.consent.leaf import ConsentLeaf, deployment_ref
from fairfollow.errors import ConfigError, TransparencyLogError
from fairfollow.ledger.transaction import Connection, Engine, reading, transaction
from fairfollow.release.reconciliation import Reconciliation, reconcile_budgets
from fairfollow.tlog import proofs, tile_store, tiles
from fairfollow.tlog import store as log_store
from fairfollow.tlog.audit import AuditReport, Progress, audit_log
from fairfollow.tlog.checkpoint_file import (
    CopyCheck,
    LogPublisher,
    check_copy,
    publish_checkpoint,
)
from fairfollow.tlog.cosignature import cosignature_time
from fairfollow.tlog.keys import SIGNER_FILE, NoteVerifier
from fairfollow.tlog.policy import Policy
from fairfollow.tlog.receipt import (
    FILE_SUFFIX,
    LogReceiptCheck,
    Receipt,
    issue_receipt,
    verify_receipt,
)
from fairfollow.tlog.record import LeafKind, LogRecord
from fairfollow.tlog.store import LeafRef
from fairfollow.tlog.witness import Witness
from fairfollow.tlog.witness_http import WitnessReply, collect_cosignatures
from fairfollow.workspace import Workspace


def publish(
    principal: Principal | None,
    engine: Engine,
    publisher: LogPublisher,
    now: datetime,
    *,
    policy: Policy | None = None,
    local: bool = False,
) -> log_store.StoredCheckpoint:
    """Sign the current tree head (or reuse the latest), keep it and publish it outside;
    with a ``policy``, then send it to the policy's witnesses and keep their cosignatures."""
    check(principal, Action.LOG_PUBLISH, local=local)
    with transaction(engine, "checkpoint") as conn:
        stored = publish_checkpoint(conn, publisher, now)
    if policy is None:
        return stored
    return replace(stored, note=cosign(principal, engine, policy, local=local).note)


@dataclass(frozen=True)
class Cosigning:
    """The latest checkpoint sent to a policy's witnesses: the note with every cosignature
    it holds now, each witness's answer, and whether the policy's quorum is met."""

    size: int
    note: str
    replies: tuple[WitnessReply, ...]
    quorum_met: bool


def cosign(
    principal: Principal | None, engine: Engine, policy: Policy, *, local: bool = False
) -> Cosigning:
    """Send the latest checkpoint to every witness of ``policy`` (C2SP tlog-witness over
    HTTP, after the checkpoint's transaction: no network call holds the ledger) and keep the
    cosignatures that verify with the checkpoint, so receipts carry them."""
    check(principal, Action.LOG_PUBLISH, local=local)
    with reading(engine, "checkpoints to cosign") as conn:
        checkpoints = log_store.list_checkpoints(conn)
    if not checkpoints:
        raise TransparencyLogError("tlog.log_unsigned")
    latest = checkpoints[-1]

    def held(name: str) -> int:
        """The size the witness last cosigned, as far as the ledger's notes tell."""
        key = policy.witnesses[name].key
        for stored in reversed(checkpoints):
            try:
                cosignature_time(stored.note, key)
            except TransparencyLogError:
                continue
            return stored.size
        return 0

    def proof_from(old: int) -> list[bytes]:
        if not 0 < old < latest.size:
            return []
        with reading(engine, "consistency proof for a witness") as conn:
            return log_store.consistency_proof(conn, old, latest.size)

    note, replies = collect_cosignatures(policy, latest.note, latest.size, held, proof_from)
    if note != latest.note:
        with transaction(engine, "keep cosignatures") as conn:
            log_store.record_cosigned(conn, latest.size, latest.root, note)
    return Cosigning(latest.size, note, tuple(replies), policy.satisfied(note))


@dataclass(frozen=True)
class ReceiptPublication:
    """A leaf's receipt written to the workspace's reports and checked offline with the
    public key alone, as a member or an auditor would."""

    index: int
    checkpoint_note: str
    path: Path
    verifier_key: str
    check: LogReceiptCheck


def publish_receipt(
    principal: Principal | None,
    engine: Engine,
    workspace: Workspace,
    publisher: LogPublisher,
    now: datetime,
    *,
    index: int | None = None,
    local: bool = False,
) -> ReceiptPublication:
    """The receipt of leaf ``index`` (default the latest), under a published checkpoint,
    written to ``reports/log-leaf-<index>.tlog-proof`` and verified from the file."""
    check(principal, Action.LOG_PUBLISH, local=local)
    with transaction(engine, "publish receipt") as conn:
        size = log_store.tree_size(conn)
        leaf = size - 1 if index is None else index
        if leaf < 0:
            raise TransparencyLogError("tlog.log_empty")
        receipt = issue_receipt(conn, leaf, publisher, now)
    path = workspace.reports_dir / f"log-leaf-{leaf}{FILE_SUFFIX}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(receipt.encode(), encoding="utf-8")
    verifier = publisher.verifier
    found = verify_receipt(path.read_text(encoding="utf-8"), verifier)
    return ReceiptPublication(leaf, receipt.checkpoint_note, path, verifier.encode(), found)


@dataclass(frozen=True)
class LogAudit:
    """An audit of the whole log: the leaves and checkpoints (``report``), the outside copy
    against the ledger (``copy``), every stored head (``heads``) and, when asked, the
    budgets recounted from the log (``budgets``)."""

    report: AuditReport
    copy: CopyCheck
    heads: tuple[proofs.HeadCheck, ...]
    budgets: Reconciliation | None

    @property
    def heads_consistent(self) -> bool:
        return all(head.ok for head in self.heads)

    @property
    def ok(self) -> bool:
        """Passed: no finding, the copy current, every head consistent, budgets agree, and
        something to audit (an empty log is no pass)."""
        return (
            self.report.ok
            and self.report.tree_size > 0
            and self.copy.ok
            and self.heads_consistent
            and (self.budgets is None or self.budgets.ok)
        )


def audit(
    principal: Principal | None,
    engine: Engine,
    verifier: NoteVerifier,
    outside: Path,
    *,
    witness: Path | None = None,
    budgets: bool = False,
    on_progress: Progress | None = None,
    local: bool = False,
) -> LogAudit:
    """Audit every leaf and checkpoint against ``verifier``'s key, the outside copy at
    ``outside`` and (``witness``) what a witness cosigned; ``budgets``: recount them too."""
    check(principal, Action.LOG_AUDIT, local=local)
    witnessed = None
    if witness is not None:
        witnessed = Witness(witness, create=False).log(verifier.name)
        if witnessed is None:
            raise TransparencyLogError("tlog.witness_unseen", witness=str(witness))
    with reading(engine, "audit") as conn:
        latest = log_store.latest_checkpoint(conn)
        copy = check_copy(outside, None if latest is None else latest.size, verifier)
        report = audit_log(conn, verifier, on_progress, witnessed=witnessed, mirrored=copy.notes)
        heads = tuple(proofs.check_heads(conn, verifier))
        recount = reconcile_budgets(conn) if budgets else None
    return LogAudit(report, copy, heads, recount)


@dataclass(frozen=True)
class TileExport:
    """The log written as C2SP tlog-tiles files: where, its signed size, how many files."""

    directory: Path
    size: int
    files: int


def export_tiles(
    principal: Principal | None, engine: Engine, directory: Path, *, local: bool = False
) -> TileExport:
    """Write the checkpoint, every tile and entry bundle (and the partial tiles of every
    signed size) under ``directory``, for a static server or an offline auditor."""
    check(principal, Action.LOG_READ, local=local)
    with reading(engine, "export tiles") as conn:
        size, files = tile_store.export_tiles(conn, directory)
    return TileExport(directory, size, files)


def read_tile(principal: Principal | None, engine: Engine, level: str, rest: str) -> bytes:
    """One C2SP tile or entry bundle by its path (``<L>/<N>[.p/<W>]``, ``entries/<N>…``), up
    to the latest signed size; a malformed path or an unsigned tile is refused
    (:class:`~fairfollow.errors.TransparencyLogError`)."""
    check(principal, Action.LOG_READ)
    wanted = tiles.parse_tile(level, rest)
    with reading(engine, "log tile") as conn:
        return tile_store.read_tile(conn, wanted, tile_store.signed_size(conn))


def consent_leaf_hook(conn: Connection, leaf: ConsentLeaf) -> LeafRef:
    """Append a consent leaf (a policy activation, a screen deployment) in the caller's
    transaction: the hook the consent stores are handed (:mod:`fairfollow.consent.leaf`)."""
    return log_store.append(conn, LogRecord(LeafKind(leaf.kind), leaf.ref[:200], leaf.body))


def screen_state_receipt(
    principal: Principal | None,
    engine: Engine,
    publisher: LogPublisher,
    deploy_id: int,
    now: datetime,
    *,
    local: bool = False,
) -> Receipt | None:
    """The log receipt of a screen deployment's leaf: the inclusion proof, under a signed
    checkpoint, of what a screen displayed when a consent decision was made on it (a consent
    receipt's ``screen_deploy_id``). None when the deployment was recorded without a leaf."""
    check(principal, Action.LOG_PUBLISH, local=local)  # it may sign a checkpoint
    with transaction(engine, "screen state receipt") as conn:
        leaf = log_store.find_leaf(conn, LeafKind.SCREEN_DEPLOYED, deployment_ref(deploy_id))
        return None if leaf is None else issue_receipt(conn, leaf.index, publisher, now)


@dataclass(frozen=True)
class ServingPrepared:
    """What serving a workspace needed and was made: the log key (a fresh workspace has
    none until its first checkpoint), or nothing when all was there."""

    created_log_key: bool


def prepare_serving(workspace: Workspace, engine: Engine) -> ServingPrepared:
    """Make what the web application needs on a workspace that holds a ledger. The log key
    is created only while no checkpoint has been signed (in the ledger or its outside
    copy): a log whose key is lost must not be re-signed by a new one, which would hide
    the loss from every verifier, so that is refused for the operator to restore the key."""
    if (workspace.keys_dir / SIGNER_FILE).exists():
        return ServingPrepared(created_log_key=False)
    with reading(engine, "serve prepare") as conn:
        signed = log_store.latest_checkpoint(conn) is not None
    copy = workspace.checkpoint_file
    if signed or (copy.exists() and copy.stat().st_size > 0):
        raise ConfigError("usecases.log_key_lost", path=str(workspace.keys_dir))
    workspace.keys_dir.mkdir(parents=True, exist_ok=True)
    LogPublisher.of_workspace(workspace)  # creates the key (and nothing is signed yet)
    return ServingPrepared(created_log_key=True)
