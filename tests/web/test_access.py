"""Every route says who may call it (deny by default), and the table has no stale rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from fairfollow.web.access import PUBLIC, ROUTE_AUDIENCES, check_access
from fairfollow.web.app import create_app
from tests.web.site import served_workspace


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
    assert routes - set(ROUTE_AUDIENCES) == set(), "routes without an access rule"
    assert set(ROUTE_AUDIENCES) - routes == set(), "access rules for no route"


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
    for (method, path), audiences in ROUTE_AUDIENCES.items():
        if audiences == PUBLIC and method == "GET" and "{" not in path and "proof" not in path:
            if path == "/static":
                path = "/static/fairfollow.css"
            assert client.get(path).status_code == 200, path
