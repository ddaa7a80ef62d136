"""What the consent ledger states in the transparency log: each policy version activated
(with digests of the notice's texts, the notice a member was shown) and what each screen
displays since when.

With these leaves a monitor sees from the log alone what the 2019 defect was: a screen still
displaying the old version after a new one was activated. Consent sits beside the log, not
above it, so the store does not append: it hands each leaf to a hook the application layer
passes in (:func:`fairfollow.usecases.log.consent_leaf_hook`), inside the same transaction.
Pure: values in, values out. The bodies name no ``at``: the release door's ledger clock
reads ``at`` (a deploy log may be recorded late, and must not hold releases back).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fairfollow.canonical_json import JsonValue
from fairfollow.consent.policy import ActivationDecision, Deployment, PolicyVersion
from fairfollow.instants import utc
from fairfollow.ledger.transaction import Connection

# Leaf kinds, the same strings as fairfollow.tlog.record.LeafKind (a test holds them equal).
SCREEN_DEPLOYED = "screen.deployed"
POLICY_ACTIVATED = "policy.activated"


@dataclass(frozen=True)
class ConsentLeaf:
    kind: str
    ref: str
    body: Mapping[str, JsonValue]


LeafHook = Callable[[Connection, ConsentLeaf], object]


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def deployment_leaf(deployment: Deployment) -> ConsentLeaf:
    """From ``since`` the screen displays ``version`` (None: taken down)."""
    body: dict[str, JsonValue] = {
        "screen": deployment.screen_id,
        "version": deployment.version_id,
        "since": deployment.deployed_at.isoformat(),
    }
    return ConsentLeaf(SCREEN_DEPLOYED, deployment_ref(deployment.deploy_id), body)


def activation_leaf(decision: ActivationDecision, version: PolicyVersion) -> ConsentLeaf:
    """The version made active (forced or not), the digests of its texts and its purposes."""
    body: dict[str, JsonValue] = {
        "version": version.version_id,
        "activated_at": decision.at.isoformat(),
        "outcome": decision.outcome.value,
        "effective_at": version.effective_at.isoformat(),
        "text_ja": _digest(version.text_ja),
        "text_en": _digest(version.text_en),
        "purposes": sorted(version.purposes),
        "lagging": [[s.screen_id, s.displayed] for s in decision.lagging],
    }
    return ConsentLeaf(POLICY_ACTIVATED, f"activate-{version.version_id}", body)


def deployment_ref(deploy_id: int) -> str:
    """The log ref of a deployment's leaf (its ``screen.deployed`` leaf)."""
    return f"deploy-{deploy_id}"


def deployment_in_effect(
    deployments: Iterable[Deployment], screen_id: str, at: datetime
) -> Deployment | None:
    """The deployment that set what ``screen_id`` displayed at ``at`` (a consent decision's
    screen state, whose leaf a consent receipt can be proved against)."""
    current: Deployment | None = None
    for dep in deployments:
        if dep.screen_id != screen_id or dep.deployed_at > utc(at):
            continue
        if current is None or (dep.deployed_at, dep.deploy_id) > (
            current.deployed_at,
            current.deploy_id,
        ):
            current = dep
    return current
