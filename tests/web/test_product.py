"""The product owner's pages: register a declaration, see it as a draft, submit it once (a
reload of the answer does not submit again), amend it; a broken declaration comes back with
the error above the form and the text kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from fairfollow.accounts import authority
from fairfollow.accounts.account import Role
from fairfollow.ledger.engine import open_ledger
from fairfollow.services.examples import yield_forecast
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import PASSWORD, T0, Clock, csrf_of, served_workspace, with_accounts

OWNER = "po-anna"


def _owner_client(root: Path) -> TestClient:
    settings = served_workspace(root)
    with_accounts(settings)
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    admin = authority.principal_for(engine, "admin")
    authority.create_account(engine, admin, OWNER, display_name="Anna", now=T0)
    authority.change_role(engine, admin, OWNER, Role.PRODUCT_OWNER, grant=True, now=T0)
    authority.set_password(engine, authority.principal_for(engine, OWNER), PASSWORD, T0)
    engine.dispose()
    client = TestClient(create_app(settings, clock=Clock()), headers={"accept": "text/html"})
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    client.post(
        "/login",
        data={"login": OWNER, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    return client


def _declaration(name: str = "Seminar attendance forecast") -> str:
    spec = yield_forecast(["E0001"], owner=OWNER).model_dump(mode="json")
    spec.update(service_id="seminar-forecast", name=name)
    return json.dumps(spec, ensure_ascii=False)


def test_a_product_owner_registers_submits_once_and_amends(tmp_path: Path) -> None:
    client = _owner_client(tmp_path / "ws")
    home = client.get("/product", params={"lang": "en"})
    assert home.status_code == 200 and 'id="no-services"' in home.text
    assert 'id="declaration"' in client.get("/product/declaration").text
    token = csrf_of(client, "/product/declaration")
    answer = client.post(
        "/product/services",
        data={"declaration": _declaration(), "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert 'id="done-notice"' in page.text and 'id="submit-service"' in page.text
    submitted = client.post(
        "/product/services/seminar-forecast/submit",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert submitted.status_code == 303
    after = client.get(submitted.headers["location"]).text
    assert 'id="submit-service"' not in after and 'id="rules-outcome"' in after
    again = client.get(submitted.headers["location"]).text  # a reload reads, never submits
    assert again.count("<tr><td><time") == after.count("<tr><td><time")
    listed = client.get("/product", params={"lang": "ja"}).text
    assert 'data-service="seminar-forecast"' in listed
    amend = client.get("/product/declaration", params={"amend": "seminar-forecast"}).text
    assert "Seminar attendance forecast" in amend
    changed = client.post(
        "/product/services",
        data={"declaration": _declaration("Seminar forecast v2"), "csrf_token": token},
        follow_redirects=False,
    )
    assert changed.status_code == 303


def test_a_broken_declaration_comes_back_with_the_error_and_the_text(tmp_path: Path) -> None:
    client = _owner_client(tmp_path / "ws")
    token = csrf_of(client, "/product/declaration")
    broken = client.post(
        "/product/services?lang=en",
        data={"declaration": '{"service_id": "x"', "csrf_token": token},
    )
    assert broken.status_code == 422 and 'id="error-summary"' in broken.text
    assert "{&#34;service_id&#34;: &#34;x&#34;" in broken.text  # the input kept
    invalid = client.post(
        "/product/services?lang=ja",
        data={"declaration": '{"service_id": "x"}', "csrf_token": token},
    )
    assert invalid.status_code == 422 and 'aria-invalid="true"' in invalid.text
    assert "services.declaration_invalid" not in invalid.text  # a sentence, not the code


def test_other_roles_cannot_register(tmp_path: Path) -> None:
    settings = served_workspace(tmp_path / "ws")
    client = TestClient(create_app(settings), headers={"accept": "text/html"})
    page = client.get("/product")  # a visitor is asked to sign in, and sees no service
    assert 'id="login-form"' in page.text and 'id="no-services"' not in page.text
    posted = client.post("/product/services", data={"declaration": _declaration()})
    assert posted.status_code in (401, 403)
