"""The privacy officer's console (``/privacy``).

- the policy rollout matrix (versions × screens, lagging screens in red) and the activation
  gate: a refused activation shows the gate's reasons; a forced one needs a reason and stays
  on the page for good (:mod:`fairfollow.consent.rollout`);
- consent coverage per purpose at an instant (default now, shown in JST): counts by reason
  and by screen, a bar chart drawn on the server (staff and the auditor), and the CSV of the
  members lacking consent — the one place member ids appear, for the privacy officer and the
  operator's follow-up (:mod:`fairfollow.usecases.coverage`);
- the data-subject requests: :mod:`fairfollow.web.privacy_requests`;
- release decisions, released and refused, with each rule's outcome and citation and ε.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from fairfollow.accounts.actions import Action
from fairfollow.consent import rollout
from fairfollow.consent.policy import ActivationDecision
from fairfollow.consent.validity import REASON_INFO, Reason
from fairfollow.csv_export import csv_text
from fairfollow.errors import InputError
from fairfollow.instants import JST, parse_instant
from fairfollow.ledger.transaction import reading
from fairfollow.messages.decisions import gate_reasons
from fairfollow.records import report as records
from fairfollow.usecases import policy as policy_cases
from fairfollow.usecases.coverage import Coverage, CoverageAsk, consent_coverage
from fairfollow.web.access import check_access
from fairfollow.web.charts import Bar, bar_chart
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import N_, negotiate
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/privacy"): Action.POLICY_LIST,
    ("POST", "/privacy/policy/activate"): Action.POLICY_ACTIVATE,
    ("GET", "/privacy/coverage"): Action.CONSENT_COVERAGE,
    ("GET", "/privacy/coverage.csv"): Action.CONSENT_MEMBER_IDS,
    ("GET", "/privacy/decisions"): Action.RECORDS_READ,
    ("GET", "/api/v1/policy/matrix"): Action.POLICY_LIST,
    ("POST", "/api/v1/policy/activate"): Action.POLICY_ACTIVATE,
    ("GET", "/api/v1/decisions"): Action.RECORDS_READ,
}


POLICY_STATUS_LABELS = {
    "draft": N_("draft"),
    "approved": N_("approved"),
    "active": N_("active"),
    "retired": N_("retired"),
}


def parse_at(text: str, ctx: AppContext) -> datetime:
    """An instant from a query: empty is now; a time without an offset is read as JST (the
    browser's date-time field sends none)."""
    text = text.strip()
    if not text:
        return ctx.clock()
    try:
        naive = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError("web.instant_malformed", text=text) from exc
    if naive.tzinfo is None:
        return naive.replace(tzinfo=JST).astimezone(UTC)
    return parse_instant(text, "at")


# ---- the rollout matrix and the activation gate -------------------------------------------


def _matrix_page(
    request: Request, ctx: AppContext, *, outcome: object = None, status: int = 200
) -> Response:
    with reading(ctx.reader, "rollout matrix") as conn:
        matrix = rollout.rollout_matrix(conn, ctx.clock())  # after the POLICY_LIST check
    reasons = (
        gate_reasons(outcome, negotiate(request)) if isinstance(outcome, ActivationDecision) else []
    )
    facts = {
        "matrix": matrix,
        "outcome": outcome,
        "reasons": reasons,
        "status_labels": POLICY_STATUS_LABELS,
    }
    return ctx.pages.render(request, "privacy_matrix.html", facts, status_code=status)


@router.get("/privacy", include_in_schema=False)
def matrix_page(request: Request, ctx: Context) -> Response:
    return _matrix_page(request, ctx)


@router.post("/privacy/policy/activate", include_in_schema=False)
def activate_form(
    request: Request,
    ctx: Context,
    version: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    force: Annotated[str, Form(max_length=8)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Run the gate as the signed-in privacy officer; the page shows its decision. Forcing
    a version live cannot be undone: a check page restates it first (issue 23)."""
    if force and reason.strip() and confirmed != "yes":
        facts = {"version": version, "reason": reason}
        return ctx.pages.render(request, "privacy_activate_confirm.html", facts)
    asked = ActivateRequest(version=version, force=bool(force), reason=reason)
    decision = _activate(request, ctx, asked)
    return _matrix_page(request, ctx, outcome=decision, status=200 if decision.allowed else 409)


# ---- consent coverage --------------------------------------------------------------------


def _coverage_of(
    request: Request, ctx: AppContext, purpose: str, at: str, *, ids: bool
) -> Coverage:
    ask = CoverageAsk(purpose, parse_at(at, ctx), ids=ids)
    return consent_coverage(principal_of(request), ask, ctx.reader)


@router.get("/privacy/coverage", include_in_schema=False)
def coverage_page(
    request: Request,
    ctx: Context,
    purpose: Annotated[str, Query(max_length=64)] = "",
    at: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    found = _coverage_of(request, ctx, purpose, at, ids=False)
    report = found.report
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "ja"
    counts = report.counts
    bars = [
        Bar(REASON_INFO[r].label_ja if lang == "ja" else REASON_INFO[r].label_en, counts.get(r, 0))
        for r in Reason
    ]
    chart = bar_chart(bars, title=report.purpose_key)
    facts = {
        "report": report,
        "purposes": found.purposes,
        "may_see_ids": found.may_see_ids,
        "chart": chart,
        "reasons": list(Reason),
        "info": REASON_INFO,
        "at_field": report.at.astimezone(JST).strftime("%Y-%m-%dT%H:%M"),
    }
    return ctx.pages.render(request, "privacy_coverage.html", facts)


@router.get("/privacy/coverage.csv", include_in_schema=False)
def coverage_csv(
    request: Request,
    ctx: Context,
    purpose: Annotated[str, Query(max_length=64)] = "",
    at: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """``member_id,reason`` for every member lacking valid consent (the operator's list)."""
    report = _coverage_of(request, ctx, purpose, at, ids=True).report
    when = report.at
    rows = sorted((m, r.value) for r, found in report.member_ids.items() for m in found)
    name = f"lacking-{report.purpose_key}-{when:%Y%m%dT%H%M%SZ}.csv"
    return PlainTextResponse(
        csv_text(["member_id", "reason"], rows),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


# ---- release decisions -------------------------------------------------------------------


@router.get("/privacy/decisions", include_in_schema=False)
def decisions_page(
    request: Request,
    ctx: Context,
    employer: Annotated[str, Query(max_length=64)] = "",
    season: Annotated[str, Query(max_length=4)] = "",
) -> Response:
    chosen = int(season) if season.isdigit() else None
    with reading(ctx.reader, "release decisions") as conn:
        everything = records.release_decisions(conn)
        shown = records.release_decisions(conn, employer=employer or None, season=chosen)
    facts = {
        "decisions": shown,
        "facets": records.facets(everything),
        "employer": employer,
        "season": chosen,
    }
    return ctx.pages.render(request, "privacy_decisions.html", facts)


# ---- the JSON API ------------------------------------------------------------------------


class CellAnswer(BaseModel):
    version_id: str
    shown_now: bool
    since: list[datetime]


class ScreenAnswer(BaseModel):
    screen_id: str
    displayed: str | None
    displayed_since: datetime | None
    lagging: bool
    cells: list[CellAnswer]


class ForcedAnswer(BaseModel):
    version_id: str
    at: datetime
    actor: str
    reason: str


class MatrixAnswer(BaseModel):
    at: datetime
    active: list[str]
    versions: list[str]
    screens: list[ScreenAnswer]
    forced: list[ForcedAnswer]


@router.get("/api/v1/policy/matrix")
def matrix_api(ctx: Context) -> MatrixAnswer:
    """The rollout matrix now: which screen displays which version since when, the lagging
    screens, and every forced activation."""
    with reading(ctx.reader, "rollout matrix") as conn:
        m = rollout.rollout_matrix(conn, ctx.clock())
    return MatrixAnswer(
        at=m.at,
        active=list(m.active),
        versions=[v.version.version_id for v in m.versions],
        screens=[
            ScreenAnswer(
                screen_id=line.screen.screen_id,
                displayed=line.displayed,
                displayed_since=line.displayed_since,
                lagging=line.lagging,
                cells=[
                    CellAnswer(
                        version_id=c.version_id,
                        shown_now=c.shown_now,
                        since=[s.since for s in c.stints],
                    )
                    for c in line.cells
                ],
            )
            for line in m.screens
        ],
        forced=[
            ForcedAnswer(version_id=e.version_id, at=e.at, actor=str(e.actor), reason=e.reason)
            for e in m.forced
        ],
    )


class ActivateRequest(BaseModel):
    version: str = Field(min_length=1, max_length=64)
    force: bool = False
    reason: str = Field(default="", max_length=2000)


class ActivationAnswer(BaseModel):
    version_id: str
    outcome: str
    at: datetime
    actor: str
    reasons: list[str]
    lagging: list[str]
    citation: str


@router.post("/api/v1/policy/activate", responses={400: {}})
def activate_api(request: Request, ctx: Context, body: ActivateRequest) -> ActivationAnswer:
    """Run the activation gate as the calling privacy officer (a refusal is an answer)."""
    d = _activate(request, ctx, body)
    return ActivationAnswer(
        version_id=d.version_id,
        outcome=d.outcome.value,
        at=d.at,
        actor=str(d.actor),
        reasons=list(d.reasons),
        lagging=[s.screen_id for s in d.lagging],
        citation=d.citation,
    )


def _activate(request: Request, ctx: AppContext, body: ActivateRequest) -> ActivationDecision:
    return policy_cases.activate(
        principal_of(request), ctx.ledger, body.version, ctx.clock(),
        force=body.force, reason=body.reason,
    )  # fmt: skip


class RuleAnswer(BaseModel):
    rule: str
    outcome: str
    citation: str


class DecisionAnswer(BaseModel):
    decision_id: int
    request: str
    outcome: str
    reason: str
    employer: str | None
    season: int | None
    at: datetime
    epsilon: float | None
    rules: list[RuleAnswer]


@router.get("/api/v1/decisions")
def decisions_api(
    ctx: Context,
    employer: Annotated[str, Query(max_length=64)] = "",
    season: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[DecisionAnswer]:
    """Release decisions, newest first, released and refused, with rules and citations."""
    with reading(ctx.reader, "release decisions") as conn:
        found = records.release_decisions(conn, employer=employer or None, season=season)
    return [
        DecisionAnswer(
            decision_id=d.decision_id,
            request=d.request,
            outcome=d.outcome,
            reason=d.reason,
            employer=d.employer,
            season=d.season,
            at=d.at,
            epsilon=d.epsilon,
            rules=[
                RuleAnswer(rule=r.rule_id, outcome=r.outcome, citation=r.citation) for r in d.rules
            ],
        )
        for d in found
    ]
