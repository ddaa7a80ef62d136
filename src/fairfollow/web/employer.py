"""The employer's portal, ``/employer``: upload a list, ask for a forecast, see the budget and
the past releases with their log receipts — always for the signed-in account's own employer
(``principal.employer``), never an employer named in a form, a path or a query.

Pages: ``GET /employer`` (the season at a glance), ``GET/POST /employer/lists`` (upload an
applicant/offer list with the APPI Art. 30 attestation; the errors by line, column and rule),
``GET /employer/forecast`` (the form, with an ε suggested for what remains), ``GET
/employer/forecast/check`` (what it will cost and what will remain, before anything is
spent), ``POST /employer/forecast`` (the release door, answered by a 303 to the result's own
page ``GET /employer/releases/{id}``: figures, intervals and accuracy in words, or why it
refused), ``GET /employer/releases`` (every past release and its receipt, checked in the
browser by ``static/receipt.js``), ``GET /employer/releases/{id}/receipt``. The same
operations under ``/api/v1/employer``.

Nothing about a person appears: the intake shows only the employer's own view of its file,
releases only the noised aggregate the log holds (``tests/web/test_employer.py`` crawls it).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from fairfollow.accounts.account import actor_of
from fairfollow.accounts.actions import Action
from fairfollow.actor import PORTAL, Actor
from fairfollow.errors import InputError
from fairfollow.intake.report import IntakeReport
from fairfollow.intake.upload import file_name_of
from fairfollow.messages import catalogue
from fairfollow.messages.refusal import sentence as refusal_sentence
from fairfollow.messages.refusal import worded
from fairfollow.records.provision import Attestation
from fairfollow.release import desk
from fairfollow.release.budget import PrivacyLimits
from fairfollow.release.view import ReleaseRecord
from fairfollow.usecases.budget import own_standing
from fairfollow.usecases.forecast import (
    OwnForecastAsk,
    ReleaseDesk,
    own_receipt,
    own_release,
    own_releases,
    preview_own_forecast,
    request_own_forecast,
)
from fairfollow.usecases.intake import IntakeDesk, OwnListAsk, own_lists, take_own_list
from fairfollow.web import problems
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.i18n import N_, negotiate
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/employer"): Action.EMPLOYER_READ,
    ("GET", "/employer/lists"): Action.EMPLOYER_READ,
    ("POST", "/employer/lists"): Action.EMPLOYER_UPLOAD,
    ("GET", "/employer/forecast"): Action.EMPLOYER_READ,
    ("GET", "/employer/forecast/check"): Action.EMPLOYER_READ,
    ("POST", "/employer/forecast"): Action.EMPLOYER_FORECAST,
    ("GET", "/employer/releases"): Action.EMPLOYER_READ,
    ("GET", "/employer/releases/{decision_id}"): Action.EMPLOYER_READ,
    ("GET", "/employer/releases/{decision_id}/receipt"): Action.EMPLOYER_READ,
    ("GET", "/api/v1/employer"): Action.EMPLOYER_READ,
    ("GET", "/api/v1/employer/lists"): Action.EMPLOYER_READ,
    ("POST", "/api/v1/employer/lists"): Action.EMPLOYER_UPLOAD,
    ("POST", "/api/v1/employer/forecasts"): Action.EMPLOYER_FORECAST,
    ("GET", "/api/v1/employer/releases"): Action.EMPLOYER_READ,
    ("GET", "/api/v1/employer/releases/{decision_id}/receipt"): Action.EMPLOYER_READ,
}

# The intake's quarantine rules (employers/file.py, applicant_ids.py) in words.
QUARANTINE_RULES = {
    "missing_field": N_("a required field is empty"),
    "bad_date": N_("not a date (use YYYY-MM-DD)"),
    "date_in_future": N_("a date in the future"),
    "date_before_1940": N_("a date before 1940"),
    "field_too_long": N_("a field longer than 1,000 characters"),
    "duplicate_row": N_("the same row twice"),
    "bad_value": N_("a value the column does not allow"),
    "extra_cells": N_("more cells than the header has columns"),
}
ATTESTATION_LABELS = {
    "provider_name": N_("Your company's name"),
    "provider_address": N_("Its address"),
    "representative": N_("Its representative"),
    "obtained_how": N_("How your company obtained the applicants' data"),
    "consent_statement": N_("What the applicants agreed to"),
}


def _limits(ctx: AppContext) -> PrivacyLimits:
    return PrivacyLimits.from_settings(ctx.settings)


def _standing(request: Request, ctx: AppContext) -> desk.Standing:
    return own_standing(principal_of(request), ctx.reader, ctx.workspace, ctx.clock())


def _page(
    request: Request, ctx: AppContext, template: str, facts: dict[str, object], status: int = 200
) -> Response:
    facts = {"standing": _standing(request, ctx), **facts}
    return ctx.pages.render(request, template, facts, status_code=status)


@router.get("/employer", include_in_schema=False)
def home(request: Request, ctx: Context) -> Response:
    latest = [worded(r) for r in own_releases(principal_of(request), ctx.reader)[:1]]
    return _page(request, ctx, "employer_home.html", {"latest": latest[0] if latest else None})


def _lists_page(
    request: Request, ctx: AppContext, *, report: IntakeReport | None = None, error: str = "",
    status: int = 200, attestation: Attestation | None = None,
) -> Response:  # fmt: skip
    lists = own_lists(principal_of(request), ctx.reader)
    facts: dict[str, object] = {
        "lists": lists,
        "report": None if report is None else report.employer_view(),
        "error": error,
        "rules": QUARANTINE_RULES,
        "labels": ATTESTATION_LABELS,
        "attestation": attestation,
        "max_bytes": ctx.settings.intake_max_bytes,
    }
    return _page(request, ctx, "employer_lists.html", facts, status)


@router.get("/employer/lists", include_in_schema=False)
def lists_page(request: Request, ctx: Context) -> Response:
    return _lists_page(request, ctx)


async def _read(file: UploadFile, cap: int) -> bytes:
    """The upload's bytes, read to one byte past the cap (the core refuses an oversize)."""
    return await file.read(cap + 1)


def _take(
    request: Request, ctx: AppContext, data: bytes, name: str, att: Attestation
) -> IntakeReport:
    desk_ = IntakeDesk(ctx.ledger, ctx.workspace, ctx.settings.intake_max_bytes)
    ask = OwnListAsk(data, name, att)
    return take_own_list(principal_of(request), ask, desk_, ctx.clock()).report


Text = Annotated[str, Form(max_length=500)]


@router.post("/employer/lists", include_in_schema=False)
async def upload_page(
    request: Request,
    ctx: Context,
    file: Annotated[UploadFile, File()],
    provider_name: Text = "",
    provider_address: Text = "",
    representative: Text = "",
    obtained_how: Text = "",
    consent_statement: Text = "",
) -> Response:
    attestation = Attestation(
        provider_name, provider_address, representative, obtained_how, consent_statement
    )
    data = await _read(file, ctx.settings.intake_max_bytes)
    try:
        report = _take(request, ctx, data, file_name_of(file.filename), attestation)
    except InputError as refused:
        return _lists_page(
            request,
            ctx,
            error=problems.sentence(request, refused),
            status=400,
            attestation=attestation,
        )
    return _lists_page(request, ctx, report=report, attestation=attestation)


def _actor(request: Request) -> Actor:
    principal = principal_of(request)
    return PORTAL if principal is None else actor_of(principal)


def _epsilon(given: str) -> float | None:
    """The ε typed in the form, or None when it is not a number (the core checks the rest)."""
    try:
        found = float(given.strip().replace(",", "."))
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def _form_page(
    request: Request, ctx: AppContext, typed: str | None = None, error: str = "",
    status: int = 200,
) -> Response:  # fmt: skip
    """The form: the ε suggested for what remains (or as typed), and what is wrong with it."""
    preview = preview_own_forecast(principal_of(request), None, _release_desk(ctx), ctx.clock())
    limits = _limits(ctx)
    facts: dict[str, object] = {
        "preview": preview,
        "typed": f"{preview.suggested:g}" if typed is None else typed,
        "errors": [("epsilon", error)] if error else [],
        "epsilon_min": limits.epsilon_min,
        "epsilon_max": limits.epsilon_max,
    }
    return _page(request, ctx, "employer_forecast.html", facts, status)


@router.get("/employer/forecast", include_in_schema=False)
def forecast_page(
    request: Request, ctx: Context, epsilon: Annotated[str | None, Query(max_length=32)] = None
) -> Response:
    return _form_page(request, ctx, epsilon)


@router.get("/employer/forecast/check", include_in_schema=False)
def forecast_check(
    request: Request, ctx: Context, epsilon: Annotated[str, Query(max_length=32)] = ""
) -> Response:
    """Check your answers: what the forecast will cost and what will remain (a GET, so the
    Back button returns here without asking to resend anything)."""
    asked = _epsilon(epsilon)
    language = negotiate(request)
    if asked is None:
        return _form_page(
            request, ctx, epsilon, catalogue.text("web.epsilon_not_a_number", language), 400
        )
    preview = preview_own_forecast(principal_of(request), asked, _release_desk(ctx), ctx.clock())
    if preview.refusal is not None:
        return _form_page(request, ctx, epsilon, refusal_sentence(preview.refusal, language), 400)
    return _page(request, ctx, "employer_forecast_check.html", {"preview": preview})


def _release_desk(ctx: AppContext) -> ReleaseDesk:
    return ReleaseDesk(ctx.ledger, ctx.workspace, ctx.publisher, _limits(ctx))


def _release(request: Request, ctx: AppContext, epsilon: float) -> ReleaseRecord:
    return request_own_forecast(
        principal_of(request), OwnForecastAsk(epsilon), _release_desk(ctx), ctx.clock()
    ).record


@router.post("/employer/forecast", include_in_schema=False)
def forecast_submit(
    request: Request, ctx: Context, epsilon: Annotated[str, Form(max_length=32)] = ""
) -> Response:
    """Ask the door, then answer with the result's own page (303): a reload or Back never
    sends the request again, and an identical one gets the same release anyway."""
    asked = _epsilon(epsilon)
    if asked is None:
        text = catalogue.text("web.epsilon_not_a_number", negotiate(request))
        return _form_page(request, ctx, epsilon, text, 400)
    record = _release(request, ctx, asked)
    answer = "repeated" if record.repeated else ("new" if record.released else "refused")
    query = urlencode({"lang": negotiate(request), "answer": answer})
    return RedirectResponse(f"/employer/releases/{record.decision_id}?{query}", status_code=303)


@router.get("/employer/releases/{decision_id}", include_in_schema=False)
def release_page(
    request: Request, ctx: Context, decision_id: RowId,
    answer: Annotated[str, Query(max_length=16)] = "",
) -> Response:  # fmt: skip
    """One release (or refusal) of the employer: its own URL, safe to reload."""
    outcome = worded(own_release(principal_of(request), ctx.reader, decision_id))
    notice = answer if answer in {"new", "repeated", "refused"} else ""
    facts: dict[str, object] = {"outcome": outcome, "words": outcome.words, "notice": notice}
    return _page(request, ctx, "employer_release.html", facts)


@router.get("/employer/releases", include_in_schema=False)
def releases_page(request: Request, ctx: Context) -> Response:
    found = [worded(r) for r in own_releases(principal_of(request), ctx.reader)]
    facts: dict[str, object] = {"releases": found, "key": ctx.verifier.encode()}
    return _page(request, ctx, "employer_releases.html", facts)


def _receipt(request: Request, ctx: AppContext, decision_id: RowId) -> Response:
    receipt = own_receipt(
        principal_of(request), ctx.ledger, decision_id, ctx.publisher, ctx.clock()
    )
    name = f"dec-{decision_id}.tlog-proof"
    return PlainTextResponse(
        receipt.encode(),
        media_type="text/plain; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/employer/releases/{decision_id}/receipt", include_in_schema=False)
def receipt_page(request: Request, ctx: Context, decision_id: RowId) -> Response:
    return _receipt(request, ctx, decision_id)


# --- the JSON API -----------------------------------------------------------------------


class BudgetAnswer(BaseModel):
    season: int
    epsilon_cap: float
    epsilon_spent: float
    epsilon_remaining: float
    releases: int


class ListAnswer(BaseModel):
    intake_id: int
    season: int
    file: str
    at: datetime
    rows_read: int
    rows_accepted: int
    rows_quarantined: int


class StandingAnswer(BaseModel):
    employer: str
    season: int
    service: str
    service_approved: bool
    budget: BudgetAnswer
    latest_list: ListAnswer | None


def _budget(standing: desk.Standing) -> BudgetAnswer:
    held = standing.budget
    return BudgetAnswer(
        season=held.season, epsilon_cap=held.cap, epsilon_spent=held.spent,
        epsilon_remaining=held.remaining, releases=held.releases,
    )  # fmt: skip


def _list(summary: desk.ListSummary) -> ListAnswer:
    return ListAnswer(
        intake_id=summary.intake_id, season=summary.season, file=summary.file_name,
        at=summary.at, rows_read=summary.rows_read, rows_accepted=summary.rows_accepted,
        rows_quarantined=summary.rows_quarantined,
    )  # fmt: skip


@router.get("/api/v1/employer", responses={401: {}, 403: {}})
def standing_api(request: Request, ctx: Context) -> StandingAnswer:
    """The signed-in employer's season: budget left, forecast service, latest list."""
    found = _standing(request, ctx)
    return StandingAnswer(
        employer=found.employer, season=found.season, service=found.service_id,
        service_approved=found.service_approved, budget=_budget(found),
        latest_list=None if found.latest_list is None else _list(found.latest_list),
    )  # fmt: skip


@router.get("/api/v1/employer/lists", responses={401: {}, 403: {}})
def lists_api(request: Request, ctx: Context) -> list[ListAnswer]:
    """Every list you uploaded, newest first: rows read, accepted and quarantined."""
    return [_list(summary) for summary in own_lists(principal_of(request), ctx.reader)]


class QuarantinedAnswer(BaseModel):
    line: int
    column: str
    rule: str


class RepairAnswer(BaseModel):
    line: int
    column: str
    kind: str


class IntakeAnswer(BaseModel):
    """The employer's view of its own file: no match or consent figure."""

    intake_id: int
    confirmation_id: int
    employer: str
    season: int
    file: str
    encoding: str
    keyed_by: str
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    quarantined_by_rule: dict[str, int]
    quarantined: list[QuarantinedAnswer]
    repairs_by_kind: dict[str, int]
    repairs: list[RepairAnswer]
    ignored_columns: list[str]


@router.post("/api/v1/employer/lists", responses={400: {}, 401: {}, 403: {}})
async def upload_api(
    request: Request,
    ctx: Context,
    file: Annotated[UploadFile, File(description="The applicant/offer list (CSV).")],
    provider_name: Annotated[str, Form(max_length=500, description="Your company's name.")],
    provider_address: Annotated[str, Form(max_length=500)],
    representative: Annotated[str, Form(max_length=500)],
    obtained_how: Annotated[str, Form(max_length=500)],
    consent_statement: Annotated[str, Form(max_length=500)],
) -> IntakeAnswer:
    """Upload a list with its APPI Art. 30 attestation, as `fairfollow intake`."""
    attestation = Attestation(
        provider_name, provider_address, representative, obtained_how, consent_statement
    )
    data = await _read(file, ctx.settings.intake_max_bytes)
    report = _take(request, ctx, data, file_name_of(file.filename), attestation)
    return IntakeAnswer.model_validate(report.employer_view())


class ForecastAsk(BaseModel):
    epsilon: float = Field(default=1.0, gt=0, le=100, description="ε this release spends.")


@router.post(
    "/api/v1/employer/forecasts",
    responses={400: {}, 401: {}, 403: {}},
    response_model=ReleaseRecord,
)
def forecast_api(request: Request, ctx: Context, body: ForecastAsk) -> Response:
    """Ask the release door for a forecast of your pool (a refusal is an answer too)."""
    return JSONResponse(worded(_release(request, ctx, body.epsilon)).as_json())


@router.get(
    "/api/v1/employer/releases",
    responses={401: {}, 403: {}},
    response_model=list[ReleaseRecord],
)
def releases_api(request: Request, ctx: Context) -> Response:
    """Every forecast you asked for, newest first, with its log index."""
    found = own_releases(principal_of(request), ctx.reader)
    return JSONResponse([worded(r).as_json() for r in found])


@router.get(
    "/api/v1/employer/releases/{decision_id}/receipt",
    responses={200: {"content": {"text/plain": {}}}, 400: {}, 401: {}, 403: {}},
    response_class=PlainTextResponse,
)
def receipt_api(request: Request, ctx: Context, decision_id: RowId) -> Response:
    """The C2SP tlog-proof receipt of one of your releases (`fairfollow log verify-receipt`)."""
    return _receipt(request, ctx, decision_id)
