"""The forecast as one answer per request: a suggested ε, a check-your-answers page that
says what it will cost and what will remain, a 303 to the result's own page, and an
identical request answered by the same release at no further ε (issue 23)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.messages.catalogue import shown
from fairfollow.release.budget import Budget
from fairfollow.release.budget_store import budget
from fairfollow.web.app import create_app
from tests.web.employer_site import EmployerSite, employer_site
from tests.web.site import csrf_of, sign_in


@pytest.fixture(scope="module")
def site(replayed_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> EmployerSite:
    return employer_site(replayed_workspace, tmp_path_factory.mktemp("flow") / "ws")


@pytest.fixture
def client(site: EmployerSite) -> Iterator[TestClient]:
    with TestClient(create_app(site.settings)) as found:
        found.headers["accept"] = "text/html"
        yield sign_in(found, site.accounts["a"], datetime.now(UTC))


def _budget(site: EmployerSite) -> Budget:
    engine = open_ledger(site.workspace.ledger_url)
    with reading(engine, "budget") as conn:
        found = budget(conn, site.employer, 2020)
    engine.dispose()
    return found


def _confirm(client: TestClient, epsilon: str) -> str:
    token = csrf_of(client, "/employer/forecast")
    answer = client.post(
        "/employer/forecast?lang=en",
        data={"epsilon": epsilon, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_the_form_suggests_a_quarter_of_what_remains_and_the_check_page_the_cost(
    client: TestClient, site: EmployerSite
) -> None:
    held = _budget(site)
    form = client.get("/employer/forecast?lang=en").text
    typed = re.search(r'id="epsilon"[^>]*value="([^"]*)"', form)
    assert typed is not None and 0 < float(typed.group(1)) <= min(0.5, held.remaining / 4)
    check = client.get("/employer/forecast/check", params={"lang": "en", "epsilon": "0.25"})
    assert check.status_code == 200
    assert re.search(r'id="check-cost">ε = 0\.25', check.text)
    assert f'id="check-left">ε = {held.remaining:.2f}' in check.text
    assert f'id="check-after">ε = {held.remaining - 0.25:.2f}' in check.text
    assert _budget(site) == held  # looking spends nothing


def test_confirming_redirects_to_the_release_and_asking_again_spends_nothing(
    client: TestClient, site: EmployerSite
) -> None:
    before = _budget(site)
    first = _confirm(client, "0.3")
    assert re.fullmatch(r"/employer/releases/\d+\?lang=en&answer=new", first), first
    page = client.get(first)
    assert page.status_code == 200 and 'class="released"' in page.text
    spent = _budget(site)
    assert spent.spent == pytest.approx(before.spent + 0.3)
    assert spent.releases == before.releases + 1
    client.get(first)  # a reload is a GET of the result
    again = _confirm(client, "0.30")  # the same request resent (Back, then confirm)
    assert again.split("?")[0] == first.split("?")[0] and again.endswith("answer=repeated")
    assert 'data-repeated="yes"' in client.get(again).text
    assert _budget(site) == spent


def test_asking_for_more_than_remains_is_refused_with_the_remaining_figure(
    client: TestClient, site: EmployerSite
) -> None:
    while _budget(site).remaining >= 2.0:  # leave less than the largest ε, more than none
        _confirm(client, f"{min(2.0, _budget(site).remaining - 1.0):.2f}")
    held = _budget(site)
    assert 0 < held.remaining < 2.0
    for language, words in (("en", "left"), ("ja", "残り")):
        check = client.get("/employer/forecast/check", params={"lang": language, "epsilon": "2.0"})
        assert check.status_code == 400 and 'id="error-summary"' in check.text
        summary = check.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
        assert f"ε={shown(held.remaining, language)}" in summary and words in summary
        assert 'href="#epsilon"' in summary and 'value="2.0"' in check.text  # input kept
    assert _budget(site) == held


def test_an_epsilon_that_is_not_a_number_is_named_at_the_top_with_the_input_kept(
    client: TestClient,
) -> None:
    check = client.get("/employer/forecast/check", params={"lang": "en", "epsilon": "lots"})
    assert check.status_code == 400 and 'aria-invalid="true"' in check.text
    assert 'href="#epsilon"' in check.text and 'value="lots"' in check.text


def test_the_api_answers_an_identical_request_with_the_same_release(
    client: TestClient, site: EmployerSite
) -> None:
    headers = {"x-csrf-token": csrf_of(client, "/employer/forecast")}
    first = client.post("/api/v1/employer/forecasts", json={"epsilon": 0.15}, headers=headers)
    spent = _budget(site)
    again = client.post("/api/v1/employer/forecasts", json={"epsilon": 0.15}, headers=headers)
    assert first.json()["released"] is True and first.json()["repeated"] is False
    assert again.json()["repeated"] is True and again.json()["epsilon_spent"] == 0
    assert again.json()["release_id"] == first.json()["release_id"]
    assert again.json()["figures"] == first.json()["figures"]
    assert _budget(site) == spent
