"""Signing in to the web on a real ledger: sessions, anti-forgery tokens, fixation, the
throttle, timeouts, the second factor, sign-out, bearer tokens for the API."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.accounts import authority
from fairfollow.ledger.engine import open_ledger
from fairfollow.scenarios.site_accounts import SiteAccount
from fairfollow.settings import Settings
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import (
    PASSWORD,
    T0,
    Clock,
    csrf_of,
    served_workspace,
    sign_in,
    totp_now,
    with_accounts,
)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Settings, dict[str, SiteAccount]]:
    settings = served_workspace(tmp_path / "ws", rounds=1)
    return settings, with_accounts(settings)


def _client(settings: Settings, clock: Clock | None = None, **kw: object) -> TestClient:
    """A browser-like client: it asks for pages (text/html)."""
    app = create_app(settings, clock=clock or Clock())
    return TestClient(app, headers={"accept": "text/html"}, **kw)  # type: ignore[arg-type]


def _login_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def _post_login(client: TestClient, account: SiteAccount, **fields: str) -> object:
    data = {"login": account.login, "password": PASSWORD, "csrf_token": _login_token(client)}
    return client.post("/login", data={**data, **fields}, follow_redirects=False)


def test_a_member_signs_in_and_lands_on_their_account(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    client = _client(settings)
    assert client.get("/account", follow_redirects=False).headers["location"] == (
        "/login?next=%2Faccount"
    )
    answer = _post_login(client, accounts["member"])
    assert answer.status_code == 303  # type: ignore[attr-defined]
    cookie = answer.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "ff_session=ffw_" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    page = client.get("/account")
    assert page.status_code == 200 and accounts["member"].login in page.text
    assert client.get("/api/v1/me").json()["member_id"] == 1


def test_the_cookie_is_secure_over_tls(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    client = _client(settings, base_url="https://testserver")
    answer = _post_login(client, accounts["analyst"])
    assert "Secure" in answer.headers["set-cookie"]  # type: ignore[attr-defined]


def test_sign_in_needs_the_login_forms_token(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    client = _client(settings)
    client.get("/login")
    data = {"login": accounts["member"].login, "password": PASSWORD, "csrf_token": "forged"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    fresh = _client(settings)  # no cookie at all: a cross-site form
    data["csrf_token"] = ""
    assert fresh.post("/login", data=data, follow_redirects=False).status_code == 403


def test_a_planted_session_cookie_never_becomes_a_session(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    victim = _client(settings)
    planted = "ffw_" + "A" * 43
    victim.cookies.set("ff_session", planted)
    answer = _post_login(victim, accounts["member"])
    given = re.search(r"ff_session=([^;]+)", answer.headers["set-cookie"])  # type: ignore[attr-defined]
    assert given and given.group(1) != planted
    attacker = _client(settings)
    attacker.cookies.set("ff_session", planted)
    assert attacker.get("/api/v1/me").status_code == 401


def test_each_sign_in_rotates_the_session(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    client = sign_in(_client(settings), accounts["member"])
    first = client.cookies.get("ff_session")
    answer = _post_login(client, accounts["member"])  # signed in: signing in again
    given = re.search(r"ff_session=([^;]+)", answer.headers["set-cookie"])  # type: ignore[attr-defined]
    assert given and given.group(1) != first
    stale = _client(settings)
    stale.cookies.set("ff_session", first)  # the replaced session was closed
    assert stale.get("/api/v1/me").status_code == 401


def test_state_changes_need_the_sessions_token(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    client = sign_in(_client(settings), accounts["member"])
    new = {"password": "another long password", "current": PASSWORD}
    assert client.post("/account/password", data=new).status_code == 403
    assert client.post("/logout", follow_redirects=False).status_code == 403
    other = sign_in(_client(settings), accounts["analyst"])
    stolen = {**new, "csrf_token": csrf_of(other)}  # another session's token does not do
    assert client.post("/account/password", data=stolen).status_code == 403
    good = {**new, "csrf_token": csrf_of(client)}
    assert client.post("/account/password", data=good).status_code == 200
    headers = {"x-csrf-token": csrf_of(client)}
    assert client.post("/logout", headers=headers, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_a_new_password_signs_out_every_other_browser_and_token(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    here = sign_in(_client(settings), accounts["member"])
    there = sign_in(_client(settings), accounts["member"])
    script = _client(settings)
    body = {"login": accounts["member"].login, "password": PASSWORD}
    token = script.post("/api/v1/token", json=body).json()["token"]
    bearer = {"authorization": f"Bearer {token}"}
    assert script.get("/api/v1/me", headers=bearer).status_code == 200
    new = {"password": "another long password", "current": PASSWORD, "csrf_token": csrf_of(here)}
    page = here.post("/account/password", data=new)
    assert page.status_code == 200 and 'id="password-saved"' in page.text
    assert "2" in page.text.split('id="password-saved"')[1].split("</p>")[0]
    assert here.get("/api/v1/me").status_code == 200  # the browser it was set in stays in
    assert there.get("/api/v1/me").status_code == 401
    assert script.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_bearer_token_alone_cannot_change_the_password(site) -> None:  # type: ignore[no-untyped-def]
    """Finding (issue 27): a stolen bearer token set a new password without the current
    one and took the account over for good (the owner's password stopped working)."""
    settings, accounts = site
    thief = _client(settings)
    body = {"login": accounts["member"].login, "password": PASSWORD}
    bearer = {"authorization": f"Bearer {thief.post('/api/v1/token', json=body).json()['token']}"}
    for guess in ({}, {"current": "not the password"}):
        taken = thief.post(
            "/account/password", data={"password": "the thief's password", **guess},
            headers=bearer,
        )  # fmt: skip
        assert taken.status_code == 403 and 'id="password-error"' in taken.text
        assert "現在のパスワードが正しくありません" in taken.text
    assert sign_in(_client(settings), accounts["member"])  # the owner's password still works
    owner = thief.post(
        "/account/password", data={"password": "the owner's new password", "current": PASSWORD},
        headers=bearer,
    )  # fmt: skip
    assert owner.status_code == 200 and 'id="password-saved"' in owner.text


def test_failed_sign_ins_slow_down_their_address_and_never_lock(site) -> None:  # type: ignore[no-untyped-def]
    """Finding (issue 27): an anonymous caller locked out staff with 8 wrong passwords each;
    the lock then needed an administrator. Now only the caller's address waits."""
    settings, accounts = site
    clock = Clock()
    attacker = _client(settings, clock, client=("198.51.100.7", 40000))
    member = accounts["member"]
    for _ in range(3):
        assert _post_login(attacker, member, password="wrong password!").status_code == 401  # type: ignore[attr-defined]
    throttled = _post_login(attacker, member)
    assert throttled.status_code == 429  # type: ignore[attr-defined]
    assert int(throttled.headers["retry-after"]) >= 1  # type: ignore[attr-defined]
    for wait in (3, 10, 20, 40, 80):
        clock.advance(timedelta(seconds=wait))
        assert _post_login(attacker, member, password="wrong password!").status_code == 401  # type: ignore[attr-defined]
    assert _post_login(attacker, member).status_code == 429  # type: ignore[attr-defined]
    owner = _client(settings, clock, client=("192.0.2.10", 40001))
    assert _post_login(owner, member).status_code == 303  # type: ignore[attr-defined]
    script = _client(settings, clock, client=("192.0.2.10", 40002))
    token = script.post("/api/v1/token", json={"login": member.login, "password": PASSWORD})
    assert token.status_code == 200
    guessed = attacker.post("/api/v1/token", json={"login": member.login, "password": PASSWORD})
    assert guessed.status_code == 429
    clock.advance(timedelta(minutes=10))
    assert _post_login(attacker, member).status_code == 303  # type: ignore[attr-defined]
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    trail = authority.own_trail(engine, authority.principal_for(engine, member.login), limit=50)
    engine.dispose()
    failed = [e for e in trail if e.kind.value == "account.login_failed"]
    assert len(failed) == 8 and {e.detail["source"] for e in failed} == {"198.51.100.7"}


def test_sessions_end_when_idle_and_at_their_absolute_end(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    clock = Clock()
    client = sign_in(_client(settings, clock), accounts["member"])
    clock.advance(timedelta(minutes=29))
    assert client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(minutes=31))
    assert client.get("/api/v1/me").status_code == 401  # idle 31 minutes
    sign_in(client, accounts["member"], clock.at)
    for _ in range(12 * 3):  # busy all day: a request every 20 minutes
        clock.advance(timedelta(minutes=20))
        if client.get("/api/v1/me").status_code != 200:
            break
    assert clock.at - T0 <= timedelta(hours=13, minutes=1)
    assert client.get("/api/v1/me").status_code == 401


def test_the_privacy_officer_signs_in_only_with_a_second_factor(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    officer = accounts["privacy_officer"]
    client = _client(settings)
    assert _post_login(client, officer).status_code == 401  # type: ignore[attr-defined]
    assert _post_login(client, officer, totp="000000").status_code == 401  # type: ignore[attr-defined]
    assert _post_login(client, officer, totp=totp_now(officer, T0)).status_code == 303  # type: ignore[attr-defined]
    assert client.get("/api/v1/me").json()["roles"] == ["privacy_officer"]


def test_a_reviewer_without_an_enrolled_factor_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    from fairfollow.accounts import store as account_store

    with engine.begin() as conn:
        found = account_store.find_account(conn, login=accounts["reviewer"].login)
        assert found is not None
        account_store.update_credentials(conn, found.account_id, totp_secret=None)
    engine.dispose()
    answer = _post_login(_client(settings), accounts["reviewer"])
    assert answer.status_code == 401 and "確認コード（TOTP）によるサインインが必要" in answer.text  # type: ignore[attr-defined]


def test_scripts_use_a_bearer_token_without_an_anti_forgery_token(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    client = _client(settings)
    issued = client.post(
        "/api/v1/token", json={"login": accounts["analyst"].login, "password": PASSWORD}
    )
    assert issued.status_code == 200
    token = issued.json()["token"]
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert me.json()["roles"] == ["analyst"]
    wrong = client.post("/api/v1/token", json={"login": "analyst", "password": "nope nope nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "AuthenticationError"


def test_redirects_after_sign_in_stay_on_the_site(site) -> None:  # type: ignore[no-untyped-def]
    settings, accounts = site
    client = _client(settings)
    answer = _post_login(client, accounts["member"], next="//evil.example/")
    assert answer.headers["location"] == "/me"  # type: ignore[attr-defined]  # the portal
    answer = _post_login(client, accounts["member"], next="/log")
    assert answer.headers["location"] == "/log"  # type: ignore[attr-defined]
