"""Who may do what: the one action table, read by the core, the CLI and the web alike.

Every use case names one :class:`Action`; :data:`ALLOWED` says which callers may take it.
A caller is described by its :class:`Audience` set (:func:`audiences_of`): the public always;
a signed-in account also its kind (a member's own account, an employer user's account) and
each staff role it holds now. Member and employer actions are always on the caller's *own*
data: the use case reads the member id or the employer from the principal, never from input.

``LOCAL`` is the workspace's own shell — whoever can read its files and keys runs the
pipeline (simulate, ingest, features, training, the replay, publishing checkpoints). The web
never has it; the CLI grants it to those commands only.

A refusal is an :class:`~fairfollow.errors.AuthenticationError` (nobody signed in) or a
:class:`~fairfollow.errors.RoleError` (signed in, not allowed), each with a code and the
action, so the adapters word it in the caller's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from fairfollow.accounts.account import Principal, Role
from fairfollow.errors import AuthenticationError, RoleError


class Audience(StrEnum):
    """The callers an action can be open to."""

    PUBLIC = "public"
    LOCAL = "local"
    SIGNED_IN = "signed_in"
    MEMBER = "member"
    EMPLOYER = "employer"
    ANALYST = "analyst"
    PRIVACY_OFFICER = "privacy_officer"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    OPERATOR = "operator"
    ADMINISTRATOR = "administrator"
    PRODUCT_OWNER = "product_owner"


class Action(StrEnum):
    """Every guarded thing a caller can do, once, with a stable name."""

    # Anyone.
    SITE_READ = "site.read"
    LOG_READ = "log.read"
    SIGN_IN = "account.sign_in"
    # Any signed-in account, on itself.
    ACCOUNT_SELF = "account.self"
    # A member, on their own data.
    MEMBER_READ = "member.read"
    MEMBER_CONSENT = "member.consent"
    MEMBER_REQUEST = "member.request"
    # An employer user, on its own employer's figures.
    EMPLOYER_READ = "employer.read"
    EMPLOYER_UPLOAD = "employer.upload"
    EMPLOYER_FORECAST = "employer.forecast"
    # Accounts and the committee.
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_LIST = "account.list"
    ACCOUNT_AUDIT = "account.audit"
    ROLE_CHANGE = "role.change"
    QUORUM_SET = "quorum.set"
    # Data services and their review.
    SERVICE_REGISTER = "service.register"
    SERVICE_SUBMIT = "service.submit"
    SERVICE_SIGN_OFF = "service.sign_off"
    SERVICE_APPROVE = "service.approve"
    SERVICE_VETO = "service.veto"
    SERVICE_SHOW = "service.show"
    REVIEW_QUEUE = "service.queue"
    # Policy versions and their screens.
    POLICY_LIST = "policy.list"
    POLICY_ADD = "policy.add"
    POLICY_APPROVE = "policy.approve"
    POLICY_DEPLOY = "policy.deploy"
    POLICY_ACTIVATE = "policy.activate"
    # Consent.
    CONSENT_COVERAGE = "consent.coverage"
    CONSENT_MEMBER_IDS = "consent.member_ids"
    # Employers' lists and releases, by staff on an employer's behalf.
    INTAKE_UPLOAD = "intake.upload"
    RELEASE_FORECAST = "release.forecast"
    RELEASE_INTERNAL = "release.internal"
    RELEASE_OPENING = "release.opening"  # the figures behind a public release leaf
    BUDGET_SHOW = "budget.show"
    BUDGET_SET = "budget.set"
    # Records the law makes the platform keep.
    RECORDS_READ = "records.read"
    RECORDS_MEMBER = "records.member"
    RECORDS_PURGE = "records.purge"
    MEMBER_READ_ANY = "member.read_any"
    # Leak incidents on the statutory clock (APPI Art. 26).
    INCIDENT_RECORD = "incident.record"
    INCIDENT_REPORT = "incident.report"
    INCIDENT_READ = "incident.read"
    # The record of processing (GDPR Art. 30, APPI Art. 32).
    PROCESSING_READ = "processing.read"
    # Data-subject requests handled by staff.
    RIGHTS_FILE = "rights.file"
    RIGHTS_ACT = "rights.act"
    # The log and the model, for those who oversee them.
    LOG_AUDIT = "log.audit"
    MODEL_OVERSIGHT = "model.oversight"
    MODEL_EVALUATE = "model.evaluate"
    INGEST_REPORT = "ingest.report"
    # The pipeline, from the workspace's own shell.
    PIPELINE_RUN = "pipeline.run"
    LOG_PUBLISH = "log.publish"
    METRICS_READ = "metrics.read"


A = Audience
STAFF = frozenset(
    {A.ADMINISTRATOR, A.PRIVACY_OFFICER, A.REVIEWER, A.ANALYST, A.OPERATOR, A.PRODUCT_OWNER}
)
OVERSIGHT = frozenset({A.PRIVACY_OFFICER, A.AUDITOR})

# The one table. A role added later may do nothing until it is written here.
ALLOWED: Mapping[Action, frozenset[Audience]] = {
    Action.SITE_READ: frozenset({A.PUBLIC}),
    Action.LOG_READ: frozenset({A.PUBLIC}),
    Action.SIGN_IN: frozenset({A.PUBLIC}),
    Action.ACCOUNT_SELF: frozenset({A.SIGNED_IN}),
    Action.MEMBER_READ: frozenset({A.MEMBER}),
    Action.MEMBER_CONSENT: frozenset({A.MEMBER}),
    Action.MEMBER_REQUEST: frozenset({A.MEMBER}),
    Action.EMPLOYER_READ: frozenset({A.EMPLOYER}),
    Action.EMPLOYER_UPLOAD: frozenset({A.EMPLOYER}),
    Action.EMPLOYER_FORECAST: frozenset({A.EMPLOYER}),
    Action.ACCOUNT_CREATE: frozenset({A.ADMINISTRATOR}),
    Action.ACCOUNT_LIST: frozenset({A.ADMINISTRATOR, A.PRIVACY_OFFICER}),
    Action.ACCOUNT_AUDIT: frozenset({A.ADMINISTRATOR, A.PRIVACY_OFFICER}),
    Action.ROLE_CHANGE: frozenset({A.ADMINISTRATOR}),
    Action.QUORUM_SET: frozenset({A.ADMINISTRATOR}),
    Action.SERVICE_REGISTER: frozenset({A.PRODUCT_OWNER}),
    Action.SERVICE_SUBMIT: frozenset({A.PRODUCT_OWNER}),
    Action.SERVICE_SIGN_OFF: frozenset({A.PRIVACY_OFFICER}),
    Action.SERVICE_APPROVE: frozenset({A.REVIEWER}),
    Action.SERVICE_VETO: frozenset({A.REVIEWER}),
    Action.SERVICE_SHOW: STAFF | {A.AUDITOR},
    Action.REVIEW_QUEUE: frozenset({A.REVIEWER, A.PRIVACY_OFFICER}),
    Action.POLICY_LIST: STAFF | {A.AUDITOR},
    Action.POLICY_ADD: frozenset({A.PRIVACY_OFFICER}),
    Action.POLICY_APPROVE: frozenset({A.PRIVACY_OFFICER}),
    Action.POLICY_DEPLOY: frozenset({A.PRIVACY_OFFICER, A.OPERATOR}),
    Action.POLICY_ACTIVATE: frozenset({A.PRIVACY_OFFICER}),
    Action.CONSENT_COVERAGE: STAFF | {A.AUDITOR},
    Action.CONSENT_MEMBER_IDS: frozenset({A.PRIVACY_OFFICER, A.OPERATOR}),
    Action.INTAKE_UPLOAD: frozenset({A.ANALYST, A.OPERATOR, A.PRIVACY_OFFICER}),
    Action.RELEASE_FORECAST: frozenset({A.ANALYST, A.OPERATOR, A.PRIVACY_OFFICER}),
    Action.RELEASE_INTERNAL: frozenset({A.ANALYST, A.PRIVACY_OFFICER}),
    # The employer its own (the use case checks whose), oversight and a regulator's account.
    Action.RELEASE_OPENING: frozenset({A.EMPLOYER, A.AUDITOR, A.PRIVACY_OFFICER}),
    Action.BUDGET_SHOW: STAFF | {A.AUDITOR},
    Action.BUDGET_SET: frozenset({A.PRIVACY_OFFICER}),
    Action.RECORDS_READ: OVERSIGHT,
    Action.RECORDS_MEMBER: frozenset({A.OPERATOR, A.PRIVACY_OFFICER}),
    Action.RECORDS_PURGE: frozenset({A.ADMINISTRATOR, A.OPERATOR}),
    Action.MEMBER_READ_ANY: frozenset({A.OPERATOR}),
    Action.INCIDENT_RECORD: frozenset({A.PRIVACY_OFFICER, A.OPERATOR}),
    Action.INCIDENT_REPORT: frozenset({A.PRIVACY_OFFICER}),
    Action.INCIDENT_READ: OVERSIGHT | {A.OPERATOR},
    Action.PROCESSING_READ: STAFF | {A.AUDITOR},
    Action.RIGHTS_FILE: frozenset({A.OPERATOR, A.PRIVACY_OFFICER}),
    Action.RIGHTS_ACT: frozenset({A.OPERATOR, A.PRIVACY_OFFICER}),
    Action.LOG_AUDIT: OVERSIGHT | {A.ADMINISTRATOR, A.OPERATOR, A.LOCAL},
    Action.MODEL_OVERSIGHT: OVERSIGHT,
    Action.MODEL_EVALUATE: frozenset({A.PRIVACY_OFFICER}),
    Action.INGEST_REPORT: frozenset({A.ANALYST, A.OPERATOR}),
    Action.PIPELINE_RUN: frozenset({A.LOCAL}),
    Action.LOG_PUBLISH: frozenset({A.LOCAL, A.OPERATOR}),
    Action.METRICS_READ: frozenset({A.OPERATOR, A.ADMINISTRATOR}),
}

_ROLE_AUDIENCE = {role: Audience(role.value) for role in Role}


def audiences_of(principal: Principal | None, *, local: bool = False) -> frozenset[Audience]:
    """Every audience a caller belongs to. ``local``: the caller is the workspace's own shell
    (the CLI says so for its pipeline commands; the web never does)."""
    found = {Audience.PUBLIC}
    if local:
        found.add(Audience.LOCAL)
    if principal is None:
        return frozenset(found)
    found.add(Audience.SIGNED_IN)
    if principal.member_id is not None:
        found.add(Audience.MEMBER)
    if principal.employer is not None:
        found.add(Audience.EMPLOYER)
    found |= {_ROLE_AUDIENCE[r] for r in principal.roles}
    return frozenset(found)


def permits(principal: Principal | None, action: Action, *, local: bool = False) -> bool:
    """Whether the caller may take ``action``, without raising."""
    return bool(ALLOWED[action] & audiences_of(principal, local=local))


# Who wants to know which action a caller asked for (the application's action log); an
# observer here keeps this tier from importing the one above it.
_WATCHERS: list[Callable[[Action], None]] = []


def watch(watcher: Callable[[Action], None]) -> None:
    """Be told of every action checked from now on (once per watcher)."""
    if watcher not in _WATCHERS:
        _WATCHERS.append(watcher)


def check(principal: Principal | None, action: Action, *, local: bool = False) -> None:
    """Refuse the caller unless it may take ``action``: nobody signed in is asked to sign in
    (:class:`AuthenticationError`), an account without the right is refused
    (:class:`RoleError`), each with a code and the action."""
    for watcher in _WATCHERS:
        watcher(action)
    if permits(principal, action, local=local):
        return
    if principal is None:
        raise AuthenticationError("accounts.sign_in_required", action=action)
    raise RoleError(
        "accounts.action_refused",
        action=action,
        login=principal.login,
        allowed=sorted(ALLOWED[action] - {Audience.LOCAL}),
    )


def require(principal: Principal | None, action: Action) -> Principal:
    """The principal if it may take ``action`` (an action that needs an account)."""
    check(principal, action)
    if principal is None:  # an action open to the public needs no principal: not this call
        raise AuthenticationError("accounts.sign_in_required", action=action)
    return principal
