"""Sign-in and sign-out, the signed-in account's own page, and API tokens.

Pages: ``GET/POST /login`` (password, and a TOTP code for staff who have one), ``POST
/logout``, ``GET /account`` (who am I, my roles, my sign-in history), ``GET/POST
/account/password`` (choose or change the password; a browser signed in on its one-time
secret is led here from every page until it has one, :func:`password_first`). API: ``POST
/api/v1/token`` exchanges the same credentials for a bearer token (as ``fairfollow account
login`` does), ``GET /api/v1/me`` says who a session or token stands for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from fairfollow.accounts import authority
from fairfollow.accounts import session as sessions
from fairfollow.accounts.account import MIN_PASSWORD_CHARS, Principal
from fairfollow.accounts.actions import Action, Audience, audiences_of
from fairfollow.errors import AuthenticationError, GovernanceError, ThrottledError
from fairfollow.messages import catalogue
from fairfollow.messages.sentence import of_error
from fairfollow.web import problems
from fairfollow.web.access import check_access, route_key
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import negotiate
from fairfollow.web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    bearer_of,
    clear_session,
    login_csrf_matches,
    new_login_csrf,
    principal_of,
    session_cookie,
    set_login_csrf,
    set_session,
)

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]

ACCESS = {
    ("GET", "/login"): Action.SIGN_IN,
    ("POST", "/login"): Action.SIGN_IN,
    ("POST", "/logout"): Action.ACCOUNT_SELF,
    ("GET", "/account"): Action.ACCOUNT_SELF,
    ("GET", "/account/password"): Action.ACCOUNT_SELF,
    ("POST", "/account/password"): Action.ACCOUNT_SELF,
    ("POST", "/api/v1/token"): Action.SIGN_IN,
    ("GET", "/api/v1/me"): Action.ACCOUNT_SELF,
}

PASSWORD_PAGE = "/account/password"

# Where each kind of account lands after signing in, most specific first.
HOMES = (
    (Audience.MEMBER, "/me"),
    (Audience.EMPLOYER, "/employer"),
    (Audience.PRIVACY_OFFICER, "/privacy"),
    (Audience.REVIEWER, "/review"),
    (Audience.AUDITOR, "/audit"),
    (Audience.ANALYST, "/analyst"),
)


def home_of(request: Request, principal: Principal) -> str:
    """The landing page of an account: its portal where the application has one."""
    declared = {path for method, path in request.app.state.access if method == "GET"}
    held = audiences_of(principal)
    for audience, path in HOMES:
        if audience in held and path in declared:
            return path
    return "/account"


def _local(target: str) -> str | None:
    """A redirect target only if it stays on this site (no open redirect)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def _login_page(
    request: Request, *, error: str = "", status: int = 200, login: str = ""
) -> Response:
    """The form; signed in, it carries the session's token (check_access verifies it),
    signed out, a fresh double-submit token for its cookie."""
    signed_in = session_cookie(request) is not None
    token = "" if signed_in else (request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf())
    if token:
        request.state.csrf = token
    response = context_of(request).pages.render(
        request,
        "login.html",
        {"error": error, "login": login, "next": request.query_params.get("next", "")},
        status_code=status,
    )
    if token:
        set_login_csrf(request, response, token)
    return response


def _source(request: Request) -> str:
    """The address a sign-in came from: the sign-in throttle counts failures by it."""
    return request.client.host if request.client is not None else "unknown"


@router.get("/login", include_in_schema=False)
def login_form(request: Request) -> Response:
    """The sign-in form (also when signed in: signing in again switches accounts)."""
    return _login_page(request)


@router.post("/login", include_in_schema=False)
def login_submit(
    request: Request,
    ctx: Context,
    login: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    totp: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    if session_cookie(request) is None and not login_csrf_matches(request, csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong anti-forgery token")
    try:
        opened = sessions.open_session(
            ctx.ledger,
            login,
            password,
            ctx.clock(),
            totp=totp,
            policy=ctx.session_policy,
            replacing=request.cookies.get(SESSION_COOKIE),
            source=_source(request),
        )
    except ThrottledError as refused:
        page = _login_page(
            request, error=of_error(refused, negotiate(request)), status=429, login=login
        )
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    except GovernanceError as refused:
        return _login_page(
            request, error=of_error(refused, negotiate(request)), status=401, login=login
        )
    target = _local(next) or home_of(request, opened.principal)
    if not authority.has_password(ctx.ledger, opened.principal):  # in on a one-time secret
        target = f"{PASSWORD_PAGE}?lang={negotiate(request)}"
    response = RedirectResponse(target, status_code=303)
    set_session(request, response, opened.cookie, opened.expires_at)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, ctx: Context) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        sessions.close_session(ctx.ledger, cookie, ctx.clock())
    response = RedirectResponse("/", status_code=303)
    clear_session(request, response)
    return response


def _signed_in(request: Request) -> Principal:
    principal = principal_of(request)
    if principal is None:  # check_access already refused; kept for the type checker
        raise AuthenticationError("web.not_signed_in")
    return principal


def _account_page(
    request: Request,
    ctx: AppContext,
    *,
    saved: bool = False,
    ended: int = 0,
    error: str = "",
    status: int = 200,
) -> Response:
    principal = _signed_in(request)
    history = authority.own_trail(ctx.reader, principal, limit=20)
    facts = {
        "principal": principal, "history": history, "saved": saved, "ended": ended,
        "error": error,
    }  # fmt: skip
    return ctx.pages.render(request, "account.html", facts, status_code=status)


@router.get("/account", include_in_schema=False)
def account_page(
    request: Request, ctx: Context, notice: Annotated[str, Query(max_length=32)] = "",
    ended: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:  # fmt: skip
    return _account_page(request, ctx, saved=notice == "password_set", ended=ended)


def _password_page(
    request: Request, ctx: AppContext, errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    """Choose a password (first, after a one-time secret) or change it (the current one
    asked for); the policy's refusals named at the top, linked to their field."""
    principal = _signed_in(request)
    facts: dict[str, object] = {
        "principal": principal,
        "first": not authority.has_password(ctx.ledger, principal),
        "errors": errors or [],
        "minimum": MIN_PASSWORD_CHARS,
    }
    return ctx.pages.render(request, "password.html", facts, status_code=status)


@router.get(PASSWORD_PAGE, include_in_schema=False)
def password_page(request: Request, ctx: Context) -> Response:
    return _password_page(request, ctx)


def _saved(request: Request, ctx: AppContext, first: bool, ended: int) -> Response:
    """A browser goes on by a 303 (its home after a first password, else its account page,
    with the notice); a script with a bearer token gets the account page as before."""
    if bearer_of(request) is not None:
        return _account_page(request, ctx, saved=True, ended=ended)
    language = negotiate(request)
    if first:
        home = home_of(request, _signed_in(request))
        target = f"{home}?{urlencode({'lang': language, 'notice': 'password_set'})}"
    else:
        query = {"lang": language, "notice": "password_set", "ended": ended}
        target = f"/account?{urlencode(query)}"
    return RedirectResponse(target, status_code=303)


@router.post(PASSWORD_PAGE, include_in_schema=False)
def set_password(
    request: Request,
    ctx: Context,
    password: Annotated[str, Form(max_length=256)],
    current: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str | None, Form(max_length=256)] = None,
) -> Response:
    """Set a new password; the current one is asked for (the core checks it), so neither
    a bearer token nor an unattended browser is enough to change it."""
    language = negotiate(request)
    me = _signed_in(request)
    first = not authority.has_password(ctx.ledger, me)
    if confirm is not None and confirm != password:
        mismatch = catalogue.text("web.password_mismatch", language)
        return _password_page(request, ctx, [("confirm-password", mismatch)], 400)
    try:
        ended = authority.set_password(
            ctx.ledger, me, password, ctx.clock(), current=current,
            keep=session_cookie(request) or bearer_of(request),
        )  # fmt: skip
    except AuthenticationError as refused:
        if bearer_of(request) is not None:
            return _account_page(request, ctx, error=of_error(refused, language), status=403)
        return _password_page(
            request, ctx, [("current-password", of_error(refused, language))], 403
        )
    except GovernanceError as refused:
        if bearer_of(request) is not None:
            error = problems.sentence(request, refused)
            return _account_page(request, ctx, error=error, status=400)
        return _password_page(
            request, ctx, [("new-password", problems.sentence(request, refused))], 400
        )
    return _saved(request, ctx, first, ended)


class PasswordFirst(Exception):
    """A browser signed in on a one-time secret has not chosen its password yet."""


# What a browser may still reach before it has chosen its password.
BEFORE_PASSWORD = frozenset(
    {
        ("GET", PASSWORD_PAGE),
        ("POST", PASSWORD_PAGE),
        ("POST", "/logout"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/healthz"),
        ("GET", "/favicon.ico"),
    }
)


async def password_first(request: Request) -> None:
    """Every page of a browser session whose account has no password yet leads to the
    password page (the one-time secret is spent: closing the tab now would lock the
    person out). Derived from the account, so it cannot go stale or be cleared by hand."""
    if route_key(request) in BEFORE_PASSWORD or session_cookie(request) is None:
        return
    principal = principal_of(request)
    if principal is not None and not authority.has_password(context_of(request).reader, principal):
        raise PasswordFirst()


def to_password_page(request: Request, _: Exception) -> Response:
    return RedirectResponse(f"{PASSWORD_PAGE}?lang={negotiate(request)}", status_code=303)


class TokenRequest(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp: str = Field(default="", max_length=12)


class TokenAnswer(BaseModel):
    token: str
    account_id: str
    login: str
    expires_at: datetime


class WhoAmI(BaseModel):
    account_id: str
    login: str
    roles: list[str]
    member_id: int | None
    employer: str | None


@router.post("/api/v1/token", responses={401: {}, 429: {}})
def issue_token(body: TokenRequest, request: Request, ctx: Context) -> TokenAnswer:
    """Exchange credentials for a bearer token (12 h), as `fairfollow account login`."""
    issued = sessions.issue_token(
        ctx.ledger, body.login, body.password, ctx.clock(), totp=body.totp,
        source=_source(request),
    )  # fmt: skip
    return TokenAnswer(
        token=issued.token, account_id=issued.account_id, login=issued.login,
        expires_at=issued.expires_at,
    )  # fmt: skip


@router.get("/api/v1/me", responses={401: {}})
def who_am_i(request: Request) -> WhoAmI:
    """The account the session or bearer token stands for, and its roles now."""
    me = _signed_in(request)
    return WhoAmI(
        account_id=me.account_id, login=me.login, roles=sorted(r.value for r in me.roles),
        member_id=me.member_id, employer=me.employer,
    )  # fmt: skip
