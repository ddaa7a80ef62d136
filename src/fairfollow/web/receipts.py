"""A receipt checked on the server (``/receipts/check``): the page for anyone — an employer
first — whose browser runs no script, or who kept a receipt file and wants it checked again.

The check is :func:`fairfollow.tlog.receipt.verify_receipt` against the log's public key, the
same the browser's script and ``fairfollow log verify-receipt`` run. It changes nothing, so
the answer is the page itself (no redirect)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from fairfollow.accounts.actions import Action
from fairfollow.tlog.receipt import verify_receipt
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/receipts/check"): Action.LOG_READ,
    ("POST", "/receipts/check"): Action.LOG_READ,
}
MAX_RECEIPT = 256 * 1024  # a receipt is a few kilobytes; anything far larger is not one


@router.get("/receipts/check", include_in_schema=False)
def check_form(request: Request, ctx: Context) -> Response:
    return ctx.pages.render(request, "receipt_check.html", {"check": None, "record": None})


@router.post("/receipts/check", include_in_schema=False)
async def check_receipt(
    request: Request,
    ctx: Context,
    receipt: Annotated[str, Form(max_length=MAX_RECEIPT)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    text = receipt
    if file is not None and file.filename:
        text = (await file.read(MAX_RECEIPT + 1)).decode("utf-8", errors="replace")
    check = verify_receipt(text.replace("\r\n", "\n"), ctx.verifier)
    record = check.record if check.valid else None
    facts = {"check": check, "record": record, "pasted": receipt}
    return ctx.pages.render(request, "receipt_check.html", facts, 200 if check.valid else 422)
