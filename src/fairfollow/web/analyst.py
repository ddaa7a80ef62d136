"""The analyst's console (``/analyst``, read-only): what the CLI produced — the ingest
history with quarantine counts per file and reason, the feature and offer tables built, the
models trained and their held-out metrics, evaluation and backtest reports — and the data
services with where each stands in review (an owner follows their own here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from fairfollow.accounts.actions import Action
from fairfollow.model.runs import model_runs, reports
from fairfollow.services import docket
from fairfollow.usecases.season import ingest_report
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.review import OUTCOME_LABELS, STATE_LABELS
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/analyst"): Action.INGEST_REPORT,
    ("GET", "/api/v1/ingest"): Action.INGEST_REPORT,
}


@router.get("/analyst", include_in_schema=False)
def console(request: Request, ctx: Context) -> Response:
    facts = {
        "history": ingest_report(principal_of(request), ctx.workspace),
        "runs": model_runs(ctx.workspace.models_dir),
        "reports": reports(ctx.workspace.reports_dir),
        "cases": docket.docket(ctx.reader),
        "state_labels": STATE_LABELS,
        "outcome_labels": OUTCOME_LABELS,
    }
    return ctx.pages.render(request, "analyst_console.html", facts)


class IngestedFileAnswer(BaseModel):
    source_file: str
    table_name: str
    rows_accepted: int
    rows_quarantined: int
    active: bool


class QuarantineAnswer(BaseModel):
    source_file: str
    reason: str
    rows: int


class IngestAnswer(BaseModel):
    files: list[IngestedFileAnswer]
    quarantine: list[QuarantineAnswer]


@router.get("/api/v1/ingest")
def ingest_api(request: Request, ctx: Context) -> IngestAnswer:
    """The store's ingested files and quarantine counts per file and reason."""
    found = ingest_report(principal_of(request), ctx.workspace)
    return IngestAnswer(
        files=[
            IngestedFileAnswer(
                source_file=f.source_file,
                table_name=f.table_name,
                rows_accepted=f.rows_accepted,
                rows_quarantined=f.rows_quarantined,
                active=f.active,
            )
            for f in found.files
        ],
        quarantine=[
            QuarantineAnswer(source_file=q.source_file, reason=q.reason, rows=q.rows)
            for q in found.quarantine
        ],
    )
