"""Privacy-policy versions: the overview (versions, screens, gate decisions) and activation.

Each use case checks its action against the one action table first, so the command line
(which had no check on ``policy list``) and the officer's console refuse the same callers.
"""

from __future__ import annotations

from datetime import datetime

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.consent import activation_store
from fairfollow.consent.policy import ActivationDecision
from fairfollow.ledger.transaction import Engine, reading, transaction
from fairfollow.usecases.log import consent_leaf_hook


def overview(
    principal: Principal | None, engine: Engine, at: datetime
) -> activation_store.PolicyOverview:
    """Versions with their status, screens with what they display, and gate decisions."""
    require(principal, Action.POLICY_LIST)
    with reading(engine, "policy list") as conn:
        return activation_store.overview(conn, at)


def activate(
    principal: Principal | None,
    engine: Engine,
    version_id: str,
    at: datetime,
    *,
    force: bool = False,
    reason: str = "",
) -> ActivationDecision:
    """The privacy officer runs the activation gate for ``version_id`` (refused while a
    screen lags, unless forced with a reason); the decision is recorded with the actor, and
    an activation is logged (the transparency log's ``policy.activated`` leaf)."""
    me = require(principal, Action.POLICY_ACTIVATE)
    with transaction(engine, "activate policy") as conn:
        return activation_store.activate(
            conn,
            version_id,
            at=at,
            actor=actor_of(me),
            force=force,
            reason=reason,
            on_leaf=consent_leaf_hook,
        )
