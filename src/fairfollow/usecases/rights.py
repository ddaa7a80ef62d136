"""Data-subject requests, one use case per thing a person does with them.

Each call checks the caller against the one action table first and returns a typed
outcome; the CLI (``fairfollow rights …``), the officer's console (``/privacy/requests``)
and the member's portal (``/me/requests``) each make one of these calls per command or
route. Staff (``RIGHTS_ACT``: the operator and the privacy officer) act on any request; a
member's own account files, previews, reads and exports its own. A completed request's
export is written to the one folder the workspace names
(:meth:`fairfollow.workspace.Workspace.request_export`), which the member's erasure removes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.errors import AuthenticationError, RightsError
from fairfollow.instants import utc
from fairfollow.ledger.transaction import reading
from fairfollow.rights import desk as rights_desk
from fairfollow.rights import portal, store
from fairfollow.rights.certificate import Certificate, Preview, certificate, preview
from fairfollow.rights.desk import Completion, Desk
from fairfollow.rights.detail import RequestDetail
from fairfollow.rights.effects import PLANS, complete_request
from fairfollow.rights.plan import Progress, StepHook, check_runnable, progress_of
from fairfollow.rights.request import (
    IdentityCheck,
    IdentityMethod,
    LegalBasis,
    RequestInput,
    RightKind,
    RightsRequest,
)


def _signed_in(principal: Principal | None) -> Principal:
    if principal is None:
        raise AuthenticationError("accounts.sign_in_required")
    return principal


def file(
    principal: Principal | None,
    desk: Desk,
    kind: RightKind,
    member_id: int,
    at: datetime,
    *,
    basis: LegalBasis = LegalBasis.APPI,
    detail: RequestDetail | None = None,
    evidence: str | None = None,
) -> RightsRequest:
    """File a request: the member's own account (its log-in is the identity check), or
    staff recording the check they made (``evidence``; none yet: received, not verified)."""
    me = _signed_in(principal)
    if me.member_id is not None and me.member_id == member_id:
        require(me, Action.MEMBER_REQUEST)
    identity = rights_desk.requester_identity(me, member_id, evidence)
    item = RequestInput(kind, member_id, utc(at), basis, identity, detail)
    return rights_desk.file_request(desk, item, actor=rights_desk.filed_by(me, identity))


def file_own(
    principal: Principal | None,
    desk: Desk,
    kind: RightKind,
    at: datetime,
    *,
    session: str,
    basis: LegalBasis = LegalBasis.APPI,
    detail: RequestDetail | None = None,
) -> RightsRequest:
    """File a request from the member's portal, verified by the signed-in session."""
    me = require(principal, Action.MEMBER_REQUEST)
    return portal.file_request(desk, me, kind, at, basis=basis, session=session, detail=detail)


def verify(
    principal: Principal | None, desk: Desk, request_id: int, evidence: str, at: datetime
) -> RightsRequest:
    """Staff record the identity check of a request received without one."""
    actor = actor_of(require(principal, Action.RIGHTS_ACT))
    check = IdentityCheck(IdentityMethod.OPERATOR_VERIFIED, actor, evidence)
    return rights_desk.verify_request(desk, request_id, check, actor=actor, at=at)


def refuse(
    principal: Principal | None, desk: Desk, request_id: int, reason: str, at: datetime
) -> RightsRequest:
    """Staff close a request unanswered, with the reason the member is told (APPI Art. 36)."""
    actor = actor_of(require(principal, Action.RIGHTS_ACT))
    return rights_desk.refuse_request(desk, request_id, reason, actor=actor, at=at)


@dataclass(frozen=True)
class RequestView:
    """One request with its plan's progress and, once done, its certificate."""

    request: RightsRequest
    progress: Progress
    certificate: Certificate

    @property
    def running(self) -> bool:
        """Started and not finished: a completion to resume (or still under way)."""
        return self.progress.started and bool(self.progress.pending)


def _view(request: RightsRequest) -> RequestView:
    plan = PLANS[request.kind]
    return RequestView(request, progress_of(plan, request), certificate(request, plan))


def show(principal: Principal | None, desk: Desk, request_id: int) -> RequestView:
    """One request, every action taken on it, how far its completion went (staff, or the
    member's own account for its own request)."""
    me = _signed_in(principal)
    request = rights_desk.show_request(desk, request_id)
    rights_desk.request_reader(desk, me, request)
    return _view(request)


def certificate_of(principal: Principal | None, desk: Desk, request_id: int) -> Certificate:
    """The completion certificate of a request (see :mod:`fairfollow.rights.certificate`)."""
    return show(principal, desk, request_id).certificate


def export(principal: Principal | None, desk: Desk, member_id: int, at: datetime) -> Completion:
    """Write the export of the member's verified disclosure or provision-records request
    (staff, or the member's own account)."""
    actor = rights_desk.member_or_staff(_signed_in(principal), member_id)
    kinds = (RightKind.DISCLOSURE, RightKind.PROVISION_RECORDS)
    request = rights_desk.open_request_of(desk, member_id, kinds)
    return complete_request(desk, request.request_id, actor=actor, at=at)


def preview_request(principal: Principal | None, desk: Desk, request_id: int) -> Preview:
    """What completing the request will erase or change, and what is kept (staff)."""
    require(principal, Action.RIGHTS_ACT)
    with reading(desk.engine, "rights preview") as conn:
        request = store.load_request(conn, request_id)
        member = store.member_of(conn, request_id)
    if member is None:
        raise RightsError("rights.member_erased", request=request_id)
    return preview(desk, member, request.kind, PLANS[request.kind])


def preview_own(principal: Principal | None, desk: Desk, kind: RightKind) -> Preview:
    """What a request of ``kind`` would erase or change, for the member about to file it."""
    me = require(principal, Action.MEMBER_REQUEST)
    return preview(desk, portal.member_of(me), kind, PLANS[kind])


def ready_to_complete(
    principal: Principal | None, desk: Desk, request_id: int, *, confirmed: bool
) -> RequestView:
    """Check, before a completion is started, that it may run: staff, a verified request
    (or one whose completion stopped half-way), and the preview confirmed for a request not
    yet started."""
    require(principal, Action.RIGHTS_ACT)
    with reading(desk.engine, "rights ready") as conn:
        request = store.load_request(conn, request_id)
        member = store.member_of(conn, request_id)
    plan = PLANS[request.kind]
    check_runnable(plan, request, member)
    view = _view(request)
    if not confirmed and not view.progress.started:
        raise RightsError("rights.confirmation_needed", request=request_id)
    return view


def complete(
    principal: Principal | None,
    desk: Desk,
    request_id: int,
    at: datetime,
    *,
    on_step: StepHook | None = None,
) -> Completion:
    """Carry out a verified request, resuming after its last recorded step, and record it
    done, as the calling operator or privacy officer."""
    me = require(principal, Action.RIGHTS_ACT)
    return complete_request(desk, request_id, actor=actor_of(me), at=at, on_step=on_step)


def due(principal: Principal | None, desk: Desk) -> list[RightsRequest]:
    """Open requests, soonest due first."""
    require(principal, Action.RIGHTS_ACT)
    return rights_desk.due_requests(desk)


class DueFilter(StrEnum):
    ANY = "any"
    OVERDUE = "overdue"
    WEEK = "week"  # due within seven days (overdue included)


class StateFilter(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


@dataclass(frozen=True)
class QueueAsk:
    kind: RightKind | None = None
    due: DueFilter = DueFilter.ANY
    state: StateFilter = StateFilter.ALL


@dataclass(frozen=True)
class QueueItem:
    view: RequestView
    days_left: float  # negative: overdue by that many days
    overdue: bool


def _wanted(request: RightsRequest, ask: QueueAsk, now: datetime) -> bool:
    if ask.kind is not None and request.kind is not ask.kind:
        return False
    if ask.state is StateFilter.OPEN and not request.status.open:
        return False
    if ask.state is StateFilter.CLOSED and request.status.open:
        return False
    if ask.due is DueFilter.OVERDUE:
        return request.overdue(now)
    if ask.due is DueFilter.WEEK:
        return request.status.open and request.due_at <= utc(now) + timedelta(days=7)
    return True


def queue(
    principal: Principal | None, desk: Desk, now: datetime, ask: QueueAsk = QueueAsk()
) -> list[QueueItem]:
    """Every request, open ones first (soonest due first), then closed ones (latest
    first), each with its history and progress; filtered by kind, due date and state."""
    require(principal, Action.RIGHTS_ACT)
    with reading(desk.engine, "rights queue") as conn:
        found = [r for r in store.load_requests(conn) if _wanted(r, ask, now)]
    open_ = sorted((r for r in found if r.status.open), key=lambda r: (r.due_at, r.request_id))
    closed = sorted(
        (r for r in found if not r.status.open),
        key=lambda r: (r.actions[-1].at if r.actions else r.received_at, r.request_id),
        reverse=True,
    )
    return [QueueItem(_view(r), r.days_left(now), r.overdue(now)) for r in open_ + closed]


def own_requests(principal: Principal | None, desk: Desk) -> list[RequestView]:
    """The member's own requests, newest first, with progress and certificates."""
    me = require(principal, Action.MEMBER_READ)
    return [_view(r) for r in portal.requests(desk, me)]
