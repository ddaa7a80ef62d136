"""The one place the core's error tree becomes HTTP (STYLE 6): a status and a typed body.

The core never imports FastAPI; routes raise nothing of their own beyond what the core
raises. API callers get ``{"error": <class>, "code": <stable code>, "message": <sentence>}``
with the sentence in their language (Accept-Language, ``?lang=``); page visitors get the same
sentence on an error page. The core supplies the code and its parameters, the catalogue the
words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fairfollow.errors import (
    AuthenticationError,
    ConfigError,
    FairFollowError,
    ForecastError,
    GovernanceError,
    InputError,
    LedgerError,
    NotReadyError,
    RightsError,
    RoleError,
    ThrottledError,
    TransparencyLogError,
)
from fairfollow.instants import JST
from fairfollow.messages import catalogue
from fairfollow.messages.sentence import of_error
from fairfollow.web.i18n import negotiate
from fairfollow.web.pages import Pages
from fairfollow.web.session import principal_of

# Most specific first: the first class an error is an instance of decides its status.
STATUS: tuple[tuple[type[FairFollowError], int], ...] = (
    (ThrottledError, 429),
    (NotReadyError, 503),
    (AuthenticationError, 401),
    (RoleError, 403),
    (InputError, 400),
    (RightsError, 409),
    (ForecastError, 400),
    (GovernanceError, 409),
    (LedgerError, 503),
    (TransparencyLogError, 500),
    (ConfigError, 500),
    (FairFollowError, 500),
)


@dataclass(frozen=True)
class Problem:
    status: int
    error: str
    message: str
    code: str = "web.http_error"

    def as_json(self) -> dict[str, object]:
        return {"error": self.error, "code": self.code, "message": self.message}


# What a member or an employer user reads when a step the operator owes has not run (their
# request is fine); the operator's own wording names workspace paths and CLI commands.
NOT_READY = "web.not_ready"


def sentence(request: Request, exc: FairFollowError) -> str:
    """What went wrong, in the visitor's language (for a page that shows it in place)."""
    return of_error(exc, negotiate(request))


def problem_of(
    exc: FairFollowError, language: str, zone: tzinfo = JST, *, for_staff: bool = True
) -> Problem:
    status = next(code for kind, code in STATUS if isinstance(exc, kind))
    if for_staff or not isinstance(exc, NotReadyError):
        return Problem(status, type(exc).__name__, of_error(exc, language, zone), exc.code)
    return Problem(status, type(exc).__name__, catalogue.text(NOT_READY, language), NOT_READY)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
    )


def install(app: FastAPI, pages: Pages) -> None:
    """Register the handlers that turn errors into responses."""

    def respond(request: Request, found: Problem) -> Response:
        if _wants_json(request):
            return JSONResponse(found.as_json(), status_code=found.status)
        if found.status == 401 and request.method == "GET":
            # A page that needs an account sends the browser to sign in, then back here.
            return RedirectResponse(f"/login?{urlencode({'next': request.url.path})}", 303)
        return pages.render(request, "error.html", {"problem": found}, status_code=found.status)

    async def core_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FairFollowError)
        request.state.error = exc  # the action log line says how it ended (web/ops.py)
        caller = principal_of(request)
        found = problem_of(
            exc, negotiate(request), pages.zone, for_staff=bool(caller and caller.roles)
        )
        response = respond(request, found)
        if isinstance(exc, ThrottledError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    async def http_error(request: Request, exc: Exception) -> Response:
        # Starlette's own refusals (no such page, method not allowed …): their detail is
        # English, so the sentence comes from the catalogue by status.
        assert isinstance(exc, StarletteHTTPException)
        code = f"web.http_{exc.status_code}"
        if code not in catalogue.entries("en"):
            code = "web.http_error"
        message = catalogue.text(code, negotiate(request))
        return respond(request, Problem(exc.status_code, "HTTPError", message, code))

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = sorted(
            {".".join(str(p) for p in error["loc"] if p not in ("body", "query", "path"))
             for error in exc.errors()}
        )  # fmt: skip
        code = "web.invalid_request"
        message = catalogue.text(code, negotiate(request), fields=fields)
        return respond(request, Problem(422, "RequestValidationError", message, code))

    app.add_exception_handler(FairFollowError, core_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
