"""The privacy officer's incident page (``/privacy/incidents``): the due list of leak
reports and notices, soonest (so overdue) first, every incident with its triggers and
citations, and each report's Japanese draft (the PPC's form). Read by the privacy officer,
the auditor and the operator (``incident.read``); recording stays on the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from fairfollow.accounts.actions import Action
from fairfollow.instants import in_jst
from fairfollow.law.incidents import Duty
from fairfollow.messages.catalogue import shown
from fairfollow.messages.drafts import render_draft
from fairfollow.usecases import incidents as cases
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.i18n import negotiate
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/privacy/incidents"): Action.INCIDENT_READ,
    ("GET", "/privacy/incidents/{incident_id}/draft"): Action.INCIDENT_READ,
    ("GET", "/api/v1/incidents"): Action.INCIDENT_READ,
}


@router.get("/privacy/incidents", include_in_schema=False)
def incidents_page(request: Request, ctx: Context) -> Response:
    now = ctx.clock()
    found = cases.due_list(principal_of(request), ctx.reader, now)
    language = negotiate(request)
    facts = {
        "due": found,
        "now": now,
        "term": lambda value: shown(value, language),
    }
    return ctx.pages.render(request, "privacy_incidents.html", facts)


@router.get("/privacy/incidents/{incident_id}/draft", include_in_schema=False)
def draft_text(
    request: Request,
    ctx: Context,
    incident_id: RowId,
    duty: Annotated[Duty, Query()] = Duty.PPC_PRELIMINARY,
) -> Response:
    """The report draft, Japanese, as plain text to paste into the PPC's form."""
    found = cases.report_draft(principal_of(request), incident_id, duty, ctx.reader)
    return PlainTextResponse(render_draft(found))


class DueAnswer(BaseModel):
    incident_id: int
    duty: str
    required: bool
    due_at: str | None
    done_at: str | None
    late: bool


class DueListAnswer(BaseModel):
    at: str
    due: list[DueAnswer]


def _at(value: datetime | None) -> str | None:
    return None if value is None else in_jst(value)


@router.get("/api/v1/incidents")
def due_api(request: Request, ctx: Context) -> DueListAnswer:
    """Every open leak report or notice, soonest due first (times in JST)."""
    now = ctx.clock()
    found = cases.due_list(principal_of(request), ctx.reader, now)
    return DueListAnswer(
        at=in_jst(now),
        due=[
            DueAnswer(
                incident_id=s.incident_id,
                duty=s.duty.value,
                required=s.required,
                due_at=_at(s.due_at),
                done_at=_at(s.done_at),
                late=s.late,
            )
            for s in found.open
        ],
    )
