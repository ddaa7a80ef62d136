"""The employer portal's planning pages: how many offers reach a target, and when
acceptances arrive — each one release through the door, with a server-drawn picture.

``GET/POST /employer/plan`` and ``GET/POST /employer/arrivals`` (forms, no script), and the
API's ``POST /api/v1/employer/plans`` and ``POST /api/v1/employer/arrivals``: one use-case
call each (:mod:`fairfollow.usecases.planning`), the employer, the season and the service
taken from the signed-in account, never from input.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from fairfollow.accounts.actions import Action
from fairfollow.messages.refusal import worded
from fairfollow.release.budget import PrivacyLimits
from fairfollow.usecases.budget import own_standing
from fairfollow.usecases.forecast import ReleaseDesk
from fairfollow.usecases.planning import Arrivals, Plan, PlanAsk, request_own_arrivals
from fairfollow.usecases.planning import request_own_plan as own_plan
from fairfollow.web import charts
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import Localiser, negotiate
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/employer/plan"): Action.EMPLOYER_READ,
    ("POST", "/employer/plan"): Action.EMPLOYER_FORECAST,
    ("GET", "/employer/arrivals"): Action.EMPLOYER_READ,
    ("POST", "/employer/arrivals"): Action.EMPLOYER_FORECAST,
    ("POST", "/api/v1/employer/plans"): Action.EMPLOYER_FORECAST,
    ("POST", "/api/v1/employer/arrivals"): Action.EMPLOYER_FORECAST,
}


def _desk(ctx: AppContext) -> ReleaseDesk:
    return ReleaseDesk(ctx.ledger, ctx.workspace, ctx.publisher, _limits(ctx))


def _limits(ctx: AppContext) -> PrivacyLimits:
    return PrivacyLimits.from_settings(ctx.settings)


def _page(request: Request, ctx: AppContext, template: str, facts: dict[str, object]) -> Response:
    standing = own_standing(principal_of(request), ctx.reader, ctx.workspace, ctx.clock())
    limits = _limits(ctx)
    facts = {
        "standing": standing,
        "epsilon_min": limits.epsilon_min,
        "epsilon_max": limits.epsilon_max,
        **facts,
    }
    return ctx.pages.render(request, template, facts)


def _plan_facts(request: Request, plan: Plan) -> dict[str, object]:
    translate = Localiser(negotiate(request)).gettext
    record = None if plan.forecast is None else worded(plan.forecast.record)
    chart = None
    if plan.plan is not None:
        p = plan.plan
        chart = charts.offers_chart(
            p.points,
            target=p.target,
            needed=p.offers_needed,
            own=p.pool_offers,
            title=translate("Acceptances reached in 9 cases out of 10, by offers made"),
            x_label=translate("Offers"),
            y_label=translate("Acceptances"),
        )
    return {"plan": plan, "record": record, "chart": chart}


@router.get("/employer/plan", include_in_schema=False)
def plan_page(request: Request, ctx: Context) -> Response:
    return _page(request, ctx, "employer_plan.html", {"plan": None})


@router.post("/employer/plan", include_in_schema=False)
def plan_submit(
    request: Request,
    ctx: Context,
    target: Annotated[int, Form(ge=1, le=200_000)],
    pool: Annotated[int | None, Form(ge=1, le=200_000)] = None,
    epsilon: Annotated[float, Form(gt=0, le=100)] = 1.0,
    width: Annotated[int | None, Form(ge=0, le=200_000)] = None,
) -> Response:
    ask = PlanAsk(target, pool, epsilon, width)
    plan = own_plan(principal_of(request), ask, _desk(ctx), ctx.clock())
    return _page(request, ctx, "employer_plan.html", _plan_facts(request, plan))


def _arrival_facts(request: Request, found: Arrivals) -> dict[str, object]:
    translate = Localiser(negotiate(request)).gettext
    chart = None
    if found.curve is not None:
        chart = charts.band_chart(
            found.curve.expected,
            found.curve.lower,
            found.curve.upper,
            title=translate("Expected acceptances by week, with the range in 9 cases out of 10"),
            x_label=translate("Week"),
            y_label=translate("Acceptances so far"),
        )
    return {"arrivals": found, "record": worded(found.forecast.record), "chart": chart}


@router.get("/employer/arrivals", include_in_schema=False)
def arrivals_page(request: Request, ctx: Context) -> Response:
    return _page(request, ctx, "employer_arrivals.html", {"arrivals": None})


@router.post("/employer/arrivals", include_in_schema=False)
def arrivals_submit(
    request: Request, ctx: Context, epsilon: Annotated[float, Form(gt=0, le=100)] = 1.0
) -> Response:
    found = request_own_arrivals(principal_of(request), epsilon, _desk(ctx), ctx.clock())
    return _page(request, ctx, "employer_arrivals.html", _arrival_facts(request, found))


class PlanBody(BaseModel):
    target: int = Field(ge=1, le=200_000, description="Acceptances wanted.")
    pool: int | None = Field(default=None, ge=1, le=200_000, description="A pool to compare.")
    epsilon: float = Field(default=1.0, gt=0, le=100, description="ε this release spends.")
    width: int | None = Field(
        default=None, ge=0, le=200_000, description="A 90% interval width instead of ε."
    )


@router.post("/api/v1/employer/plans", responses={400: {}, 401: {}, 403: {}})
def plan_api(request: Request, ctx: Context, body: PlanBody) -> Response:
    """Offers needed for a target with 90% probability (one release; a refusal is an answer)."""
    ask = PlanAsk(body.target, body.pool, body.epsilon, body.width)
    plan = own_plan(principal_of(request), ask, _desk(ctx), ctx.clock())
    found = plan.as_json()
    if plan.forecast is not None:
        found["release"] = worded(plan.forecast.record).as_json()
    return JSONResponse(found)


class ArrivalsBody(BaseModel):
    epsilon: float = Field(default=1.0, gt=0, le=100, description="ε this release spends.")


@router.post("/api/v1/employer/arrivals", responses={400: {}, 401: {}, 403: {}})
def arrivals_api(request: Request, ctx: Context, body: ArrivalsBody) -> Response:
    """Expected acceptances week by week until the season's end, with 90% ranges."""
    found = request_own_arrivals(principal_of(request), body.epsilon, _desk(ctx), ctx.clock())
    answer = found.as_json()
    answer["release"] = worded(found.forecast.record).as_json()
    return JSONResponse(answer)
