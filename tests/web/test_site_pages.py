"""The site's own pages (issue 23): a home page that says who the site is for, a privacy
policy, help and contact in Japanese and English, a favicon, a skip link on every page,
``aria-current`` on the link of the page shown, and success notices by key only."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.web.app import create_app
from fairfollow.web.pages import NOTICES
from tests.web.site import served_workspace

PAGES = {"/privacy-policy": "プライバシーポリシー", "/help": "ヘルプ", "/contact": "お問い合わせ"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    root: Path = tmp_path_factory.mktemp("site") / "ws"
    return TestClient(create_app(served_workspace(root, rounds=1)))


def test_the_home_page_says_who_the_site_is_for_and_links_the_policy_help_and_contact(
    client: TestClient,
) -> None:
    for language in ("ja", "en"):
        home = client.get(f"/?lang={language}").text
        for audience in ("for-members", "for-employers", "for-staff", "for-everyone"):
            assert f'id="{audience}"' in home
        for path in PAGES:
            assert f'href="{path}?lang={language}"' in home
    assert "就職活動中の方" in client.get("/?lang=ja").text
    assert "Job seekers" in client.get("/?lang=en").text


@pytest.mark.parametrize(("path", "japanese"), PAGES.items())
def test_the_policy_help_and_contact_pages_read_in_both_languages(
    client: TestClient, path: str, japanese: str
) -> None:
    ja = client.get(f"{path}?lang=ja")
    en = client.get(f"{path}?lang=en")
    assert ja.status_code == en.status_code == 200
    assert f"<h1>{japanese}</h1>" in ja.text and japanese not in en.text
    assert f'href="{path}?lang=ja" id=' in ja.text and 'aria-current="page"' in ja.text


def test_the_favicon_is_shipped(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")


def test_every_page_has_a_skip_link_to_its_main_content(client: TestClient) -> None:
    for path in ("/", "/log", "/login", *PAGES):
        page = client.get(path).text
        assert 'class="skip-link" href="#main"' in page and '<main id="main"' in page, path


def test_a_notice_shows_only_the_words_of_a_known_key(client: TestClient) -> None:
    shown = client.get("/?lang=en&notice=password_set").text
    assert 'id="notice"' in shown and "Your password is set." in shown
    made_up = client.get("/?lang=en&notice=<b>you won</b>").text
    assert 'id="notice"' not in made_up and "you won" not in made_up
    assert set(NOTICES) >= {"password_set", "approved", "rejected", "vetoed", "cap_set"}
