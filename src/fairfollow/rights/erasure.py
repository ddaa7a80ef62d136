"""Erasure that really erases (APPI Art. 35; GDPR Art. 17), and what it keeps, and why.

:func:`erase_member`, in order, each step atomic on its own and the whole safe to re-run:

1. the analytics store: the member's rows and those of their cookies removed, Parquet
   rewritten and the catalogue swapped in one batch, keyed hashes added to the store's
   suppression list so no later ingest brings them back (:mod:`fairfollow.events.erasure`);
2. features and training sets (``analytics/features``, ``analytics/offers``): their rows
   removed, each file rewritten atomically; every saved model is marked "retrain due";
3. the ledger, in one transaction: consent registration and events deleted, the per-member
   secret shredded (the log stays verifiable, its commitments can no longer be linked to the
   person), offer-pool links cleared, the member put on the suppression list that intake
   and consent ingest consult, the rights requests reduced to the keyed hash; then the
   database file is compacted so no freed page keeps a value;
4. the member's earlier exports in the workspace's reports are deleted.

Kept: the provision records naming the member (APPI Art. 29(1)-(2), Enforcement Rules
Art. 21: 1 or 3 years), listed in the result with their retention date. They are purged when
that date passes (``fairfollow records purge``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.consent import suppression_store
from fairfollow.events.erasure import StoreRewrite, rewrite_members
from fairfollow.ledger.transaction import transaction
from fairfollow.model.retrain import mark_retrain_due
from fairfollow.records import provision_store
from fairfollow.rights.desk import Desk
from fairfollow.rights.erasure_store import compact, erase_in_ledger

RETENTION_CITATION = "APPI Art. 29(1)-(2); Enforcement Rules Art. 21 (1 or 3 years)"
EXPORT_PREFIX = "rights-request-"


@dataclass(frozen=True)
class Retained:
    """A record kept after the erasure, and why."""

    record: str
    retain_until: datetime
    why: str

    def as_json(self) -> dict[str, object]:
        return {
            "record": self.record,
            "retain_until": self.retain_until.isoformat(),
            "why": self.why,
        }


@dataclass(frozen=True)
class ErasureReport:
    store: StoreRewrite | None
    training_rows_removed: dict[str, int]
    models_marked: int
    ledger: dict[str, int]
    exports_deleted: int
    retained: tuple[Retained, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "store": None if self.store is None else self.store.as_dict(),
            "training_rows_removed": self.training_rows_removed,
            "models_marked_retrain_due": self.models_marked,
            "ledger": self.ledger,
            "exports_deleted": self.exports_deleted,
            "retained": [r.as_json() for r in self.retained],
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


def erase_member(desk: Desk, member_id: int, request_id: int, at: datetime) -> ErasureReport:
    """Erase the member everywhere but in the records the law requires kept (see module)."""
    workspace = desk.workspace
    rewrite = None
    if workspace.duckdb_path.exists():
        rewrite = rewrite_members(workspace, [member_id], settings=desk.settings, now=at)
    training: dict[str, int] = {}
    for path in training_files(workspace.analytics_dir):
        removed = _erase_from_file(path, member_id)
        if removed:
            training[path.relative_to(workspace.analytics_dir).as_posix()] = removed
    marked = mark_retrain_due(
        workspace.models_dir, at, f"data of a member erased (rights request {request_id})"
    )
    member_ref = desk.member_ref(member_id)
    with transaction(desk.engine, "rights erasure") as conn:
        ledger = erase_in_ledger(conn, member_id, member_ref, request_id, key=desk.suppression_key)
        suppression_store.suppress(conn, desk.suppression_key, member_id, "erasure", at, request_id)
        kept = tuple(
            Retained(
                f"provision record {p.provision_id} (to {p.recipient}, "
                f"{p.provided_at.date().isoformat()})",
                p.retain_until,
                f"third-party provision record the law requires kept: {RETENTION_CITATION}",
            )
            for p in provision_store.provisions_for_member(conn, member_id)
        )
        from fairfollow.rights.store import load_requests

        exports = [workspace.request_export(r.request_id) for r in load_requests(conn, member_ref)]
    compact(desk.engine)
    deleted = 0
    for folder in exports:
        if folder.is_dir():
            shutil.rmtree(folder)
            deleted += 1
    return ErasureReport(rewrite, training, len(marked), ledger, deleted, kept)
