"""The JSON API under fuzzing (schemathesis): no 5xx, and every error a typed JSON body —
anonymous on the public log endpoints, and signed in (bearer tokens) as an employer user, a
member and each kind of staff on the operations their role may call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from fairfollow.accounts import authority
from fairfollow.accounts.actions import ALLOWED, Audience
from fairfollow.web.app import ROUTERS, create_app
from tests.conftest import copy_workspace
from tests.web.site import PASSWORD, served_workspace, totp_now

pytestmark = pytest.mark.slow


def fuzz_operations(
    operations: Iterable[schemathesis.APIOperation],
    headers: Mapping[str, str] | None = None,
    examples: int = 15,
) -> None:
    """Every operation, ``examples`` generated cases each: below 500, errors typed."""
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(headers=dict(headers or {}))
            if case.path == "/readyz" and response.status_code == 503:
                assert response.json()["status"] == "not_ready"  # "not ready" is a 503 by design
                return
            assert response.status_code < 500, (case.path, case.query, case.body, response.text)
            if response.status_code >= 400:
                assert set(response.json()) == {"error", "code", "message"}, response.text

        fuzz()


def test_no_server_error_and_typed_errors(tmp_path: Path) -> None:
    app = create_app(served_workspace(tmp_path / "ws", rounds=2))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/log/proof/inclusion", "/log/leaves"}
    fuzz_operations(operations, examples=40)


def test_the_employer_api_signed_in_has_no_server_error(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    """The employer portal's API fuzzed with an employer user's bearer token on a replayed
    season (uploads reach the intake core, forecasts the release door)."""
    from fastapi.testclient import TestClient

    from tests.web.employer_site import employer_site

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
    assert len(operations) == 8  # the forecast's six and the two planning products
    fuzz_operations(operations, {"authorization": f"Bearer {token}"})


def test_the_member_api_signed_in_gives_no_server_error(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    """The portal's API as a member (bearer token) over a replayed season: fuzzed bodies and
    ids give typed errors or the member's own data, never a 5xx."""
    from tests.web.member_site import Site

    site = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    login = site.accounts["member"].login
    token = authority.login(site.engine, login, PASSWORD, datetime.now(UTC)).token
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(site.settings))
    operations = [r.ok() for r in schema.get_all_operations()]
    mine = [op for op in operations if op.path.startswith("/api/v1/me/")]
    assert len(mine) == 9
    fuzz_operations(mine, {"authorization": f"Bearer {token}"})
    site.engine.dispose()


STAFF = {
    "privacy_officer": Audience.PRIVACY_OFFICER,
    "reviewer": Audience.REVIEWER,
    "auditor": Audience.AUDITOR,
    "analyst": Audience.ANALYST,
}


def test_the_console_apis_signed_in_give_no_server_error(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    """Each staff role's console API (the operations its access table opens to it, the
    state-changing ones included) fuzzed with that role's bearer token over a replayed
    season: the rights engine, the activation gate, vetoes and the log audit answer fuzzed
    input with typed errors, never a 5xx."""
    from tests.web.consoles import ledger_of, staff_site

    settings_, accounts = staff_site(replayed_workspace, tmp_path)
    app = create_app(settings_)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations()]
    table = {key: who for _, access in ROUTERS for key, who in access.items()}
    engine = ledger_of(settings_)
    covered: set[str] = set()
    for kind, audience in STAFF.items():
        account = accounts[kind]
        now = datetime.now(UTC)
        token = authority.login(
            engine, account.login, PASSWORD, now, totp=totp_now(account, now)
        ).token
        opened = [
            op
            for op in operations
            if (op.method.upper(), op.path) in table
            and audience in ALLOWED[table[(op.method.upper(), op.path)]]
            and not op.path.startswith(("/api/v1/me", "/api/v1/employer"))
        ]
        assert opened, kind
        covered |= {f"{op.method.upper()} {op.path}" for op in opened}
        fuzz_operations(opened, {"authorization": f"Bearer {token}"}, examples=10)
    engine.dispose()
    assert {
        "POST /api/v1/policy/activate",
        "POST /api/v1/rights/requests/{request_id}/complete",
        "POST /api/v1/services/{service_id}/veto",
        "GET /api/v1/model/oversight",
        "GET /api/v1/audit",
        "GET /api/v1/ingest",
    } <= covered
