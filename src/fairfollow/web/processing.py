"""The record of processing on the console (``/privacy/processing``): every purpose,
service, recipient class, retention, transfer and safety measure the registries hold, in
the visitor's language, with its CSV and JSON (GDPR Art. 30, APPI Art. 32)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from fairfollow.accounts.actions import Action
from fairfollow.csv_export import csv_text
from fairfollow.messages.processing import worded_rows
from fairfollow.records.processing import HEADER
from fairfollow.usecases.processing import processing_record
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import negotiate
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/privacy/processing"): Action.PROCESSING_READ,
    ("GET", "/privacy/processing.csv"): Action.PROCESSING_READ,
    ("GET", "/api/v1/processing"): Action.PROCESSING_READ,
}


@router.get("/privacy/processing", include_in_schema=False)
def processing_page(request: Request, ctx: Context) -> Response:
    record = processing_record(principal_of(request), ctx.reader, ctx.clock())
    facts = {"record": record, "rows": worded_rows(record, negotiate(request))}
    return ctx.pages.render(request, "privacy_processing.html", facts)


@router.get("/privacy/processing.csv", include_in_schema=False)
def processing_csv(request: Request, ctx: Context) -> Response:
    record = processing_record(principal_of(request), ctx.reader, ctx.clock())
    language = negotiate(request)
    return PlainTextResponse(
        csv_text(HEADER, worded_rows(record, language)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="processing-{language}.csv"'},
    )


@router.get("/api/v1/processing", response_class=JSONResponse)
def processing_api(request: Request, ctx: Context) -> Response:
    """The record of processing as JSON (times in JST)."""
    return JSONResponse(processing_record(principal_of(request), ctx.reader, ctx.clock()).as_json())
