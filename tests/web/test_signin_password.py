"""After a one-time secret, the password first: the secret is spent at sign-in, so every
page leads to the password page until one is chosen, and the policy's refusals are named
at the top of the form, linked to their field (issue 23)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.ledger.engine import open_ledger
from fairfollow.scenarios.site_accounts import SiteAccount, open_site_accounts
from fairfollow.settings import Settings
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import EMPLOYER, MEMBER_ID, T0, Clock, served_workspace

NEW_PASSWORD = "lantern tofu river seven"


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[Settings, SiteAccount]:
    """A site whose member account still has only its one-time secret."""
    settings = served_workspace(tmp_path / "ws", rounds=1)
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    opened = open_site_accounts(engine, T0, member_id=MEMBER_ID, employer=EMPLOYER)
    engine.dispose()
    return settings, next(a for a in opened if a.kind == "member")


def _signed_in_on_secret(settings: Settings, member: SiteAccount, language: str) -> TestClient:
    client = TestClient(create_app(settings, clock=Clock()), headers={"accept": "text/html"})
    form = client.get(f"/login?lang={language}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    answer = client.post(
        "/login",
        data={"login": member.login, "password": member.secret, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/account/password?lang={language}"
    return client


def _token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account/password").text)
    assert found
    return found.group(1)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_one_time_secret_leads_to_the_password_page_until_one_is_chosen(
    fresh: tuple[Settings, SiteAccount], language: str
) -> None:
    settings, member = fresh
    client = _signed_in_on_secret(settings, member, language)
    page = client.get(f"/account/password?lang={language}")
    assert page.status_code == 200 and 'id="password-first"' in page.text
    assert 'id="current-password"' not in page.text  # the secret is spent: nothing to ask
    for path in ("/me", "/account", "/log", "/"):
        moved = client.get(path, follow_redirects=False)
        assert moved.status_code == 303, path
        assert moved.headers["location"].startswith("/account/password"), path
    token = _token(client)
    for typed, confirm, field in (
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa", "new-password"),  # accepted before issue 23
        ("password1234", "password1234", "new-password"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "confirm-password"),
    ):
        refused = client.post(
            f"/account/password?lang={language}",
            data={"password": typed, "confirm": confirm, "csrf_token": token},
            follow_redirects=False,
        )
        assert refused.status_code == 400, typed
        summary = refused.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
        assert f'href="#{field}"' in summary, typed
    assert client.get("/me", follow_redirects=False).status_code == 303  # still pending
    done = client.post(
        f"/account/password?lang={language}",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/me?lang={language}&notice=password_set"
    home = client.get(done.headers["location"])
    assert home.status_code == 200 and 'id="notice"' in home.text
    assert client.get("/account", follow_redirects=False).status_code == 200


def test_a_bearer_token_from_the_secret_is_not_led_anywhere(
    fresh: tuple[Settings, SiteAccount],
) -> None:
    """Scripts have no page to be led to: the rule is for browser sessions."""
    settings, member = fresh
    client = TestClient(create_app(settings, clock=Clock()))
    token = client.post("/api/v1/token", json={"login": member.login, "password": member.secret})
    assert token.status_code == 200
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {token.json()['token']}"})
    assert me.status_code == 200
