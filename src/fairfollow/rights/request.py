"""Data-subject requests as values: their kinds and law, identity checks, statuses, due dates.

Pure: the table of kinds below is the single statement of which right rests on which
article and what it does; the CLI, the docs test and the web pages read it.

A request moves ``received → verified → done`` or ends ``refused`` with a reason; every
step is an appended action (:mod:`fairfollow.rights.store`). The identity check says how the
requester was verified: the web issue supplies a logged-in member, the CLI an operator who
verified a request made in person or in writing (:class:`IdentityCheck`). An unverified
request is never acted on.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fairfollow.actor import Actor
from fairfollow.errors import InputError
from fairfollow.instants import JST, utc
from fairfollow.rights.detail import DETAIL_TYPES, RequestDetail, default_detail


class RightKind(StrEnum):
    DISCLOSURE = "disclosure"
    PROVISION_RECORDS = "provision-records"
    CORRECTION = "correction"
    WITHDRAWAL = "withdrawal"
    STOP = "stop"
    ERASURE = "erasure"


class LegalBasis(StrEnum):
    APPI = "appi"
    GDPR = "gdpr"


class Status(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    DONE = "done"
    REFUSED = "refused"

    @property
    def open(self) -> bool:
        return self in (Status.RECEIVED, Status.VERIFIED)


@dataclass(frozen=True)
class KindLaw:
    """One right: its articles under each law, what it does, its labels."""

    kind: RightKind
    appi: str
    gdpr: str
    effect: str
    label_ja: str
    label_en: str


KINDS: tuple[KindLaw, ...] = (
    KindLaw(
        RightKind.DISCLOSURE,
        "APPI Art. 33(1)-(2)",
        "GDPR Art. 15, 20",
        "machine-readable export (JSON and CSV, UTF-8) of everything held about the member",
        "保有個人データの開示",
        "disclosure of held data",
    ),
    KindLaw(
        RightKind.PROVISION_RECORDS,
        "APPI Art. 33(5)",
        "GDPR Art. 15(1)(c)",
        "every release that used the member's data, with proofs from the transparency log",
        "第三者提供記録の開示",
        "third-party provision records",
    ),
    KindLaw(
        RightKind.CORRECTION,
        "APPI Art. 34",
        "GDPR Art. 16",
        "corrected profile fields, logged, used by the next feature build",
        "訂正",
        "correction",
    ),
    KindLaw(
        RightKind.WITHDRAWAL,
        "consent ledger (APPI Art. 27(1) consent)",
        "GDPR Art. 7(3)",
        "a withdrawal consent event; the next release for any employer excludes the member",
        "同意の撤回",
        "withdrawal of a consent",
    ),
    KindLaw(
        RightKind.STOP,
        "APPI Art. 35(1), (3), (5)",
        "GDPR Art. 18, 21",
        "member suppressed from features, training, intake and releases from that instant",
        "利用停止・第三者提供の停止",
        "stop use / stop third-party provision",
    ),
    KindLaw(
        RightKind.ERASURE,
        "APPI Art. 35",
        "GDPR Art. 17",
        "rows removed from the store, features and training sets; secrets shredded; "
        "legally required records kept",
        "消去",
        "erasure",
    ),
)
LAW: Mapping[RightKind, KindLaw] = {k.kind: k for k in KINDS}

# APPI: "without delay" (遅滞なく) — set to 14 days; GDPR Art. 12(3): one month.
APPI_DUE_DAYS = 14
GDPR_DUE_MONTHS = 1


def _add_month(at: datetime) -> datetime:
    local = at.astimezone(JST)
    year, month = (local.year + (local.month // 12), local.month % 12 + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(at.tzinfo)


def due_at(
    kind: RightKind, basis: LegalBasis, received: datetime, overrides: Mapping[str, int]
) -> datetime:
    """When a request is due: a configured number of days per kind, else the law's default."""
    received = utc(received)
    days = overrides.get(kind.value)
    if days is not None:
        return received + timedelta(days=days)
    if basis is LegalBasis.GDPR:
        return _add_month(received)
    return received + timedelta(days=APPI_DUE_DAYS)


class IdentityMethod(StrEnum):
    OPERATOR_VERIFIED = "operator_verified"  # an operator checked the requester (CLI)
    LOGGED_IN_MEMBER = "logged_in_member"  # the member's authenticated session (web)


@dataclass(frozen=True)
class IdentityCheck:
    """How the requester was verified to be the member: never a typed name alone."""

    method: IdentityMethod
    verified_by: Actor  # the operator, or the member's account
    evidence: str  # what was checked (document, channel, session id)

    def __post_init__(self) -> None:
        if not self.evidence.strip():
            raise InputError("rights.identity_check_incomplete")


@dataclass(frozen=True)
class RequestInput:
    """A request as received, before it is stored."""

    kind: RightKind
    member_id: int
    received_at: datetime
    basis: LegalBasis = LegalBasis.APPI
    identity: IdentityCheck | None = None
    detail: RequestDetail | None = None  # None: the kind's default (refused for a correction)

    def __post_init__(self) -> None:
        if self.detail is None:
            object.__setattr__(self, "detail", default_detail(self.kind.value))
        elif not isinstance(self.detail, DETAIL_TYPES[self.kind.value]):
            raise InputError("rights.detail_of_another_kind", kind=self.kind.value)

    @property
    def typed_detail(self) -> RequestDetail:
        assert self.detail is not None  # set in __post_init__
        return self.detail


@dataclass(frozen=True)
class Action:
    """One step taken on a request."""

    at: datetime
    status: Status
    action: str
    actor: Actor
    detail: Mapping[str, object]


@dataclass(frozen=True)
class RightsRequest:
    """A stored request with its actions (the member appears only as a keyed hash)."""

    request_id: int
    kind: RightKind
    member_ref: str
    basis: LegalBasis
    received_at: datetime
    due_at: datetime
    identity: IdentityCheck | None
    detail: RequestDetail
    actions: tuple[Action, ...]

    @property
    def status(self) -> Status:
        return self.actions[-1].status if self.actions else Status.RECEIVED

    @property
    def law(self) -> KindLaw:
        return LAW[self.kind]

    def days_left(self, now: datetime) -> float:
        return (self.due_at - utc(now)).total_seconds() / 86_400

    def overdue(self, now: datetime) -> bool:
        return self.status.open and utc(now) > self.due_at
