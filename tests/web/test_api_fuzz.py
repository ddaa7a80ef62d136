"""The JSON API under fuzzing (schemathesis): no 5xx, and every error a typed JSON body."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from fairfollow.web.app import create_app
from tests.web.site import served_workspace

pytestmark = pytest.mark.slow


def test_no_server_error_and_typed_errors(tmp_path: Path) -> None:
    app = create_app(served_workspace(tmp_path / "ws", rounds=2))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/log/proof/inclusion", "/log/leaves"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, response.text)
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error", "message"}, body

        fuzz()


def test_the_employer_api_signed_in_has_no_server_error(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    """The employer portal's API fuzzed with an employer user's bearer token on a replayed
    season (uploads reach the intake core, forecasts the release door)."""
    from fastapi.testclient import TestClient

    from tests.web.employer_site import employer_site
    from tests.web.site import PASSWORD

    site = employer_site(replayed_workspace, tmp_path / "ws")
    app = create_app(site.settings)
    login = {"login": site.accounts["a"].login, "password": PASSWORD}
    token = TestClient(app).post("/api/v1/token", json=login).json()["token"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/v1/employer")
    ]
    assert len(operations) == 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(headers={"authorization": f"Bearer {token}"})
            assert response.status_code < 500, (case.path, case.body, response.text)
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error", "message"}, body

        fuzz()


def test_the_member_api_signed_in_gives_no_server_error(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    """The portal's API as a member (bearer token) over a replayed season: fuzzed bodies and
    ids give typed errors or the member's own data, never a 5xx."""
    from datetime import UTC, datetime

    from fairfollow.governance import authority
    from tests.conftest import copy_workspace
    from tests.web.member_site import Site
    from tests.web.site import PASSWORD

    site = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    login = site.accounts["member"].login
    token = authority.login(site.engine, login, PASSWORD, datetime.now(UTC)).token
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(site.settings))
    operations = [r.ok() for r in schema.get_all_operations()]
    mine = [op for op in operations if op.path.startswith("/api/v1/me/")]
    assert len(mine) == 9
    for operation in mine:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(headers={"authorization": f"Bearer {token}"})
            assert response.status_code < 500, (case.path, case.body, response.text)
            if response.status_code >= 400:
                assert set(response.json()) == {"error", "message"}, response.text

        fuzz()
    site.engine.dispose()
