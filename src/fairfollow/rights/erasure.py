"""Erasure that really erases (APPI Art. 35; GDPR Art. 17), and what it keeps, and why.

:data:`ERASURE_PLAN`, step by step, each recorded on the request when done
(:mod:`fairfollow.rights.plan`: a retry resumes after the last recorded step):

1. ``store`` — the analytics store: the member's rows and those of their cookies removed,
   Parquet rewritten and the catalogue swapped in one batch, keyed hashes added to the
   store's suppression list so no later ingest brings them back
   (:mod:`fairfollow.events.erasure`);
2. ``training_sets`` — features and training sets (``analytics/features``,
   ``analytics/offers``): their rows removed, each file rewritten atomically;
3. ``models`` — every saved model marked "retrain due";
4. ``exports`` — the exports of the member's requests deleted from the workspace's one
   exports folder (:meth:`fairfollow.workspace.Workspace.request_export`);
5. ``ledger`` — in one transaction with the record that the request is done: consent
   registration and events deleted, the per-member secret shredded (the log stays
   verifiable, its commitments can no longer be linked to the person), offer-pool links
   cleared, the member put on the suppression list that intake and consent ingest consult,
   the rights requests reduced to the keyed hash, and a ``rights.erasure`` leaf (counts and
   retention dates, no personal data) appended to the transparency log;
6. ``compaction`` — the database file compacted so no freed page keeps a value.

Kept: the provision records naming the member (APPI Art. 29(1)-(2), Enforcement Rules
Art. 21: 1 or 3 years), listed in the ledger step's record with their retention date. They
are purged when that date passes (``fairfollow records purge``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.canonical_json import JsonValue
from fairfollow.consent import suppression_store
from fairfollow.events.erasure import rewrite_members
from fairfollow.ledger.transaction import Connection, reading
from fairfollow.model.retrain import mark_retrain_due
from fairfollow.records import provision_store
from fairfollow.rights.erasure_store import compact, erase_in_ledger
from fairfollow.rights.plan import Plan, Run
from fairfollow.rights.store import load_requests
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, LogRecord

RETENTION_CITATION = "APPI Art. 29(1)-(2); Enforcement Rules Art. 21 (1 or 3 years)"


@dataclass(frozen=True)
class Retained:
    """A record kept after the erasure, until when, and the law that keeps it."""

    provision_id: int
    recipient: str
    provided_at: datetime
    retain_until: datetime
    citation: str = RETENTION_CITATION

    def as_json(self) -> dict[str, object]:
        return {
            "provision_id": self.provision_id,
            "recipient": self.recipient,
            "provided_at": self.provided_at.isoformat(),
            "retain_until": self.retain_until.isoformat(),
            "citation": self.citation,
        }


def training_files(analytics_dir: Path) -> list[Path]:
    """The feature and offer tables the analysts built (the training sets)."""
    return sorted(analytics_dir.glob("features/season=*/features.parquet")) + sorted(
        analytics_dir.glob("offers/season=*/offers.parquet")
    )


def _erase_from_file(path: Path, member_id: int) -> int:
    table = pq.read_table(path)
    if "member_id" not in table.column_names:
        return 0
    mask = pc.equal(table["member_id"].cast(pa.int64()), member_id)
    removed = int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)
    if removed:
        tmp = path.with_suffix(".tmp")
        pq.write_table(table.filter(pc.invert(pc.fill_null(mask, False))), tmp)
        tmp.replace(path)  # readers never see a half-written file
    return removed


def _store(run: Run) -> dict[str, object]:
    workspace = run.desk.workspace
    if not workspace.duckdb_path.exists():
        return {"store": None}
    rewrite = rewrite_members(workspace, [run.member_id], settings=run.desk.settings, now=run.at)
    return {"store": rewrite.as_dict()}


def _training_sets(run: Run) -> dict[str, object]:
    training: dict[str, int] = {}
    analytics = run.desk.workspace.analytics_dir
    for path in training_files(analytics):
        removed = _erase_from_file(path, run.member_id)
        if removed:
            training[path.relative_to(analytics).as_posix()] = removed
    return {"training_rows_removed": training}


def _models(run: Run) -> dict[str, object]:
    why = f"data of a member erased (rights request {run.request.request_id})"
    return {
        "models_marked_retrain_due": len(
            mark_retrain_due(run.desk.workspace.models_dir, run.at, why)
        )
    }


def _exports(run: Run) -> dict[str, object]:
    workspace = run.desk.workspace
    with reading(run.desk.engine, "rights exports of member") as conn:
        mine = [r.request_id for r in load_requests(conn, run.request.member_ref)]
    deleted = 0
    for folder in (workspace.request_export(r) for r in mine):
        if folder.is_dir():
            shutil.rmtree(folder)
            deleted += 1
    return {"exports_deleted": deleted}


def _ledger(run: Run, conn: Connection) -> dict[str, object]:
    desk, member, request_id = run.desk, run.member_id, run.request.request_id
    kept = tuple(
        Retained(p.provision_id, p.recipient, p.provided_at, p.retain_until)
        for p in provision_store.provisions_for_member(conn, member)
    )
    counts = erase_in_ledger(
        conn, member, run.request.member_ref, request_id, key=desk.suppression_key
    )
    suppression_store.suppress(conn, desk.suppression_key, member, "erasure", run.at, request_id)
    body: dict[str, JsonValue] = {
        "request": request_id,
        "at": run.at.isoformat(),
        "ledger": {k: int(v) for k, v in sorted(counts.items())},
        "kept": [
            {"provision": r.provision_id, "retain_until": r.retain_until.isoformat()} for r in kept
        ],
    }
    leaf = log_store.append(conn, LogRecord(LeafKind.RIGHTS_ERASURE, f"rr-{request_id}", body))
    return {
        "ledger": counts,
        "retained": [r.as_json() for r in kept],
        "log_leaf": leaf.index,
    }


def _compaction(run: Run) -> dict[str, object]:
    compact(run.desk.engine)
    return {"compacted": run.desk.engine.dialect.name}


ERASURE_PLAN = Plan(
    before=(
        ("store", _store),
        ("training_sets", _training_sets),
        ("models", _models),
        ("exports", _exports),
    ),
    ledger=("ledger", _ledger),
    after=(("compaction", _compaction),),
)
