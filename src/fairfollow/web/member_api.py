"""The member portal's JSON API, ``/api/v1/me/…``: the same core calls as the pages of
:mod:`fairfollow.web.member`, for the signed-in member (session with ``X-CSRF-Token``, or a
bearer token), always about ``principal.member_id``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from fairfollow.accounts.actions import Action
from fairfollow.consent.choice import Choice, PurposeStanding
from fairfollow.instants import in_jst
from fairfollow.rights import portal
from fairfollow.rights.receipt import verify_member_receipt
from fairfollow.rights.request import LegalBasis, RightKind, RightsRequest
from fairfollow.usecases import rights as rights_cases
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.member import channel_of, desk_of, gpc_of, me_of, reading_desk_of
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ERRORS: dict[int | str, dict[str, object]] = {400: {}, 401: {}, 403: {}, 409: {}}

ACCESS = {
    ("GET", "/api/v1/me/holdings"): Action.MEMBER_READ,
    ("GET", "/api/v1/me/consents"): Action.MEMBER_READ,
    ("POST", "/api/v1/me/consents"): Action.MEMBER_CONSENT,
    ("GET", "/api/v1/me/receipts"): Action.MEMBER_READ,
    ("GET", "/api/v1/me/releases"): Action.MEMBER_READ,
    ("GET", "/api/v1/me/releases/{decision_id}/proof"): Action.MEMBER_READ,
    ("GET", "/api/v1/me/requests"): Action.MEMBER_READ,
    ("POST", "/api/v1/me/requests"): Action.MEMBER_REQUEST,
    ("GET", "/api/v1/me/data"): Action.MEMBER_READ,
}


class HeldCategory(BaseModel):
    category: str
    count: int


class Holdings(BaseModel):
    member_id: int
    categories: list[HeldCategory]


class ConsentStanding(BaseModel):
    purpose: str
    valid: bool
    reason: str
    citation: str
    screen: str | None
    version_shown: str | None
    decided_at: str | None
    can_grant: bool


class ChoiceRequest(BaseModel):
    purpose: str = Field(min_length=1, max_length=64)
    choice: Choice


class ChoiceAnswer(BaseModel):
    event_id: int
    citation: str
    standing: ConsentStanding


class ConsentReceipt(BaseModel):
    receipt_id: str
    event_id: int
    jws: str


class Release(BaseModel):
    decision_id: int
    recipient: str
    provided_at: str
    provision_id: int | None
    items: str | None


class ReleaseProof(BaseModel):
    decision_id: int
    included: bool
    log_index: int
    valid_on_server: bool
    reason: str
    file_name: str
    proof: dict[str, object]


class RightsRequestOut(BaseModel):
    request_id: int
    kind: str
    basis: str
    status: str
    received_at: str
    due_at: str
    days_left: float
    overdue: bool


class FileRequest(BaseModel):
    kind: RightKind
    basis: LegalBasis = LegalBasis.APPI
    fields: dict[str, str] = Field(default_factory=dict, max_length=8)


def _standing(found: PurposeStanding) -> ConsentStanding:
    decided = found.decided
    return ConsentStanding(
        purpose=found.purpose.key, valid=found.verdict.valid, reason=found.verdict.reason.value,
        citation=found.reason.citation, screen=found.verdict.screen_id,
        version_shown=found.verdict.version_shown,
        decided_at=in_jst(decided.event.occurred_at) if decided else None,
        can_grant=found.can_grant,
    )  # fmt: skip


def _request(found: RightsRequest, now: datetime) -> RightsRequestOut:
    return RightsRequestOut(
        request_id=found.request_id, kind=found.kind.value, basis=found.basis.value,
        status=found.status.value, received_at=in_jst(found.received_at),
        due_at=in_jst(found.due_at), days_left=round(found.days_left(now), 1),
        overdue=found.overdue(now),
    )  # fmt: skip


@router.get("/api/v1/me/holdings", responses=ERRORS)
def holdings(request: Request, ctx: Context) -> Holdings:
    """What is held about me, by category, with counts."""
    held = portal.holdings(reading_desk_of(ctx), me_of(request))
    return Holdings(
        member_id=held.member_id,
        categories=[HeldCategory(category=c.key, count=c.count) for c in held.categories],
    )


@router.get("/api/v1/me/consents", responses=ERRORS)
def consents(request: Request, ctx: Context) -> list[ConsentStanding]:
    """My consent for each purpose now: valid or not, why, where I decided."""
    return [_standing(s) for s in portal.consents(desk_of(ctx), me_of(request), ctx.clock())]


@router.post("/api/v1/me/consents", responses=ERRORS)
def choose(body: ChoiceRequest, request: Request, ctx: Context) -> ChoiceAnswer:
    """Withdraw or grant again my consent for one purpose."""
    done = portal.choose(
        desk_of(ctx), me_of(request), body.purpose, body.choice, ctx.clock(), gpc=gpc_of(request)
    )
    return ChoiceAnswer(
        event_id=done.event.event_id, citation=done.citation, standing=_standing(done.standing)
    )


@router.get("/api/v1/me/receipts", responses=ERRORS)
def receipts(request: Request, ctx: Context) -> list[ConsentReceipt]:
    """My signed consent receipts (compact JWS), oldest first."""
    return [
        ConsentReceipt(receipt_id=r.receipt_id, event_id=r.event_id, jws=r.jws)
        for r in portal.receipts(desk_of(ctx), me_of(request))
    ]


@router.get("/api/v1/me/releases", responses=ERRORS)
def releases(request: Request, ctx: Context) -> list[Release]:
    """Every release from an employer's list that named me (APPI Art. 33(5))."""
    return [
        Release(
            decision_id=r.decision_id,
            recipient=r.recipient,
            provided_at=in_jst(r.provided_at),
            provision_id=r.record.provision_id if r.record else None,
            items=r.record.items if r.record else None,
        )
        for r in portal.releases(desk_of(ctx), me_of(request))
    ]


@router.get("/api/v1/me/releases/{decision_id}/proof", responses=ERRORS)
def release_proof(decision_id: RowId, request: Request, ctx: Context) -> ReleaseProof:
    """My proof for one release, and the server's check of it."""
    proof = portal.release_proof(desk_of(ctx), me_of(request), decision_id, ctx.clock())
    check = verify_member_receipt(proof.text, ctx.verifier)
    return ReleaseProof(
        decision_id=proof.decision_id, included=proof.included, log_index=proof.log_index,
        valid_on_server=check.valid, reason=check.reason, file_name=proof.file_name,
        proof=json.loads(proof.text),
    )  # fmt: skip


@router.get("/api/v1/me/requests", responses=ERRORS)
def requests(request: Request, ctx: Context) -> list[RightsRequestOut]:
    """My data-subject requests, newest first, with status and due dates."""
    now = ctx.clock()
    return [_request(r, now) for r in portal.requests(desk_of(ctx), me_of(request))]


@router.post("/api/v1/me/requests", responses=ERRORS)
def file_request(body: FileRequest, request: Request, ctx: Context) -> RightsRequestOut:
    """File a request as the signed-in member (the authentication is the identity check)."""
    filed = rights_cases.file_own(
        principal_of(request), desk_of(ctx), body.kind, ctx.clock(), basis=body.basis,
        session=channel_of(request), detail=portal.request_detail(body.kind, body.fields),
    )  # fmt: skip
    return _request(filed, ctx.clock())


@router.get("/api/v1/me/data", responses=ERRORS)
def data(request: Request, ctx: Context) -> dict[str, object]:
    """Everything held about me: the disclosure export's data.json."""
    found: dict[str, object] = json.loads(portal.export(desk_of(ctx), me_of(request), ctx.clock()))
    return found
