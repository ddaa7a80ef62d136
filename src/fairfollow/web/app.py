"""The web application: ``create_app()`` builds it from the settings.

``fairfollow serve`` runs it with uvicorn (by import string, as a factory, so several
workers each build their own); tests build it directly. Pages are rendered on the server and
work without JavaScript; the one stylesheet and the one small script ship in the package.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from fairfollow.settings import Settings
from fairfollow.web import log, problems
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of

STATIC_DIR = Path(__file__).with_name("static")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application over the workspace the settings name (default: the environment)."""
    context = AppContext.build(settings or Settings())
    app = FastAPI(
        title="FairFollow",
        version="1",
        description="Consented, aggregate, privacy-protected hiring forecasts; "
        "a transparency log anyone can check.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: not shipped
        redoc_url=None,
    )
    app.state.context = context
    problems.install(app, context.pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(log.router)

    @app.get("/", include_in_schema=False, dependencies=[Depends(check_access)])
    def home(request: Request) -> Response:
        return context_of(request).pages.render(request, "home.html", {})

    @app.get("/healthz", dependencies=[Depends(check_access)])
    def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    return app
