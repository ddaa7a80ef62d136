"""The employer's portal in a real browser (Chromium): an employer user signs in, uploads a
list with bad rows and reads the errors table, asks for a forecast, and verifies its log
receipt in the page with the shipped script; screenshots of every page in ja and en."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fairfollow.web.app import create_app
from tests.web.browser import SCREENSHOTS, serving
from tests.web.employer_site import ATTESTATION, EmployerSite, employer_site, list_with_bad_rows
from tests.web.site import PASSWORD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(replayed_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> EmployerSite:
    return employer_site(replayed_workspace, tmp_path_factory.mktemp("employer-pages") / "ws")


def _sign_in(page: Page, base: str, login: str, language: str) -> None:
    page.goto(f"{base}/login?lang={language}")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/employer*")


def _shot(page: Page, name: str, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"employer-{name}-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_employer_uploads_asks_for_a_forecast_and_verifies_its_receipt(
    browser: Browser, site: EmployerSite, tmp_path: Path, language: str
) -> None:
    data, name, rows = list_with_bad_rows(site.workspace, site.employer)
    upload = tmp_path / name
    upload.write_bytes(data)
    with serving(create_app(site.settings)) as base:
        context = browser.new_context(locale="ja-JP" if language == "ja" else "en-US")
        page = context.new_page()
        _sign_in(page, base, site.accounts["a"].login, language)
        assert page.locator("#employer-id").inner_text() == site.employer
        _shot(page, "home", language)

        page.goto(f"{base}/employer/lists?lang={language}")
        page.set_input_files("#list-file", str(upload))
        for field, value in ATTESTATION.items():
            page.fill(f"#att-{field}", value)
        page.click("#upload-submit")
        page.wait_for_selector("#row-errors")
        lines = page.locator("#row-errors tbody tr td:first-child").all_inner_texts()
        assert str(rows + 2) in lines and str(rows + 3) in lines
        rules = page.locator("#row-errors tbody tr td:nth-child(3)").all_inner_texts()
        assert "bad_date:entry_date" in rules and "missing_field:applicant_id" in rules
        quarantined = int(page.locator("#rows-quarantined").inner_text())
        assert quarantined == len(lines)
        _shot(page, "lists", language)

        page.goto(f"{base}/employer/forecast?lang={language}")
        page.fill("#epsilon", "1.0")
        page.click("#forecast-continue")
        page.click("#forecast-submit")
        page.wait_for_selector("#forecast-result")
        assert page.locator("#forecast-result").get_attribute("class") == "released"
        release = page.locator("#release-id").inner_text()
        words = page.locator("#accuracy-words").inner_text()
        assert ("計画してください" in words) if language == "ja" else ("Plan with" in words)
        _shot(page, "forecast", language)

        page.goto(f"{base}/employer/releases?lang={language}")
        page.wait_for_selector("body[data-receipt-check=ready]", timeout=15_000)
        row = page.locator(f"tr#{release}")
        row.locator("button.verify").click()
        page.wait_for_selector(f"tr#{release}[data-verified]", timeout=15_000)
        assert row.get_attribute("data-verified") == "yes"
        verdict = row.locator(".verdict").inner_text()
        assert verdict == ("検証済み" if language == "ja" else "verified")
        _shot(page, "releases", language)
        context.close()


def test_the_page_script_rejects_a_receipt_that_is_not_the_release_shown(
    browser: Browser, site: EmployerSite
) -> None:
    """A row whose receipt is for another log entry than the one it states fails the check
    (the script compares the index and the leaf's release, not only the proof)."""
    with serving(create_app(site.settings)) as base:
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        _sign_in(page, base, site.accounts["a"].login, "en")
        page.goto(f"{base}/employer/releases?lang=en")
        page.wait_for_selector("body[data-receipt-check=ready]", timeout=15_000)
        rows = page.locator("#releases tbody tr[data-index]")
        first = rows.first
        index = int(first.get_attribute("data-index") or "0")
        first.evaluate("(row, index) => { row.dataset.index = String(index + 1); }", index)
        first.locator("button.verify").click()
        page.wait_for_function(
            "row => row.dataset.verified !== undefined", arg=first.element_handle()
        )
        assert first.get_attribute("data-verified") == "no"
        assert first.locator(".verdict").inner_text() == "FAILED"
        context.close()
