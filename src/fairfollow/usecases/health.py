"""What an operator watches: readiness, and the figures ``/metrics`` exports.

Readiness names what is missing by a short code (``ledger_unreachable``, ``schema_old``,
``log_key_missing``, ``model_missing``), never a path, a URL or an error text a stranger
could use. The figures are read from the core at scrape time: the ledger is the truth, so
several web workers export the same numbers without sharing memory.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from fairfollow.errors import FairFollowError
from fairfollow.intake.pool_store import intakes_of
from fairfollow.ledger.engine import applied_heads, schema_heads
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.records.decision_store import load_decisions
from fairfollow.release.budget_store import budgets_of
from fairfollow.rights.store import load_requests
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import split_note
from fairfollow.tlog.keys import SIGNER_FILE
from fairfollow.workspace import Workspace

# The pointer to the current model that training writes (model.booster.CURRENT_POINTER;
# not imported: it would load the analysis stack into every web worker).
CURRENT_POINTER = "current"
# A C2SP cosignature/v1 signature: a u64 timestamp, then the 64-byte Ed25519 signature.
_COSIGNATURE_LENGTH = 8 + 64
# The release door's decision outcomes, as an operator's dashboard names them.
_RELEASE_OUTCOME = {"allow": "released", "deny": "refused", "gap": "gap"}


@dataclass(frozen=True)
class Readiness:
    reasons: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class OpsFigures:
    log_size: int
    checkpoint_age_s: float | None  # None: no checkpoint yet
    decisions: dict[tuple[str, str], int] = field(
        default_factory=dict
    )  # released|refused|gap, reason
    epsilon_by_season: dict[int, float] = field(default_factory=dict)
    intake_rows: dict[str, int] = field(default_factory=dict)  # accepted | quarantined
    rights_requests: dict[str, int] = field(default_factory=dict)  # open | overdue
    cosignature_age_s: float | None = None  # None: no witness has cosigned yet


def readiness(workspace: Workspace, engine: Engine) -> Readiness:
    reasons: list[str] = []
    try:
        applied = applied_heads(engine)
    except Exception:  # any driver failure means the same thing to a load balancer
        reasons.append("ledger_unreachable")
    else:
        if schema_heads() - applied:
            reasons.append("schema_old")
    if not (workspace.keys_dir / SIGNER_FILE).is_file():
        reasons.append("log_key_missing")
    if not (workspace.models_dir / CURRENT_POINTER).is_file():
        reasons.append("model_missing")
    return Readiness(tuple(reasons))


def _cosigned_at(checkpoints: list[log_store.StoredCheckpoint]) -> int | None:
    """The newest witness cosignature's time (POSIX seconds) on the stored checkpoints.

    Read, not verified: a gauge for the operator (is the witness still answering?); the
    audit is what verifies cosignatures against the witnesses' keys."""
    for stored in reversed(checkpoints):
        try:
            _, signatures = split_note(stored.note)
        except FairFollowError:
            continue
        times = [
            int.from_bytes(s.signature[:8], "big")
            for s in signatures
            if s.name != stored.key_name and len(s.signature) == _COSIGNATURE_LENGTH
        ]
        if times:
            return max(times)
    return None


def figures(engine: Engine, now: datetime) -> OpsFigures:
    """The log, release, budget, intake, rights and witness figures as the ledger holds
    them now (counts only: no member, employer or account appears in them)."""
    try:
        with reading(engine, "metrics") as conn:
            size = log_store.tree_size(conn)
            checkpoints = log_store.list_checkpoints(conn)
            decisions = Counter(
                (_RELEASE_OUTCOME.get(d.outcome, d.outcome), d.reason)
                for d in load_decisions(conn)
                if d.request.startswith("release")  # not service reviews nor intakes
            )
            spent: defaultdict[int, float] = defaultdict(float)
            for budget in budgets_of(conn):
                spent[budget.season] += budget.spent
            intakes = intakes_of(conn)
            requests = load_requests(conn)
    except FairFollowError:
        return OpsFigures(0, None)
    latest = checkpoints[-1] if checkpoints else None
    age = None if latest is None else max(0.0, (now - latest.issued_at).total_seconds())
    cosigned = _cosigned_at(checkpoints)
    return OpsFigures(
        size,
        age,
        dict(decisions),
        dict(spent),
        intake_rows={
            "accepted": sum(i.rows_accepted for i in intakes),
            "quarantined": sum(i.rows_quarantined for i in intakes),
        },
        rights_requests={
            "open": sum(1 for r in requests if r.status.open),
            "overdue": sum(1 for r in requests if r.overdue(now)),
        },
        cosignature_age_s=None if cosigned is None else max(0.0, now.timestamp() - cosigned),
    )
