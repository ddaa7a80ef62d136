"""The web application: ``create_app()`` builds it from the settings.

``fairfollow serve`` runs it with uvicorn (by import string, as a factory, so several
workers each build their own); tests build it directly. Pages are rendered on the server and
work without JavaScript; the stylesheet and the small verifying scripts ship in the package.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from fairfollow.accounts.actions import Action
from fairfollow.settings import Settings
from fairfollow.web import (
    analyst,
    audit,
    consent_receipt,
    employer,
    incidents,
    log,
    member,
    member_api,
    member_requests,
    ops,
    oversight,
    planning,
    privacy,
    privacy_requests,
    problems,
    processing,
    product,
    receipts,
    review,
    signin,
    tiles,
)
from fairfollow.web.access import check_access, join
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.shield import Shield

STATIC_DIR = Path(__file__).with_name("static")

site = APIRouter(dependencies=[Depends(check_access)])
SITE_ACCESS = {
    ("GET", "/"): Action.SITE_READ,
    ("GET", "/healthz"): Action.SITE_READ,
    ("GET", "/api/v1/openapi.json"): Action.SITE_READ,
    ("GET", "/static"): Action.SITE_READ,  # the stylesheet and the verifying script
    ("GET", "/favicon.ico"): Action.SITE_READ,
    ("GET", "/privacy-policy"): Action.SITE_READ,
    ("GET", "/help"): Action.SITE_READ,
    ("GET", "/contact"): Action.SITE_READ,
}


@site.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    """Who the site is for, and where each of them goes."""
    return context_of(request).pages.render(request, "home.html", {})


@site.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """The shipped icon, where browsers look for it without being told."""
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon")


@site.get("/privacy-policy", include_in_schema=False)
def privacy_policy(request: Request) -> Response:
    return context_of(request).pages.render(request, "privacy_policy.html", {})


@site.get("/help", include_in_schema=False)
def help_page(request: Request) -> Response:
    return context_of(request).pages.render(request, "help.html", {})


@site.get("/contact", include_in_schema=False)
def contact(request: Request) -> Response:
    return context_of(request).pages.render(request, "contact.html", {})


@site.get("/healthz")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


# Every router of the application and its access table, in the order they are mounted.
ROUTERS = (
    (site, SITE_ACCESS),
    (log.router, log.ACCESS),
    (tiles.router, tiles.ACCESS),
    (signin.router, signin.ACCESS),
    (member.router, member.ACCESS),
    (member_requests.router, member_requests.ACCESS),
    (member_api.router, member_api.ACCESS),
    (consent_receipt.router, consent_receipt.ACCESS),
    (employer.router, employer.ACCESS),
    (planning.router, planning.ACCESS),
    (review.router, review.ACCESS),
    (privacy.router, privacy.ACCESS),
    (incidents.router, incidents.ACCESS),
    (processing.router, processing.ACCESS),
    (privacy_requests.router, privacy_requests.ACCESS),
    (oversight.router, oversight.ACCESS),
    (audit.router, audit.ACCESS),
    (receipts.router, receipts.ACCESS),
    (product.router, product.ACCESS),
    (analyst.router, analyst.ACCESS),
    (ops.router, ops.ACCESS),
)


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The application over the workspace the settings name (default: the environment)."""
    context = AppContext.build(settings or Settings(), clock)
    app = FastAPI(
        title="FairFollow",
        version="1",
        description="Consented, aggregate, privacy-protected hiring forecasts; "
        "a transparency log anyone can check.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: not shipped
        redoc_url=None,
        # A browser in on a one-time secret chooses its password before anything else.
        dependencies=[Depends(signin.password_first)],
    )
    app.state.context = context
    app.state.access = join(*(table for _, table in ROUTERS))
    problems.install(app, context.pages)
    app.add_exception_handler(signin.PasswordFirst, signin.to_password_page)
    ops.install(app)
    # Added last, so outermost: every answer, the request log's included, is shielded.
    app.add_middleware(Shield, upload_bytes=context.settings.intake_max_bytes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router, _ in ROUTERS:
        app.include_router(router)
    return app
