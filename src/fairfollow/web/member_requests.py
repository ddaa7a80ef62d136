"""The member's requests in the portal (``/me/requests``): file one, follow it, keep its
certificate — always about the signed-in member's own requests.

A correction is typed in labelled fields (name, kana, e-mail, university, birth date), read
by the one parser of corrections (:func:`fairfollow.rights.detail.correction_of`); a refusal
is shown in the member's language with what they typed kept in the form. An erasure is
filed only after a preview of what will be erased and what the law keeps, and a
confirmation. Each request has its page: its steps, who acted and when, and once done its
completion certificate (downloadable as JSON).
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from fairfollow.accounts.actions import Action
from fairfollow.errors import InputError, RightsError
from fairfollow.rights import portal
from fairfollow.rights.detail import CORRECTABLE_FIELDS
from fairfollow.rights.request import LAW, LegalBasis, RightKind
from fairfollow.usecases import rights as rights_cases
from fairfollow.web import problems
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.i18n import N_
from fairfollow.web.member import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    _download,
    _lang,
    after_of,
    channel_of,
    desk_of,
    me_of,
)
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]

ACCESS = {
    ("GET", "/me/requests"): Action.MEMBER_READ,
    ("POST", "/me/requests"): Action.MEMBER_REQUEST,
    ("GET", "/me/requests/{request_id}"): Action.MEMBER_READ,
    ("GET", "/me/requests/{request_id}/certificate.json"): Action.MEMBER_READ,
}

FIELD_LABELS = {
    "name_kanji": N_("Name (kanji)"),
    "name_kana": N_("Name (kana)"),
    "email": N_("E-mail address"),
    "university": N_("University"),
    "birth_date": N_("Birth date"),
}
STEP_LABELS = {
    "store": N_("Analytics store"),
    "training_sets": N_("Features and training sets"),
    "models": N_("Models marked for retraining"),
    "exports": N_("Earlier exports deleted"),
    "export": N_("Export written"),
    "ledger": N_("Ledger (consent, secret, links) and the record that the request is done"),
    "compaction": N_("Database compacted"),
}
CORRECTION_PREFIX = "correct."


def _requests_page(
    request: Request,
    ctx: AppContext,
    *,
    error: str = "",
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    facts = {
        "views": rights_cases.own_requests(principal_of(request), desk_of(ctx)),
        "kinds": [LAW[k] for k in portal.FILED_HERE],
        "statuses": STATUS_LABELS,
        "fields": [(name, FIELD_LABELS[name]) for name in CORRECTABLE_FIELDS],
        "typed": typed or {},
        "now": ctx.clock(),
        "filed": request.query_params.get("filed", ""),
        "error": error,
        "tab": "requests",
        "after": after_of(request, ctx),
    }
    return ctx.pages.render(request, "member_requests.html", facts, status_code=status)


@router.get("/me/requests", include_in_schema=False)
def requests_page(request: Request, ctx: Context) -> Response:
    """My requests with their status and due dates, and the form to file one."""
    return _requests_page(request, ctx)


def _typed(form: dict[str, str]) -> dict[str, str]:
    """Everything the member typed, kept to fill the form again on an error."""
    return {k: v for k, v in form.items() if k != "csrf_token"}


@router.post("/me/requests", include_in_schema=False)
async def file_request(request: Request, ctx: Context) -> Response:
    """File a request as the signed-in member (the session is the identity check); an
    erasure is first previewed and needs the member's confirmation."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    typed = _typed(form)
    try:
        kind = RightKind(form.get("kind", ""))
        basis = LegalBasis(form.get("basis") or LegalBasis.APPI.value)
    except ValueError:
        kind = None
    try:
        if kind is None:
            raise InputError("rights.kind_unknown", kind=form.get("kind", ""))
        corrections = {
            k.removeprefix(CORRECTION_PREFIX): v
            for k, v in form.items()
            if k.startswith(CORRECTION_PREFIX)
        }
        detail = portal.request_detail(kind, corrections)
        if kind is RightKind.ERASURE and form.get("confirm") != "yes":
            found = rights_cases.preview_own(principal_of(request), desk_of(ctx), kind)
            facts = {
                "preview": found,
                "labels": CATEGORY_LABELS,
                "steps": STEP_LABELS,
                "basis": basis.value,
                "tab": "requests",
                "after": after_of(request, ctx),
            }
            return ctx.pages.render(request, "member_request_preview.html", facts)
        filed = rights_cases.file_own(
            principal_of(request), desk_of(ctx), kind, ctx.clock(), basis=basis,
            session=channel_of(request), detail=detail,
        )  # fmt: skip
    except (InputError, RightsError) as refused:
        sentence = problems.sentence(request, refused)
        return _requests_page(request, ctx, error=sentence, status=400, typed=typed)
    query = urlencode({"filed": filed.request_id})
    return RedirectResponse(f"/me/requests?{_lang(request)}{query}", status_code=303)


@router.get("/me/requests/{request_id}", include_in_schema=False)
def request_page(request: Request, ctx: Context, request_id: RowId) -> Response:
    """One of my requests: each step, who and when, and its certificate once done."""
    view = rights_cases.show(me_of(request), desk_of(ctx), request_id)
    facts = {
        "view": view,
        "statuses": STATUS_LABELS,
        "steps": STEP_LABELS,
        "now": ctx.clock(),
        "tab": "requests",
        "after": after_of(request, ctx),
    }
    return ctx.pages.render(request, "member_request.html", facts)


@router.get("/me/requests/{request_id}/certificate.json", include_in_schema=False)
def certificate_download(request: Request, ctx: Context, request_id: RowId) -> Response:
    """The completion certificate of one of my requests, as JSON."""
    found = rights_cases.certificate_of(me_of(request), desk_of(ctx), request_id)
    text = json.dumps(found.as_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return _download(text, f"rights-request-{request_id}-certificate.json", "application/json")
