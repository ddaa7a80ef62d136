"""The product owner's pages (``/product``): register a data service's declaration, amend it
(a new version), submit it for review and follow where it stands.

Each route makes one use case call (``usecases.services``); forms that change something
answer with a redirect to the service's page (one answer per request: a reload does not
register or submit twice). A declaration is the JSON the command line's ``service register``
reads; a refused one comes back with the error above the form and the text kept.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from fairfollow.accounts.actions import Action
from fairfollow.errors import FairFollowError
from fairfollow.messages import sentence
from fairfollow.services.examples import yield_forecast
from fairfollow.services.registry import validate_spec
from fairfollow.usecases import services as cases
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import negotiate
from fairfollow.web.review import STATE_LABELS
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/product"): Action.SERVICE_REGISTER,
    ("GET", "/product/declaration"): Action.SERVICE_REGISTER,
    ("POST", "/product/services"): Action.SERVICE_REGISTER,
    ("GET", "/product/services/{service_id}"): Action.SERVICE_SHOW,
    ("POST", "/product/services/{service_id}/submit"): Action.SERVICE_SUBMIT,
}
MAX_DECLARATION = 64 * 1024


def _starter(owner: str) -> str:
    """A declaration to start from: the yield forecast's, renamed, owned by the visitor."""
    spec = yield_forecast(["E0001"], owner=owner).model_dump(mode="json")
    spec.update(service_id="my-new-service", name="")
    return json.dumps(spec, ensure_ascii=False, indent=2)


@router.get("/product", include_in_schema=False)
def home(request: Request, ctx: Context) -> Response:
    found = cases.owned(principal_of(request), ctx.reader)
    facts = {"cases": found, "state_labels": STATE_LABELS}
    return ctx.pages.render(request, "product_home.html", facts)


@router.get("/product/declaration", include_in_schema=False)
def declaration_form(request: Request, ctx: Context, amend: str = "") -> Response:
    """The form: a new declaration, or (``amend``) the current one of an owned service."""
    me = principal_of(request)
    text = _starter(me.login if me else "")
    if amend:
        case = cases.show(me, ctx.reader, amend)
        text = json.dumps(case.spec.model_dump(mode="json"), ensure_ascii=False, indent=2)
    facts = {"declaration": text, "error": None, "amend": amend}
    return ctx.pages.render(request, "product_declaration.html", facts)


@router.post("/product/services", include_in_schema=False)
def register(
    request: Request,
    ctx: Context,
    declaration: Annotated[str, Form(max_length=MAX_DECLARATION)],
    amend: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        spec = validate_spec(json.loads(declaration))
        done = cases.register(principal_of(request), ctx.ledger, spec, ctx.clock())
    except (FairFollowError, ValueError) as exc:
        message = (
            sentence.of_error(exc, negotiate(request), ctx.pages.zone)
            if isinstance(exc, FairFollowError)
            else ""
        )
        facts = {"declaration": declaration, "error": message or "json", "amend": amend}
        return ctx.pages.render(request, "product_declaration.html", facts, 422)
    lang = negotiate(request)
    note = "unchanged" if done.unchanged else "registered"
    return RedirectResponse(
        f"/product/services/{spec.service_id}?done={note}&lang={lang}", status_code=303
    )


@router.get("/product/services/{service_id}", include_in_schema=False)
def service_page(request: Request, ctx: Context, service_id: str, done: str = "") -> Response:
    case = cases.show(principal_of(request), ctx.reader, service_id)
    facts = {"case": case, "state_labels": STATE_LABELS, "done": done}
    return ctx.pages.render(request, "product_service.html", facts)


@router.post("/product/services/{service_id}/submit", include_in_schema=False)
def submit(request: Request, ctx: Context, service_id: str) -> Response:
    cases.submit(principal_of(request), ctx.ledger, service_id, ctx.clock())
    lang = negotiate(request)
    return RedirectResponse(
        f"/product/services/{service_id}?done=submitted&lang={lang}", status_code=303
    )
