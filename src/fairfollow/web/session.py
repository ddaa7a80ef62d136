"""Who is calling: the session cookie (browsers) or a bearer token (scripts), and the
anti-forgery token a signed-in browser's forms and API calls must carry.

Cookies are HttpOnly, SameSite=Lax and Secure when the request came over TLS; the session
cookie has no Max-Age beyond the session's absolute end. The login form, which has no
session yet, is protected by a double-submit cookie (``ff_login_csrf``) instead.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from fastapi import Request
from fastapi.responses import Response

from fairfollow.accounts import authority
from fairfollow.accounts import session as sessions
from fairfollow.accounts.account import TOKEN_PREFIX, Principal
from fairfollow.errors import AuthenticationError
from fairfollow.web.context import context_of

SESSION_COOKIE = "ff_session"
LOGIN_CSRF_COOKIE = "ff_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_of(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value.startswith(TOKEN_PREFIX) else None


def principal_of(request: Request) -> Principal | None:
    """The authenticated caller of this request, or None; computed once per request. An
    ended or unknown session, or a bad token, is simply no caller (the route then decides)."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    ctx = context_of(request)
    now = ctx.clock()
    principal: Principal | None = None
    try:
        token = bearer_of(request)
        if token is not None:
            principal = authority.authenticate(ctx.ledger, token, now)
        elif request.cookies.get(SESSION_COOKIE):
            principal = sessions.resume_session(
                ctx.ledger, request.cookies[SESSION_COOKIE], now, ctx.session_policy
            )
    except AuthenticationError:
        principal = None
    request.state.principal = principal
    return principal


def session_cookie(request: Request) -> str | None:
    """The session cookie, if this request is a signed-in browser's (not a bearer call)."""
    if bearer_of(request) is not None or principal_of(request) is None:
        return None
    return request.cookies.get(SESSION_COOKIE)


def csrf_of(request: Request) -> str:
    """The anti-forgery token forms on this page carry ("" for a bearer call)."""
    cookie = session_cookie(request)
    if cookie is not None:
        return sessions.csrf_token(cookie)
    return request.cookies.get(LOGIN_CSRF_COOKIE, "")


async def check_csrf(request: Request) -> bool:
    """Whether a state-changing request from a signed-in browser carries its token (in the
    form field or the header). Bearer calls carry no ambient authority and need none."""
    if request.method in SAFE_METHODS:
        return True
    cookie = session_cookie(request)
    if cookie is None:
        return True  # no session: nothing to ride on (the login form checks its own)
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get(CSRF_FIELD, "")
        given = field if isinstance(field, str) else ""
    return hmac.compare_digest(given, sessions.csrf_token(cookie))


def login_csrf_matches(request: Request, given: str) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(given, expected)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_login_csrf(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE, value, httponly=True, samesite="lax", secure=_secure(request)
    )


def set_session(request: Request, response: Response, cookie: str, expires_at: datetime) -> None:
    """Hand the browser its new session (the old cookie, if any, is replaced)."""
    now = context_of(request).clock()
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=max(1, int((expires_at - now).total_seconds())),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))
