"""The committee's review room (``/review``): services waiting for review, each with what a
reviewer must read, and separate approve and veto controls; the privacy officer's separate
sign-off and reject controls. A veto and a rejection cannot be undone: each asks for its
reason, then shows a check page to confirm; every action returns to the service's page
with a notice, the control just used gone.

Every action runs the workflow core (:mod:`fairfollow.services.workflow`) as the
*authenticated* account: the core refuses an owner reviewing their own service and a
privacy officer approving what they signed off. A veto rejects the service for everyone: the
service's page, open to all staff (its owner included), shows every veto with its reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action
from fairfollow.errors import AuthenticationError, GovernanceError, RoleError
from fairfollow.messages import catalogue
from fairfollow.messages.sentence import of_error
from fairfollow.services import docket
from fairfollow.usecases import services
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import N_, negotiate
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]

# Everyone on the staff sees a service's case and its vetoes (the owner is an analyst).
ACCESS = {
    ("GET", "/review"): Action.REVIEW_QUEUE,
    ("GET", "/review/{service_id}"): Action.SERVICE_SHOW,
    ("POST", "/review/{service_id}/approve"): Action.SERVICE_APPROVE,
    ("POST", "/review/{service_id}/veto"): Action.SERVICE_VETO,
    ("POST", "/review/{service_id}/sign-off"): Action.SERVICE_SIGN_OFF,
    ("POST", "/review/{service_id}/reject"): Action.SERVICE_SIGN_OFF,
    ("GET", "/api/v1/services"): Action.SERVICE_SHOW,
    ("GET", "/api/v1/services/{service_id}"): Action.SERVICE_SHOW,
    ("POST", "/api/v1/services/{service_id}/approve"): Action.SERVICE_APPROVE,
    ("POST", "/api/v1/services/{service_id}/veto"): Action.SERVICE_VETO,
}

STATE_LABELS = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "privacy_review": N_("waiting for the privacy officer"),
    "committee_review": N_("waiting for the committee"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}
OUTCOME_LABELS = {"allow": N_("allow"), "deny": N_("deny"), "gap": N_("gap"), "n/a": N_("n/a")}


def signed_in(request: Request) -> Principal:
    principal = principal_of(request)
    if principal is None:  # check_access already refused; kept for the type checker
        raise AuthenticationError("web.not_signed_in")
    return principal


def _labels() -> dict[str, object]:
    return {"state_labels": STATE_LABELS, "outcome_labels": OUTCOME_LABELS}


@router.get("/review", include_in_schema=False)
def queue_page(request: Request, ctx: Context) -> Response:
    cases = services.queue(principal_of(request), ctx.reader)
    return ctx.pages.render(request, "review_queue.html", {"cases": cases, **_labels()})


def _case_page(
    request: Request, ctx: AppContext, service_id: str, *, error: str = "", status: int = 200,
    errors: list[tuple[str, str]] | None = None, typed: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    case = services.show(principal_of(request), ctx.reader, service_id)
    me = signed_in(request)
    state = case.state
    # What this account has already done to this version: its control is then gone.
    acted = {a.account_id for a in state.approvals} | {
        v.actor.account_id for v in state.vetoes if v.version == state.version
    }
    facts = {
        "case": case, "error": error, "me": me, "errors": errors or [], "typed": typed or {},
        "may_decide": state.state.value == "committee_review" and me.account_id not in acted,
        **_labels(),
    }  # fmt: skip
    return ctx.pages.render(request, "review_service.html", facts, status_code=status)


@router.get("/review/{service_id}", include_in_schema=False)
def case_page(request: Request, ctx: Context, service_id: str) -> Response:
    return _case_page(request, ctx, service_id)


# The notice each action leaves on the service's page (web.pages.NOTICES).
DONE = {"approve": "approved", "veto": "vetoed", "sign-off": "signed_off", "reject": "rejected"}


def _act(request: Request, ctx: AppContext, service_id: str, action: str, reason: str) -> Response:
    """Run one workflow command; a refusal is shown on the service's page, a success is a
    303 back to it with its notice (the control that was used is gone there)."""
    me = signed_in(request)
    now = ctx.clock()
    try:
        if action == "approve":
            services.approve(me, ctx.ledger, service_id, now)
        elif action == "veto":
            services.veto(me, ctx.ledger, service_id, reason, now)
        else:
            services.sign_off(me, ctx.ledger, service_id, now, reject=reason.strip() or None)
    except GovernanceError as refused:
        if isinstance(refused, AuthenticationError):
            raise
        status = 403 if isinstance(refused, RoleError) else 409
        return _case_page(
            request, ctx, service_id, error=of_error(refused, negotiate(request)), status=status
        )
    query = urlencode({"lang": negotiate(request), "notice": DONE[action]})
    return RedirectResponse(f"/review/{service_id}?{query}", status_code=303)


def _confirmed(
    request: Request, ctx: AppContext, service_id: str, action: str, reason: str,
    confirmed: str,
) -> Response:  # fmt: skip
    """An irreversible action (a veto, a rejection) needs its reason, then a second look:
    the check page restates it with one button to confirm; only then does it happen."""
    field = "veto-reason" if action == "veto" else "reject-reason"
    if not reason.strip():
        missing = catalogue.text("web.reason_required", negotiate(request))
        return _case_page(request, ctx, service_id, errors=[(field, missing)], status=400)
    if confirmed != "yes":
        case = services.show(principal_of(request), ctx.reader, service_id)
        facts = {"case": case, "action": action, "reason": reason}
        return ctx.pages.render(request, "review_confirm.html", facts)
    return _act(request, ctx, service_id, action, reason)


Reason = Annotated[str, Form(max_length=2000)]
Confirmed = Annotated[str, Form(max_length=8)]


@router.post("/review/{service_id}/approve", include_in_schema=False)
def approve_form(request: Request, ctx: Context, service_id: str) -> Response:
    return _act(request, ctx, service_id, "approve", "")


@router.post("/review/{service_id}/veto", include_in_schema=False)
def veto_form(
    request: Request, ctx: Context, service_id: str, reason: Reason = "", confirmed: Confirmed = ""
) -> Response:
    return _confirmed(request, ctx, service_id, "veto", reason, confirmed)


@router.post("/review/{service_id}/sign-off", include_in_schema=False)
def sign_off_form(
    request: Request, ctx: Context, service_id: str, reject: Reason = "",
    confirmed: Confirmed = "",
) -> Response:  # fmt: skip
    """Sign off; a reason given here (the form of old) is a rejection, confirmed first."""
    if reject.strip():
        return _confirmed(request, ctx, service_id, "reject", reject, confirmed)
    return _act(request, ctx, service_id, "sign-off", "")


@router.post("/review/{service_id}/reject", include_in_schema=False)
def reject_form(
    request: Request, ctx: Context, service_id: str, reason: Reason = "", confirmed: Confirmed = ""
) -> Response:
    """The privacy officer's rejection: its own control, its reason, its check page."""
    return _confirmed(request, ctx, service_id, "reject", reason, confirmed)


class VetoAnswer(BaseModel):
    actor: str
    reason: str
    at: datetime
    version: int


class ServiceAnswer(BaseModel):
    service_id: str
    name: str
    owner: str
    version: int
    state: str
    approved_version: int | None
    approvals: list[str]
    vetoes: list[VetoAnswer]
    rules_outcome: str | None
    citations: list[str]
    changed_fields: list[str]


class VetoRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def _answer(case: docket.ServiceCase) -> ServiceAnswer:
    s = case.state
    verdict = case.verdict
    return ServiceAnswer(
        service_id=s.service_id,
        name=case.spec.name,
        owner=s.owner,
        version=s.version,
        state=s.state.value,
        approved_version=s.approved_version,
        approvals=[str(a) for a in sorted(s.approvals)],
        vetoes=[
            VetoAnswer(actor=str(v.actor), reason=v.reason, at=v.at, version=v.version)
            for v in s.vetoes
        ],
        rules_outcome=verdict.outcome if verdict else None,
        citations=sorted({r.citation for r in verdict.rules}) if verdict else [],
        changed_fields=[c.field for c in case.changes],
    )


@router.get("/api/v1/services")
def list_services(request: Request, ctx: Context) -> list[ServiceAnswer]:
    """Every data service, those waiting for review first."""
    return [_answer(case) for case in services.cases(principal_of(request), ctx.reader)]


@router.get("/api/v1/services/{service_id}", responses={409: {}})
def get_service(request: Request, ctx: Context, service_id: str) -> ServiceAnswer:
    """One service: its state, approvals, vetoes with their reasons, the rules' outcome."""
    return _answer(services.show(principal_of(request), ctx.reader, service_id))


@router.post("/api/v1/services/{service_id}/approve", responses={403: {}, 409: {}})
def approve_api(request: Request, ctx: Context, service_id: str) -> ServiceAnswer:
    """Approve as the calling reviewer (refused for the service's owner)."""
    me = principal_of(request)
    return _answer(services.approve_case(me, ctx.ledger, service_id, ctx.clock()))


@router.post("/api/v1/services/{service_id}/veto", responses={403: {}, 409: {}})
def veto_api(request: Request, ctx: Context, service_id: str, body: VetoRequest) -> ServiceAnswer:
    """Veto as the calling reviewer, with a reason that stays visible to everyone."""
    me = principal_of(request)
    return _answer(services.veto_case(me, ctx.ledger, service_id, body.reason, ctx.clock()))
