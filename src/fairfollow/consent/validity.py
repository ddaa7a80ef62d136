"""Consent validity: the rule, the reasons it can fail, and a per-member reference (pure).

Consent of a member for a purpose is valid at time *t* only if:

1. the member's latest decision for the purpose at or before *t* is a grant
   (APPI Art. 27(1): consent is prior to the provision; a later refusal or withdrawal
   ends it);
2. the grant was made on a screen whose deployment at that instant displayed a policy
   version that covers the purpose (APPI Art. 17(1), 21(1), 27(1): a person consents to the
   purposes actually shown; the 2019 case);
3. no material change to the purpose effective at or before *t* came in a version later
   than the one displayed (APPI Art. 17(2), 21(3): a change beyond what a person could
   reasonably foresee needs fresh consent).

Instants: "at or before *t*" includes *t*; a deployment at *t* applies to an event at *t*;
two decisions at the same instant are ordered by event id (the larger is later). Every
instant is compared in UTC.

:func:`evaluate` is the plain reference of this rule, one member at a time. The ledger
evaluates all members at once in SQL (:mod:`fairfollow.consent.coverage`); property tests hold the
two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from fairfollow.consent.policy import Deployment, PolicyVersion, displayed_version
from fairfollow.instants import utc


class ConsentAction(StrEnum):
    GRANT = "grant"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"


class Reason(StrEnum):
    """Why consent is or is not valid; the values are stable report keys."""

    VALID = "valid"
    NEVER_ASKED = "never_asked"
    STALE_SCREEN_VERSION = "stale_screen_version"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    NEEDS_RECONSENT = "needs_reconsent"


@dataclass(frozen=True)
class ReasonInfo:
    reason: Reason
    label_en: str
    label_ja: str
    citation: str


# Declared once; reports, docs and tests list the reasons from here.
REASONS: tuple[ReasonInfo, ...] = (
    ReasonInfo(Reason.VALID, "valid consent", "有効な同意", "APPI Art. 27(1)"),
    ReasonInfo(
        Reason.NEVER_ASKED,
        "never asked for this purpose",
        "この目的について同意を求められていない",
        "APPI Art. 27(1)",
    ),
    ReasonInfo(
        Reason.STALE_SCREEN_VERSION,
        "granted on a screen showing a version that did not cover the purpose",
        "目的を含まない版を表示していた画面での同意",
        "APPI Art. 17(1), 21(1), 27(1)",
    ),
    ReasonInfo(Reason.REFUSED, "refused", "拒否", "APPI Art. 27(1)"),
    ReasonInfo(Reason.WITHDRAWN, "withdrawn", "撤回", "APPI Art. 27(1), 35(5)"),
    ReasonInfo(
        Reason.NEEDS_RECONSENT,
        "needs fresh consent after a material change",
        "重要な変更後の再同意が必要",
        "APPI Art. 17(2), 21(3)",
    ),
)
REASON_INFO: Mapping[Reason, ReasonInfo] = {info.reason: info for info in REASONS}


@dataclass(frozen=True)
class ConsentEvent:
    """A member's decision about one purpose, as the consent service logged it.

    ``version_recorded`` is what the service *believed* was shown (the active policy); the
    deploy log decides what the screen really displayed.
    """

    event_id: int
    member_id: int
    purpose_key: str
    action: ConsentAction
    screen_id: str
    version_recorded: str | None
    occurred_at: datetime
    method: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_at", utc(self.occurred_at))


@dataclass(frozen=True)
class Verdict:
    """Whether one member's consent for one purpose is valid at one instant, and why."""

    member_id: int
    purpose_key: str
    reason: Reason
    screen_id: str | None = None  # the screen of the deciding event
    version_shown: str | None = None  # what that screen displayed then (deploy log)
    event_id: int | None = None

    @property
    def valid(self) -> bool:
        return self.reason is Reason.VALID


def latest_material_change(
    versions: Iterable[PolicyVersion], purpose_key: str, at: datetime
) -> datetime | None:
    """The latest instant ≤ ``at`` at which a material change to the purpose took effect."""
    at = utc(at)
    times = [
        v.effective_at
        for v in versions
        if purpose_key in v.material_changes and v.effective_at <= at
    ]
    return max(times, default=None)


def evaluate(
    member_id: int,
    purpose_key: str,
    at: datetime,
    events: Iterable[ConsentEvent],
    deployments: Iterable[Deployment],
    versions: Mapping[str, PolicyVersion],
) -> Verdict:
    """The reference rule for one member (module docstring), written for clarity."""
    at = utc(at)
    mine = [
        e
        for e in events
        if e.member_id == member_id and e.purpose_key == purpose_key and e.occurred_at <= at
    ]
    if not mine:
        return Verdict(member_id, purpose_key, Reason.NEVER_ASKED)
    last = max(mine, key=lambda e: (e.occurred_at, e.event_id))
    shown = displayed_version(deployments, last.screen_id, last.occurred_at)
    base = Verdict(member_id, purpose_key, Reason.VALID, last.screen_id, shown, last.event_id)
    if last.action is ConsentAction.REFUSE:
        return replace(base, reason=Reason.REFUSED)
    if last.action is ConsentAction.WITHDRAW:
        return replace(base, reason=Reason.WITHDRAWN)
    version = versions.get(shown) if shown is not None else None
    if version is None or not version.covers(purpose_key):
        return replace(base, reason=Reason.STALE_SCREEN_VERSION)
    changed_at = latest_material_change(versions.values(), purpose_key, at)
    if changed_at is not None and version.effective_at < changed_at:
        return replace(base, reason=Reason.NEEDS_RECONSENT)
    return base
