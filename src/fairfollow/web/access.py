"""Who may call which route, declared as data (STYLE 13), checked on every request.

Deny by default: a route that is not in :data:`ROUTE_AUDIENCES` answers 403 whatever the
caller, and ``tests/web/test_access.py`` walks every route of the application against this
table, so a new route cannot go live without saying who may see it.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import HTTPException, Request


class Audience(StrEnum):
    """The callers a route can be opened to: anyone, or a signed-in account's role."""

    PUBLIC = "public"
    MEMBER = "member"
    EMPLOYER = "employer"
    ANALYST = "analyst"
    PRIVACY_OFFICER = "privacy_officer"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"


PUBLIC = frozenset({Audience.PUBLIC})

# (method, route path) -> who may call it. Public log endpoints let any witness or auditor
# follow the log without an account (C2SP tlog-witness); nothing in them is personal data.
ROUTE_AUDIENCES: dict[tuple[str, str], frozenset[Audience]] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/log"): PUBLIC,
    ("GET", "/log/checkpoint"): PUBLIC,
    ("GET", "/log/proof/inclusion"): PUBLIC,
    ("GET", "/log/proof/consistency"): PUBLIC,
    ("GET", "/log/leaves"): PUBLIC,
    ("GET", "/api/v1/log/checkpoint"): PUBLIC,
    ("GET", "/api/v1/log/proof/inclusion"): PUBLIC,
    ("GET", "/api/v1/log/proof/consistency"): PUBLIC,
    ("GET", "/api/v1/log/leaves"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/static"): PUBLIC,  # the stylesheet and the verifying script
}


def audiences_of(request: Request) -> frozenset[Audience]:
    """Who the caller is. Sign-in is not built yet, so every caller is the public."""
    return PUBLIC


def route_key(request: Request) -> tuple[str, str]:
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return request.method, path


def check_access(request: Request) -> None:
    """The dependency every router carries: the caller must be among the route's audiences."""
    allowed = ROUTE_AUDIENCES.get(route_key(request))
    if allowed is None:
        raise HTTPException(status_code=403, detail="route not declared in the access table")
    if not allowed & audiences_of(request):
        raise HTTPException(status_code=401, detail="sign in with an account that may see this")
