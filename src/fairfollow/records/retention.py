"""Retention of provision and confirmation records: a purge at the ledger's clock.

A purge deletes only records whose retention period (APPI Art. 29(2), 30(4); PPC Rules
Art. 21, 25) has ended *at the ledger database's own clock*: no caller can claim a later
instant and delete records the law still requires. Every purge, even one that deletes
nothing, is a decision in the ledger and a ``records.purged`` leaf of the transparency log
naming the counts, in the same transaction as the deletion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.canonical_json import JsonValue
from fairfollow.ledger.transaction import Engine, transaction
from fairfollow.records import decision_store, provision_store
from fairfollow.records.provision import RETENTION_CITATION
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, LogRecord

RECORDS_PURGE = "records_purge"


@dataclass(frozen=True)
class PurgeReport:
    provisions: int
    confirmations: int
    at: datetime
    decision_id: int
    leaf_index: int

    def as_json(self) -> dict[str, object]:
        return {
            "provisions": self.provisions,
            "confirmations": self.confirmations,
            "at": self.at.isoformat(),
            "decision_id": self.decision_id,
            "leaf_index": self.leaf_index,
            "citation": RETENTION_CITATION,
        }


def purge_records(engine: Engine, actor: Principal) -> PurgeReport:
    """Delete the records past retention at the ledger's clock; record and log the purge."""
    with transaction(engine, "records purge") as conn:
        require(
            Principal(
                actor.account_id, actor.login, account_store.roles_of(conn, actor.account_id)
            ),
            Action.RECORDS_PURGE,
        )
        now = provision_store.ledger_now(conn)
        purged = provision_store.purge_expired(conn, now)
        counts = {"provisions": purged.provisions, "confirmations": purged.confirmations}
        decision_id = decision_store.record_decision(
            conn,
            decision_store.DecisionRecord(
                request=RECORDS_PURGE,
                outcome="allow",
                reason="retention_ended",
                actor=actor_of(actor),
                at=now,
                rules=json.dumps([{"citation": RETENTION_CITATION}], ensure_ascii=False),
                detail=json.dumps(counts),
            ),
        )
        body: dict[str, JsonValue] = {**counts, "at": now.isoformat(), "by": str(actor_of(actor))}
        body["citation"] = RETENTION_CITATION
        leaf = log_store.append(
            conn, LogRecord(LeafKind.RECORDS_PURGED, f"purge-{decision_id}", body)
        )
        return PurgeReport(purged.provisions, purged.confirmations, now, decision_id, leaf.index)
