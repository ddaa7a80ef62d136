"""Who may call which route, declared as data (STYLE 13), checked on every request.

Each router module declares its own ``ACCESS`` table, (method, route path) → audiences, and
the application joins them (:func:`join`) into the one table it checks. Deny by default: a
route that is not in the table answers 403 whatever the caller, and
``tests/web/test_access.py`` walks every route against the table and every role against
every route, so a new route cannot go live without saying who may see it.

The check also enforces the anti-forgery token on every state-changing request a signed-in
browser makes (:func:`fairfollow.web.session.check_csrf`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from fastapi import HTTPException, Request

from fairfollow.governance.accounts import Principal, Role
from fairfollow.web.session import check_csrf, csrf_of, principal_of


class Audience(StrEnum):
    """The callers a route can be opened to: anyone, or a signed-in account of a kind."""

    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    MEMBER = "member"
    EMPLOYER = "employer"
    ANALYST = "analyst"
    PRIVACY_OFFICER = "privacy_officer"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    OPERATOR = "operator"
    ADMINISTRATOR = "administrator"


PUBLIC = frozenset({Audience.PUBLIC})
SIGNED_IN = frozenset({Audience.SIGNED_IN})
AccessTable = Mapping[tuple[str, str], frozenset[Audience]]

_ROLE_AUDIENCE = {
    Role.ANALYST: Audience.ANALYST,
    Role.PRIVACY_OFFICER: Audience.PRIVACY_OFFICER,
    Role.REVIEWER: Audience.REVIEWER,
    Role.AUDITOR: Audience.AUDITOR,
    Role.OPERATOR: Audience.OPERATOR,
    Role.ADMINISTRATOR: Audience.ADMINISTRATOR,
}


def audiences_for(principal: Principal | None) -> frozenset[Audience]:
    """Every audience a caller belongs to: the public always; a signed-in account also
    its kind (member, employer user) and each staff role it holds now."""
    if principal is None:
        return PUBLIC
    found = {Audience.PUBLIC, Audience.SIGNED_IN}
    if principal.member_id is not None:
        found.add(Audience.MEMBER)
    if principal.employer is not None:
        found.add(Audience.EMPLOYER)
    found |= {_ROLE_AUDIENCE[r] for r in principal.roles if r in _ROLE_AUDIENCE}
    return frozenset(found)


def join(*tables: AccessTable) -> dict[tuple[str, str], frozenset[Audience]]:
    """One table from the routers' tables; a route declared twice is a mistake."""
    joined: dict[tuple[str, str], frozenset[Audience]] = {}
    for table in tables:
        twice = set(joined) & set(table)
        if twice:
            raise ValueError(f"routes declared twice in the access table: {sorted(twice)}")
        joined.update(table)
    return joined


def table_of(request: Request) -> AccessTable:
    found: AccessTable = request.app.state.access
    return found


def route_key(request: Request) -> tuple[str, str]:
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return request.method, path


async def check_access(request: Request) -> None:
    """The dependency every router carries: the caller must be among the route's audiences,
    and a signed-in browser's state-changing request must carry its anti-forgery token."""
    allowed = table_of(request).get(route_key(request))
    if allowed is None:
        raise HTTPException(status_code=403, detail="route not declared in the access table")
    principal = principal_of(request)
    if not allowed & audiences_for(principal):
        if principal is None:
            raise HTTPException(status_code=401, detail="sign in with an account that may see this")
        raise HTTPException(status_code=403, detail="this account may not see this page")
    if not await check_csrf(request):
        raise HTTPException(status_code=403, detail="missing or wrong anti-forgery token")
    request.state.csrf = csrf_of(request)
