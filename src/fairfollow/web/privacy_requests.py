"""The privacy officer's data-subject requests (``/privacy/requests``) and their JSON API.

- the queue: open requests (soonest due, so overdue, first) and closed ones (latest first),
  each with its days left and how far its completion went; filters by kind, due date and
  state (:func:`fairfollow.usecases.rights.queue`);
- one request's page: its activity (every step, who, when), the identity check, and for a
  verified request the preview — what completing it will erase or change and what the law
  keeps, until when — with the confirmation that completes it;
- completing runs the request's plan after the response (the page lists the steps done and
  refreshes itself until the last), so a long erasure shows its progress; a completion that
  stopped is resumed from the same page. Once done: the certificate, downloadable.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action
from fairfollow.errors import FairFollowError, InputError, RightsError
from fairfollow.rights import desk as rights_desk
from fairfollow.rights.request import KINDS, RightKind, RightsRequest
from fairfollow.usecases import rights as rights_cases
from fairfollow.usecases.rights import DueFilter, QueueAsk, StateFilter
from fairfollow.web import problems
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.member import CATEGORY_LABELS, STATUS_LABELS, _download
from fairfollow.web.member_requests import STEP_LABELS
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/privacy/requests"): Action.RIGHTS_ACT,
    ("GET", "/privacy/requests/{request_id}"): Action.RIGHTS_ACT,
    ("GET", "/privacy/requests/{request_id}/certificate.json"): Action.RIGHTS_ACT,
    ("POST", "/privacy/requests/{request_id}/verify"): Action.RIGHTS_ACT,
    ("POST", "/privacy/requests/{request_id}/refuse"): Action.RIGHTS_ACT,
    ("POST", "/privacy/requests/{request_id}/complete"): Action.RIGHTS_ACT,
    ("GET", "/api/v1/rights/requests"): Action.RIGHTS_ACT,
    ("POST", "/api/v1/rights/requests/{request_id}/complete"): Action.RIGHTS_ACT,
}


def _desk(ctx: AppContext) -> rights_desk.Desk:
    return rights_desk.Desk(ctx.workspace, ctx.ledger, ctx.settings, ctx.publisher)


def _lang(request: Request) -> str:
    language = request.query_params.get("lang", "")
    return f"?lang={language}" if language in ("ja", "en") else ""


def _stopped(request: Request) -> dict[int, FairFollowError | Exception]:
    """Completions run after their response: what stopped one, by request, for its page."""
    found = getattr(request.app.state, "rights_stopped", None)
    if found is None:
        found = request.app.state.rights_stopped = {}
    assert isinstance(found, dict)
    return found


def _running(request: Request) -> set[int]:
    """The requests whose completion runs now in this process (never two at once)."""
    found = getattr(request.app.state, "rights_running", None)
    if found is None:
        found = request.app.state.rights_running = set()
    assert isinstance(found, set)
    return found


@router.get("/privacy/requests", include_in_schema=False)
def queue_page(
    request: Request,
    ctx: Context,
    kind: Annotated[str, Query(max_length=32)] = "",
    due: Annotated[DueFilter, Query()] = DueFilter.ANY,
    state: Annotated[StateFilter, Query()] = StateFilter.ALL,
) -> Response:
    chosen = RightKind(kind) if kind in {k.value for k in RightKind} else None
    now = ctx.clock()
    ask = QueueAsk(chosen, due, state)
    facts = {
        "items": rights_cases.queue(principal_of(request), _desk(ctx), now, ask),
        "kinds": KINDS,
        "ask": ask,
        "dues": list(DueFilter),
        "states": list(StateFilter),
        "statuses": STATUS_LABELS,
        "now": now,
    }
    return ctx.pages.render(request, "privacy_requests.html", facts)


def _request_page(
    request: Request, ctx: AppContext, request_id: int, *, error: str = "", status: int = 200
) -> Response:
    me = principal_of(request)
    desk = _desk(ctx)
    view = rights_cases.show(me, desk, request_id)
    stopped = _stopped(request).get(request_id)
    preview = None
    if view.request.status.value == "verified" and not view.progress.started:
        preview = rights_cases.preview_request(me, desk, request_id)
    facts = {
        "view": view,
        "preview": preview,
        "labels": CATEGORY_LABELS,
        "steps": STEP_LABELS,
        "statuses": STATUS_LABELS,
        "now": ctx.clock(),
        "error": error or ("" if stopped is None else _sentence(request, stopped)),
        "in_progress": request_id in _running(request),
    }
    return ctx.pages.render(request, "privacy_request.html", facts, status_code=status)


def _sentence(request: Request, stopped: Exception) -> str:
    if isinstance(stopped, FairFollowError):
        return problems.sentence(request, stopped)
    failed = RightsError("rights.step_failed", reason=type(stopped).__name__)
    return problems.sentence(request, failed)


@router.get("/privacy/requests/{request_id}", include_in_schema=False)
def request_page(request: Request, ctx: Context, request_id: RowId) -> Response:
    return _request_page(request, ctx, request_id)


@router.get("/privacy/requests/{request_id}/certificate.json", include_in_schema=False)
def certificate_download(request: Request, ctx: Context, request_id: RowId) -> Response:
    found = rights_cases.certificate_of(principal_of(request), _desk(ctx), request_id)
    text = json.dumps(found.as_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return _download(text, f"rights-request-{request_id}-certificate.json", "application/json")


@router.post("/privacy/requests/{request_id}/verify", include_in_schema=False)
def verify_form(
    request: Request,
    ctx: Context,
    request_id: RowId,
    evidence: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        rights_cases.verify(principal_of(request), _desk(ctx), request_id, evidence, ctx.clock())
    except (InputError, RightsError) as refused:
        sentence = problems.sentence(request, refused)
        return _request_page(request, ctx, request_id, error=sentence, status=409)
    return RedirectResponse(f"/privacy/requests/{request_id}{_lang(request)}", status_code=303)


@router.post("/privacy/requests/{request_id}/refuse", include_in_schema=False)
def refuse_form(
    request: Request,
    ctx: Context,
    request_id: RowId,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        rights_cases.refuse(principal_of(request), _desk(ctx), request_id, reason, ctx.clock())
    except (InputError, RightsError) as refused:
        sentence = problems.sentence(request, refused)
        return _request_page(request, ctx, request_id, error=sentence, status=409)
    return RedirectResponse(f"/privacy/requests/{request_id}{_lang(request)}", status_code=303)


def _run(
    stopped: dict[int, FairFollowError | Exception],
    running: set[int],
    me: Principal | None,
    desk: rights_desk.Desk,
    request_id: int,
    at: datetime,
) -> None:
    """The completion, after the response: what stops it is kept for the request's page
    (the steps done stay recorded, and the page offers to resume)."""
    try:
        rights_cases.complete(me, desk, request_id, at)
    except Exception as exc:
        stopped[request_id] = exc
    finally:
        running.discard(request_id)


@router.post("/privacy/requests/{request_id}/complete", include_in_schema=False)
def complete_form(
    request: Request,
    ctx: Context,
    request_id: RowId,
    background: BackgroundTasks,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Carry out the request once the officer confirmed the preview; the request's page
    shows the steps as they are done."""
    me = principal_of(request)
    desk = _desk(ctx)
    try:
        rights_cases.ready_to_complete(me, desk, request_id, confirmed=confirm == "yes")
    except RightsError as refused:
        sentence = problems.sentence(request, refused)
        return _request_page(request, ctx, request_id, error=sentence, status=409)
    running = _running(request)
    if request_id not in running:
        running.add(request_id)
        stopped = _stopped(request)
        stopped.pop(request_id, None)
        background.add_task(_run, stopped, running, me, desk, request_id, ctx.clock())
    return RedirectResponse(f"/privacy/requests/{request_id}{_lang(request)}", status_code=303)


# ---- the JSON API ------------------------------------------------------------------------


class RequestAnswer(BaseModel):
    request_id: int
    kind: str
    status: str
    received_at: datetime
    due_at: datetime
    days_left: float
    overdue: bool
    steps_done: list[str]
    steps_pending: list[str]


def _answer(found: rights_cases.RequestView, now: datetime) -> RequestAnswer:
    r: RightsRequest = found.request
    return RequestAnswer(
        request_id=r.request_id,
        kind=r.kind.value,
        status=r.status.value,
        received_at=r.received_at,
        due_at=r.due_at,
        days_left=round(r.days_left(now), 2),
        overdue=r.overdue(now),
        steps_done=list(found.progress.done),
        steps_pending=list(found.progress.pending),
    )


@router.get("/api/v1/rights/requests")
def requests_api(
    request: Request,
    ctx: Context,
    state: Annotated[StateFilter, Query()] = StateFilter.OPEN,
) -> list[RequestAnswer]:
    """Data-subject requests (open ones by default), soonest due first."""
    now = ctx.clock()
    found = rights_cases.queue(principal_of(request), _desk(ctx), now, QueueAsk(state=state))
    return [_answer(item.view, now) for item in found]


@router.post("/api/v1/rights/requests/{request_id}/complete", responses={409: {}})
def complete_api(request: Request, ctx: Context, request_id: RowId) -> RequestAnswer:
    """Carry out a verified request as the calling privacy officer (resuming after its last
    recorded step) and record it done."""
    now = ctx.clock()
    me = principal_of(request)
    desk = _desk(ctx)
    rights_cases.complete(me, desk, request_id, now)
    return _answer(rights_cases.show(me, desk, request_id), now)
