"""A member's signed consent receipt as a page to read (``/me/receipts/{id}/page``): what was
agreed to or withdrawn, when, on which screen, under which policy version, for which purposes
and with whom — in the member's language. The signed ``.jws`` stays the optional download
(``/me/receipts/{id}``) that proves it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fairfollow.accounts.actions import Action
from fairfollow.rights import portal
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.member import ACTION_LABELS, desk_of, me_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {("GET", "/me/receipts/{event_id}/page"): Action.MEMBER_READ}


def _events(document: dict[str, object]) -> list[dict[str, object]]:
    """The receipt's events with their times read (the document keeps ISO 8601 text)."""
    events = document.get("events")
    found = []
    for event in events if isinstance(events, list) else []:
        if isinstance(event, dict):
            at = event.get("eventTime")
            when = datetime.fromisoformat(at) if isinstance(at, str) else None
            found.append({**event, "at": when})
    return found


@router.get("/me/receipts/{event_id}/page", include_in_schema=False)
def receipt_page(request: Request, ctx: Context, event_id: RowId) -> Response:
    found = portal.receipt(desk_of(ctx), me_of(request), event_id)
    document = found.document
    facts = {
        "receipt": found,
        "header": document.get("header", {}),
        "processing": document.get("processing", {}),
        "parties": document.get("parties", {}),
        "events": _events(document),
        "actions": ACTION_LABELS,
        "tab": "consents",
    }
    return ctx.pages.render(request, "member_receipt.html", facts)
