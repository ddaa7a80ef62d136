"""Show and set the per-employer privacy budgets (ε per season), and an employer user's own
standing (its budget, service and latest list).

Staff see every employer's budgets (``budget.show``); only the privacy officer sets a cap
(``budget.set``), dated by the clock the adapter passes in — the core refuses a change before
the ledger's clock, over the ceiling, below what is spent, or a raise without a reason. An
employer user sees its own employer's standing only (``employer.read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.errors import AuthenticationError
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.release import desk
from fairfollow.release.budget import Budget, PrivacyLimits
from fairfollow.release.budget_store import budgets_of
from fairfollow.release.cap import CapChange, CapChanged, change_cap
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class CapAsk:
    """The privacy officer's new cap for an employer's season, and why."""

    employer: str
    season: int
    cap: float
    reason: str = ""


@dataclass(frozen=True)
class Budgets:
    found: tuple[Budget, ...]

    def as_json(self) -> list[dict[str, object]]:
        return [b.as_json() for b in self.found]


def show_budgets(principal: Principal | None, engine: Engine, employer: str | None) -> Budgets:
    """Each employer's (or one employer's) ε cap, spent and releases per season."""
    require(principal, Action.BUDGET_SHOW)
    with reading(engine, "budget show") as conn:
        return Budgets(tuple(budgets_of(conn, employer)))


def set_cap(
    principal: Principal | None,
    ask: CapAsk,
    engine: Engine,
    limits: PrivacyLimits,
    now: datetime,
) -> CapChanged:
    """The privacy officer sets a cap: a ledger entry and a log leaf naming the account."""
    officer = require(principal, Action.BUDGET_SET)
    change = CapChange(ask.employer, ask.season, ask.cap, ask.reason, now)
    return change_cap(engine, change, actor=actor_of(officer), limits=limits)


def own_standing(
    principal: Principal | None, engine: Engine, workspace: Workspace, now: datetime
) -> desk.Standing:
    """The signed-in employer user's season at a glance: its budget, service, latest list."""
    me = require(principal, Action.EMPLOYER_READ)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_READ)
    with reading(engine, "employer standing") as conn:
        return desk.standing(conn, workspace, me.employer, now)
