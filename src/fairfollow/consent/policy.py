"""Privacy-policy versions, the screens that display them, and the activation gate (pure).

The 2019 case happened because a revised policy never reached one registration screen and
nobody could tell (the regulator's 2019 findings). Here a version's life is a series of
status events (draft → approved → active → retired), every screen's display is a series of
deployments from the site's deploy log, and :func:`check_activation` refuses to let a
version go live while any active screen displays something else. A refusal is a value
(:class:`ActivationDecision`); only the CLI turns it into an exit code.

Time rule, used everywhere: a deployment at instant *t* applies to events at *t* (the screen
displays the new version from *t* on, inclusive); two deployments of one screen at the same
instant are ordered by ``deploy_id``, the larger one wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fairfollow.actor import Actor
from fairfollow.errors import InputError
from fairfollow.instants import utc
from fairfollow.law.tying import TiedPurpose, citation_text, tied

# APPI Art. 17(1): a purpose must be specified "as far as possible"; Art. 21(1): it is
# notified or published. PPC general guidelines 3-1-1 ask that a person can foresee the
# processing, its output and who receives it, so each purpose carries both.
PURPOSE_CITATION = "APPI Art. 17(1), Art. 21(1); PPC general guidelines 3-1-1"
# The gate: consent to provision is only as good as the text the person was shown
# (APPI Art. 27(1)); the operator's remediation made a privacy officer own every screen.
ACTIVATION_CITATION = "APPI Art. 27(1)"

# W3C DPV 2 purpose concepts FairFollow accepts (https://w3id.org/dpv#). Declared as data so
# that a purpose naming an unknown or misfit concept is refused with one message. Security
# and access-control purposes (dpv:EnforceAccessControl, dpv:EnforceSecurity …) are left out
# on purpose: no FairFollow purpose that a member consents to is one of them.
DPV_PURPOSE_TERMS: frozenset[str] = frozenset(
    {
        "dpv:AcademicResearch",
        "dpv:AccountManagement",
        "dpv:Advertising",
        "dpv:CommercialResearch",
        "dpv:CommunicationManagement",
        "dpv:CustomerCare",
        "dpv:DirectMarketing",
        "dpv:HumanResourceManagement",
        "dpv:ImproveExistingProductsAndServices",
        "dpv:Marketing",
        "dpv:NonCommercialResearch",
        "dpv:Personalisation",
        "dpv:PersonalisedAdvertising",
        "dpv:PersonnelHiring",
        "dpv:ProvidePersonalisedRecommendations",
        "dpv:RecruitmentManagement",
        "dpv:RequestedServiceProvision",
        "dpv:ResearchAndDevelopment",
        "dpv:SellInsightsFromData",
        "dpv:ServiceOptimisation",
        "dpv:ServicePersonalisation",
        "dpv:ServiceProvision",
        "dpv:ServiceRegistration",
        "dpv:ServiceUsageAnalytics",
        "dpv:TargetedAdvertising",
    }
)

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


class PolicyStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    ACTIVE = "active"
    RETIRED = "retired"


# Allowed status transitions, declared once; anything else is refused.
TRANSITIONS: Mapping[PolicyStatus | None, frozenset[PolicyStatus]] = {
    None: frozenset({PolicyStatus.DRAFT}),
    PolicyStatus.DRAFT: frozenset({PolicyStatus.APPROVED}),
    PolicyStatus.APPROVED: frozenset({PolicyStatus.ACTIVE}),
    PolicyStatus.ACTIVE: frozenset({PolicyStatus.RETIRED}),
    PolicyStatus.RETIRED: frozenset(),
}


def _require(ok: bool, code: str, **params: object) -> None:
    if not ok:
        raise InputError(code, **params)


@dataclass(frozen=True)
class Purpose:
    """A purpose members consent to, specified so that they can foresee its use."""

    key: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    output: str  # what the processing produces, e.g. "aggregate forecast per offer pool"
    recipient_class: str  # who receives that output, e.g. "client employer"
    dpv_term: str

    def __post_init__(self) -> None:
        _require(bool(_KEY.match(self.key)), "consent.purpose_key_unstable", key=self.key)
        for field in ("name_ja", "name_en", "description_ja", "description_en", "output"):
            _require(
                bool(getattr(self, field).strip()),
                "consent.purpose_field_empty",
                purpose=self.key,
                field=field,
            )
        _require(
            bool(self.recipient_class.strip()),
            "consent.purpose_field_empty",
            purpose=self.key,
            field="recipient_class",
        )
        _require(
            self.dpv_term in DPV_PURPOSE_TERMS,
            "consent.purpose_dpv_unknown",
            purpose=self.key,
            term=self.dpv_term,
        )


@dataclass(frozen=True)
class PolicyVersion:
    """One text of the privacy policy and the purposes it covers.

    ``material_changes`` lists purposes whose change in this version is material: consent
    given on a screen that displayed an earlier version no longer counts from
    ``effective_at`` on (fresh consent is needed).
    """

    version_id: str
    effective_at: datetime
    purposes: frozenset[str]
    text_ja: str
    text_en: str
    material_changes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _require(
            bool(_ID.match(self.version_id)), "consent.version_id_bad", version=self.version_id
        )
        object.__setattr__(self, "effective_at", utc(self.effective_at))
        _require(
            self.material_changes <= self.purposes,
            "consent.material_change_uncovered",
            version=self.version_id,
        )
        _require(
            bool(self.text_ja.strip() and self.text_en.strip()),
            "consent.policy_text_missing",
            version=self.version_id,
        )

    def covers(self, purpose_key: str) -> bool:
        return purpose_key in self.purposes


@dataclass(frozen=True)
class Screen:
    """A page or app view where members register or give consent."""

    screen_id: str
    channel: str
    description_ja: str
    description_en: str

    def __post_init__(self) -> None:
        _require(bool(_ID.match(self.screen_id)), "consent.screen_id_bad", screen=self.screen_id)


@dataclass(frozen=True)
class Deployment:
    """From ``deployed_at`` the screen displays ``version_id`` (None: taken down)."""

    deploy_id: int
    screen_id: str
    version_id: str | None
    deployed_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "deployed_at", utc(self.deployed_at))


def displayed_versions(deployments: Iterable[Deployment], at: datetime) -> dict[str, str | None]:
    """What each deployed screen displays at ``at`` (a deployment at ``at`` applies)."""
    at = utc(at)
    latest: dict[str, Deployment] = {}
    for dep in deployments:
        if dep.deployed_at > at:
            continue
        seen = latest.get(dep.screen_id)
        if seen is None or (dep.deployed_at, dep.deploy_id) > (seen.deployed_at, seen.deploy_id):
            latest[dep.screen_id] = dep
    return {screen: dep.version_id for screen, dep in latest.items()}


def displayed_version(
    deployments: Iterable[Deployment], screen_id: str, at: datetime
) -> str | None:
    """The version ``screen_id`` displays at ``at``; None if none is deployed there."""
    return displayed_versions((d for d in deployments if d.screen_id == screen_id), at).get(
        screen_id
    )


@dataclass(frozen=True)
class StatusEvent:
    """One transition in a version's life, with who made it and why."""

    version_id: str
    status: PolicyStatus
    at: datetime
    actor: Actor
    reason: str = ""
    forced: bool = False


def current_status(events: Iterable[StatusEvent]) -> PolicyStatus | None:
    """The status after the last event (events in the order they were recorded)."""
    status: PolicyStatus | None = None
    for event in events:
        status = event.status
    return status


def check_transition(current: PolicyStatus | None, target: PolicyStatus) -> str | None:
    """None if ``current`` → ``target`` is allowed, else the reason it is not."""
    if target in TRANSITIONS[current]:
        return None
    shown = current.value if current else "unknown"
    return f"a version cannot go from {shown} to {target.value}"


@dataclass(frozen=True)
class LaggingScreen:
    """An active screen that does not display the version being activated."""

    screen_id: str
    displayed: str | None


class ActivationOutcome(StrEnum):
    ACTIVATED = "activated"
    FORCED = "forced"  # went live despite lagging screens, by a named person with a reason
    REFUSED = "refused"


class GateReason(StrEnum):
    """Why the gate refused, as stable codes (the adapters word them; the decision itself
    holds the version, its status and the lagging screens they refer to)."""

    NOT_APPROVED = "consent.gate.not_approved"  # the version's status cannot go active
    NO_SCREEN = "consent.gate.no_screen"  # no active screen displays the version
    SCREENS_LAG = "consent.gate.screens_lag"  # active screens display another version
    FORCE_NEEDS_REASON = "consent.gate.force_needs_reason"
    # registration depends on consent to a purpose the service does not need (no force)
    TIED_CONSENT = "consent.gate.tied_consent"


@dataclass(frozen=True)
class ActivationDecision:
    """The gate's answer for one version at one instant, kept in the ledger either way."""

    version_id: str
    at: datetime
    outcome: ActivationOutcome
    lagging: tuple[LaggingScreen, ...]
    reasons: tuple[GateReason, ...]
    actor: Actor
    reason: str = ""
    citation: str = ACTIVATION_CITATION
    status: PolicyStatus | None = None  # the version's status when the gate was asked
    tied: tuple[TiedPurpose, ...] = ()  # purposes registration may not depend on

    @property
    def allowed(self) -> bool:
        return self.outcome is not ActivationOutcome.REFUSED


def check_activation(
    version_id: str,
    status: PolicyStatus | None,
    deployments: Iterable[Deployment],
    at: datetime,
    *,
    actor: Actor,
    force: bool = False,
    reason: str = "",
    required: Iterable[TiedPurpose] = (),
) -> ActivationDecision:
    """May ``version_id`` go live at ``at``? Every active screen must display it.

    An active screen is one whose latest deployment at ``at`` displays some version. With
    ``force`` a named ``actor`` and a ``reason`` let it go live over lagging screens; that
    is recorded as forced and makes no consent given on those screens valid.

    ``required`` are the purposes registration needs consent to, for the version (no
    screen) or for one screen's deployment; one the job-site service does not need refuses
    the version whatever ``force`` says (:mod:`fairfollow.law.tying`).
    """
    at = utc(at)
    shown = displayed_versions(deployments, at)
    tying = tied(p for p in required if p.screen_id is None or shown.get(p.screen_id) == version_id)
    lagging = tuple(
        LaggingScreen(screen, version)
        for screen, version in sorted(shown.items())
        if version is not None and version != version_id
    )
    reasons: list[GateReason] = []
    problem = check_transition(status, PolicyStatus.ACTIVE)
    if problem:
        reasons.append(GateReason.NOT_APPROVED)
    if not any(version == version_id for version in shown.values()):
        reasons.append(GateReason.NO_SCREEN)
    if lagging:
        reasons.append(GateReason.SCREENS_LAG)
    if tying:
        reasons.append(GateReason.TIED_CONSENT)
    forceable = not problem and not tying and bool(lagging) and bool(reason.strip())
    if not reasons:
        outcome = ActivationOutcome.ACTIVATED
    elif force and forceable and GateReason.NO_SCREEN not in reasons:
        outcome = ActivationOutcome.FORCED
    else:
        outcome = ActivationOutcome.REFUSED
        if force and not reason.strip():
            reasons.append(GateReason.FORCE_NEEDS_REASON)
    return ActivationDecision(
        version_id=version_id,
        at=at,
        outcome=outcome,
        lagging=lagging,
        reasons=tuple(reasons),
        actor=actor,
        reason=reason,
        status=status,
        tied=tying,
        citation=citation_text() if tying else ACTIVATION_CITATION,
    )
