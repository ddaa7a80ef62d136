"""Which action each route performs, declared as data beside it, checked on every request.

Each router module declares its ``ACCESS`` table, (method, route path) → the
:class:`~fairfollow.accounts.actions.Action` the route performs, and the application joins
them (:func:`join`) into the one table it checks. Who may take each action is the one action
table of the core (:mod:`fairfollow.accounts.actions`), which the command line reads too.
Deny by default: a route that is not in the table answers 403 whatever the caller, and
``tests/web/test_access.py`` walks every route against every kind of account.

The check also enforces the anti-forgery token on every state-changing request a signed-in
browser makes (:func:`fairfollow.web.session.check_csrf`).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

from fairfollow.accounts.actions import Action, check
from fairfollow.errors import RoleError
from fairfollow.web.session import check_csrf, csrf_of, principal_of

AccessTable = Mapping[tuple[str, str], Action]


def join(*tables: AccessTable) -> dict[tuple[str, str], Action]:
    """One table from the routers' tables; a route declared twice is a mistake."""
    joined: dict[tuple[str, str], Action] = {}
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


def action_of(request: Request) -> Action | None:
    """The action the requested route performs (None: an undeclared route)."""
    return table_of(request).get(route_key(request))


async def check_access(request: Request) -> None:
    """The dependency every router carries: the caller must be allowed the route's action,
    and a signed-in browser's state-changing request must carry its anti-forgery token."""
    action = action_of(request)
    if action is None:
        raise RoleError("web.route_undeclared")
    check(principal_of(request), action)
    if not await check_csrf(request):
        raise RoleError("web.csrf_refused")
    request.state.csrf = csrf_of(request)
