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
from fairfollow.ledger.engine import applied_heads, schema_heads
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.records.decision_store import load_decisions
from fairfollow.release.budget_store import budgets_of
from fairfollow.tlog import store as log_store
from fairfollow.tlog.keys import SIGNER_FILE
from fairfollow.workspace import Workspace

# The pointer to the current model that training writes (model.booster.CURRENT_POINTER;
# not imported: it would load the analysis stack into every web worker).
CURRENT_POINTER = "current"


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
    decisions: dict[tuple[str, str], int] = field(default_factory=dict)  # (outcome, reason)
    epsilon_by_season: dict[int, float] = field(default_factory=dict)


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


def figures(engine: Engine, now: datetime) -> OpsFigures:
    """The log, release and budget figures as the ledger holds them now."""
    try:
        with reading(engine, "metrics") as conn:
            size = log_store.tree_size(conn)
            latest = log_store.latest_checkpoint(conn)
            decisions = Counter((d.outcome, d.reason) for d in load_decisions(conn))
            spent: defaultdict[int, float] = defaultdict(float)
            for budget in budgets_of(conn):
                spent[budget.season] += budget.spent
    except FairFollowError:
        return OpsFigures(0, None)
    age = None if latest is None else max(0.0, (now - latest.issued_at).total_seconds())
    return OpsFigures(size, age, dict(decisions), dict(spent))
