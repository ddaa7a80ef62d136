"""Every route says who may call it (deny by default), and the table has no stale rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from fairfollow.accounts import authority
from fairfollow.accounts.actions import ALLOWED, Audience
from fairfollow.ledger.engine import open_ledger
from fairfollow.scenarios.site_accounts import SiteAccount
from fairfollow.settings import Settings
from fairfollow.web.access import check_access
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import PASSWORD, T0, Clock, served_workspace, totp_now, with_accounts


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(served_workspace(tmp_path / "ws"))


def _walk(routes: list[object]) -> list[object]:
    """Every route, looking inside included routers (FastAPI keeps them as one entry)."""
    found: list[object] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        found += _walk(list(inner.routes)) if inner is not None else [route]
    return found


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in _walk(app.routes):
        if isinstance(route, Mount):
            found.add(("GET", route.path))
        elif isinstance(route, APIRoute | Route):
            found |= {(m, route.path) for m in (route.methods or ()) if m != "HEAD"}
    return found


def test_every_route_is_declared_and_every_declaration_is_a_route(app: FastAPI) -> None:
    routes = _routes(app)
    table = app.state.access
    assert routes - set(table) == set(), "routes without an access rule"
    assert set(table) - routes == set(), "access rules for no route"


def test_every_api_route_runs_the_access_check(app: FastAPI) -> None:
    for route in _walk(app.routes):
        if isinstance(route, APIRoute) and route.path != "/api/v1/openapi.json":
            calls = {dep.call for dep in route.dependant.dependencies}
            assert check_access in calls, route.path


def test_an_undeclared_route_is_refused(app: FastAPI) -> None:
    @app.get("/not-declared", dependencies=[Depends(check_access)])
    def secret() -> dict[str, str]:
        return {"secret": "value"}

    answer = TestClient(app).get("/not-declared")
    assert answer.status_code == 403
    assert "secret" not in answer.text


def test_public_routes_need_no_account(app: FastAPI) -> None:
    client = TestClient(app)
    for (method, path), action in app.state.access.items():
        if (
            ALLOWED[action] == {Audience.PUBLIC}
            and method == "GET"
            and "{" not in path
            and "proof" not in path
        ):
            if path == "/static":
                path = "/static/fairfollow.css"
            # /readyz answers 503 "not ready" (no model here) — without an account either way.
            expected = (200, 503) if path == "/readyz" else (200,)
            assert client.get(path).status_code in expected, path


def _tokens(settings: Settings, accounts: dict[str, SiteAccount]) -> dict[str, str]:
    """A bearer token per kind of account (bearer calls need no anti-forgery token)."""
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    found = {}
    for kind, account in accounts.items():
        found[kind] = authority.login(
            engine, account.login, PASSWORD, T0, totp=totp_now(account, T0)
        ).token
    engine.dispose()
    return found


KIND_AUDIENCE = {
    "member": Audience.MEMBER,
    "employer": Audience.EMPLOYER,
    "analyst": Audience.ANALYST,
    "privacy_officer": Audience.PRIVACY_OFFICER,
    "reviewer": Audience.REVIEWER,
    "auditor": Audience.AUDITOR,
}


def _concrete(path: str) -> str:
    return re.sub(r"{[^}]+}", "0", path)


def test_every_route_answers_every_role_as_the_table_says(tmp_path: Path) -> None:
    """The route × role walk: every declared route, called as the public and as each kind of
    account, is refused by the access check exactly when the table says so."""
    settings = served_workspace(tmp_path / "ws", rounds=1)
    accounts = with_accounts(settings)
    tokens = _tokens(settings, accounts)
    app = create_app(settings, clock=Clock())
    client = TestClient(app)
    refusals = {"accounts.sign_in_required", "accounts.action_refused"}
    public = frozenset({Audience.PUBLIC})
    callers: list[tuple[str, frozenset[Audience], dict[str, str]]] = [("public", public, {})]
    for kind, token in tokens.items():
        held = frozenset({Audience.PUBLIC, Audience.SIGNED_IN, KIND_AUDIENCE[kind]})
        callers.append((kind, held, {"authorization": f"Bearer {token}"}))
    walked = 0
    for (method, path), action in app.state.access.items():
        if path == "/static":
            continue
        for kind, held, headers in callers:
            answer = client.request(method, _concrete(path), headers=headers)
            code = answer.json().get("code") if answer.status_code in (401, 403) else None
            refused = code in refusals
            assert refused == (not ALLOWED[action] & held), (method, path, kind, answer.status_code)
            walked += 1
    assert walked == len(callers) * (len(app.state.access) - 1)
