"""Changing an employer's season ε cap: a hard ceiling, a reason to raise, a log leaf.

A cap change is a ledger entry (``gov_budget_entries``, kind ``cap``, with its actor and
reason) and a transparency-log leaf (kind ``budget-cap``), in one transaction: an auditor
sees every cap a release was measured against, and nobody can quietly lift one. The cap
never exceeds :attr:`PrivacyLimits.cap_ceiling` (setting ``budget_cap_ceiling``); raising
it needs a stated reason; lowering it never goes below what the season has spent.

``actor`` is the account that changes the cap. Only the privacy officer may: the accounts
work binds that check to an authenticated account id; this module records whoever it is
given and checks everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fairfollow.actor import Actor
from fairfollow.canonical_json import JsonValue
from fairfollow.errors import GovernanceError
from fairfollow.ledger.transaction import Connection, Engine, transaction
from fairfollow.release.budget import DEFAULT_LIMITS, Budget, PrivacyLimits, check_raise
from fairfollow.release.budget_store import budget, lock_budget, set_cap
from fairfollow.release.leaf import ledger_clock
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, LogRecord

Appender = Callable[[Connection, LogRecord], log_store.LeafRef]


@dataclass(frozen=True)
class CapChange:
    employer: str
    season: int
    cap: float
    reason: str
    at: datetime


@dataclass(frozen=True)
class CapChanged:
    budget: Budget
    previous_cap: float
    log_index: int


def change_cap(
    engine: Engine,
    change: CapChange,
    *,
    actor: Actor,
    limits: PrivacyLimits = DEFAULT_LIMITS,
    appender: Appender = log_store.append,
) -> CapChanged:
    """Set the cap (see module); ``GovernanceError`` names the rule a change breaks."""
    with transaction(engine, "budget set") as conn:
        lock_budget(conn, change.employer, change.season, change.at)
        clock = ledger_clock(conn)
        if clock is not None and change.at < clock:
            raise GovernanceError("release.cap_change_backdated", at=change.at, clock=clock)
        previous = budget(conn, change.employer, change.season).cap
        check_raise(previous, change.cap, limits.cap_ceiling, change.reason)
        after = set_cap(
            conn,
            change.employer,
            change.season,
            change.cap,
            actor=actor,
            at=change.at,
            reason=change.reason.strip(),
        )
        body: dict[str, JsonValue] = {
            "employer": change.employer,
            "season": change.season,
            "epsilon_cap": change.cap,
            "previous_cap": previous,
            "reason": change.reason.strip(),
            "actor": str(actor),
            "at": change.at.isoformat(),
        }
        ref = f"cap-{change.employer}-{change.season}-{after.releases}-{change.at.isoformat()}"
        leaf = appender(conn, LogRecord(LeafKind.BUDGET_CAP, ref[:200], body))
        return CapChanged(after, previous, leaf.index)
