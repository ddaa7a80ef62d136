"""The planning API for scripts (bearer token): a plan and an arrival curve, each one
release of the employer's own pool; staff and members may not ask."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.web.app import create_app
from tests.web.employer_site import EmployerSite, employer_site
from tests.web.site import PASSWORD


@pytest.fixture(scope="module")
def site(replayed_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> EmployerSite:
    return employer_site(replayed_workspace, tmp_path_factory.mktemp("planning-api") / "ws")


def _bearer(client: TestClient, login: str) -> dict[str, str]:
    token = client.post("/api/v1/token", json={"login": login, "password": PASSWORD}).json()
    return {"authorization": f"Bearer {token['token']}"}


def test_a_script_plans_and_asks_for_the_arrival_curve(site: EmployerSite) -> None:
    client = TestClient(create_app(site.settings))
    headers = _bearer(client, site.accounts["a"].login)
    plan = client.post(
        "/api/v1/employer/plans", json={"target": 5, "epsilon": 0.5}, headers=headers
    ).json()
    assert plan["released"] is True and plan["plan"]["target"] == 5
    assert plan["release"]["figures"]["epsilon"] == pytest.approx(0.5)
    assert "exact" not in plan["release"] and "contributing_members" not in str(plan)
    narrow = client.post(
        "/api/v1/employer/plans", json={"target": 5, "width": 0}, headers=headers
    ).json()
    assert narrow["released"] is False and narrow["reason"] == "width_unreachable"
    assert narrow["epsilon_choice"]["width"] > 0
    curve = client.post("/api/v1/employer/arrivals", json={"epsilon": 0.5}, headers=headers).json()
    assert curve["released"] is True
    weekly = curve["arrivals"]["weekly_expected"]
    assert weekly == sorted(weekly) and len(weekly) == len(curve["arrivals"]["weekly_upper"])
    member = _bearer(client, site.accounts["member"].login)
    refused = client.post("/api/v1/employer/plans", json={"target": 5}, headers=member)
    assert refused.status_code == 403
