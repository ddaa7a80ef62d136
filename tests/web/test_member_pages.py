"""The member portal in a real browser (Chromium): a member signs in, reads each page in
Japanese and English, checks a release proof with the page's own script, and withdraws the
employer-forecast consent; the ledger's verdict for the next release then leaves them out."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fairfollow.web.app import create_app
from tests.conftest import copy_workspace
from tests.web.browser import SCREENSHOTS, serving
from tests.web.member_site import FORECAST, Site
from tests.web.site import PASSWORD

pytestmark = pytest.mark.slow


def _shot(page: Page, name: str, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"member-{name}-{language}.png"), full_page=True)


def _sign_in(page: Page, base: str, site: Site, language: str) -> None:
    page.goto(f"{base}/login?lang={language}")
    page.fill("#login", site.accounts["member"].login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/me**")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_member_reads_the_portal_verifies_a_proof_and_withdraws(
    browser: Browser, replayed_workspace: Path, tmp_path: Path, language: str
) -> None:
    site = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    words = {
        "ja": ("あなたのデータ", "確認済み：あなたのデータが使われました", "撤回を記録しました"),
        "en": ("Your data", "verified: your data was used", "withdrawal is recorded"),
    }[language]
    try:
        with serving(create_app(site.settings)) as base:
            page = browser.new_page(locale="ja-JP" if language == "ja" else "en-US")
            _sign_in(page, base, site, language)
            page.goto(f"{base}/me?lang={language}")
            assert page.locator("h1").inner_text() == words[0]
            assert int(page.locator("tr[data-category=events] td.count").inner_text()) > 0
            _shot(page, "home", language)

            page.goto(f"{base}/me/releases?lang={language}")
            assert page.locator("#releases tbody tr").count() >= 1
            _shot(page, "releases", language)
            page.locator("a.verify-link").first.click()
            page.wait_for_selector("body[data-member-check]", timeout=20_000)
            assert page.get_attribute("body", "data-member-check") == "verified"
            assert page.locator("#browser-check").inner_text() == words[1]
            assert page.locator("#browser-steps li.ok").count() == 3
            _shot(page, "verify", language)

            page.goto(f"{base}/me/requests?lang={language}")
            _shot(page, "requests", language)

            page.goto(f"{base}/me/consents?lang={language}")
            section = page.locator(f"#purpose-{FORECAST}")
            assert section.get_attribute("data-valid") == "yes"
            _shot(page, "consents", language)
            assert site.valid_for_forecast()
            page.click(f"#withdraw-{FORECAST}")
            page.wait_for_selector("#consent-changed")
            assert words[2] in page.locator("#consent-changed").inner_text()
            assert section.get_attribute("data-valid") == "no"
            assert page.locator(f"#grant-{FORECAST}").count() == 1
            _shot(page, "withdrawn", language)
            page.close()
        assert not site.valid_for_forecast()  # the consent check of the next release
    finally:
        site.engine.dispose()


def test_the_page_flags_a_proof_for_someone_else(
    browser: Browser, replayed_workspace: Path, tmp_path: Path
) -> None:
    """The script's check is real: the same page with another secret in the proof fails."""
    site = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    try:
        with serving(create_app(site.settings)) as base:
            page = browser.new_page()
            _sign_in(page, base, site, "en")
            page.goto(f"{base}/me/releases?lang=en")
            href = page.locator("a.verify-link").first.get_attribute("href")

            def tamper(route):  # type: ignore[no-untyped-def]
                answer = route.fetch()
                body = answer.text()
                marker = '\\"member_secret\\": \\"'
                at = body.index(marker) + len(marker)
                flipped = "0" if body[at] != "0" else "1"
                route.fulfill(response=answer, body=body[:at] + flipped + body[at + 1 :])

            page.route("**/verify?lang=en", tamper)
            page.goto(f"{base}{href}")
            page.wait_for_selector("body[data-member-check]", timeout=20_000)
            assert page.get_attribute("body", "data-member-check") == "failed"
            assert page.locator("#browser-check").inner_text() == "FAILED"
            page.close()
    finally:
        site.engine.dispose()
