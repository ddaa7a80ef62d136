"""The planning pages in a real browser (Chromium), in Japanese and English: an employer user
plans its offers and asks when acceptances arrive (each a release with its picture), and a
member whose data went into them reads their season ε on /me, equal to the ledger's odometer
and the log's recount."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.release import budget_store
from fairfollow.release.budget import PrivacyLimits
from fairfollow.web.app import create_app
from tests.web.browser import SCREENSHOTS, serving
from tests.web.employer_site import EmployerSite, employer_site
from tests.web.site import PASSWORD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(replayed_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> EmployerSite:
    return employer_site(replayed_workspace, tmp_path_factory.mktemp("planning-pages") / "ws")


def _sign_in(page: Page, base: str, login: str, language: str, landing: str) -> None:
    page.goto(f"{base}/login?lang={language}")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/{landing}*")


def _shot(page: Page, name: str, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"planning-{name}-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_employer_plans_offers_and_arrivals_and_a_member_reads_the_epsilon(
    browser: Browser, site: EmployerSite, language: str
) -> None:
    employer = site.accounts["a" if language == "ja" else "b"]
    with serving(create_app(site.settings)) as base:
        context = browser.new_context(locale="ja-JP" if language == "ja" else "en-US")
        page = context.new_page()
        _sign_in(page, base, employer.login, language, "employer")
        page.goto(f"{base}/employer/plan?lang={language}")
        page.fill("#target", "3")
        page.fill("#epsilon", "0.5")
        page.click("#plan-submit")
        page.wait_for_selector("#plan-result")
        assert page.locator("#plan-result").get_attribute("class") == "released"
        assert int(page.locator("#reached-by-pool").inner_text()) >= 0
        assert page.locator("#plan-chart svg polyline").count() == 1
        assert page.locator("#plan-chart svg line.target").count() == 1
        words = page.locator("#plan-result .figure").inner_text()
        assert ("10回中9回" in words) if language == "ja" else ("9 cases out of 10" in words)
        _shot(page, "plan", language)

        page.fill("#target", "3")
        page.fill("#width", "0")  # no ε buys a zero-width range: refused, nothing spent
        page.click("#plan-submit")
        page.wait_for_selector("#width-refusal")
        assert int(page.locator("#narrowest-width").inner_text()) > 0

        page.goto(f"{base}/employer/arrivals?lang={language}")
        page.fill("#epsilon", "0.5")
        page.click("#arrivals-submit")
        page.wait_for_selector("#arrivals-result")
        assert page.locator("#arrivals-result").get_attribute("class") == "released"
        weeks = page.locator("#arrivals-weeks tbody tr").count()
        assert weeks >= 4 and page.locator("#arrivals-chart svg circle.week").count() == weeks
        expected = [float(v) for v in page.locator("#arrivals-weeks td.expected").all_inner_texts()]
        assert expected == sorted(expected)
        _shot(page, "arrivals", language)
        context.close()

        member = browser.new_context(locale="ja-JP" if language == "ja" else "en-US").new_page()
        _sign_in(member, base, site.accounts["member"].login, language, "me")
        member.goto(f"{base}/me?lang={language}")
        member.wait_for_selector("#odometer")
        engine = open_ledger(site.workspace.ledger_url)
        try:
            with reading(engine, "test odometer") as conn:
                rows = budget_store.member_odometers(conn)
        finally:
            engine.dispose()
        from fairfollow.scenarios.site_accounts import demo_subjects

        engine = open_ledger(site.workspace.ledger_url)
        try:
            member_id, _ = demo_subjects(engine)
        finally:
            engine.dispose()
        mine = {season: spent for (m, season), (spent, _) in rows.items() if m == member_id}
        shown = {
            int(r.get_attribute("data-season") or 0): float(r.locator("td.spent").inner_text())
            for r in member.locator("#odometer-seasons tbody tr").all()
        }
        assert shown and shown == {s: round(v, 2) for s, v in mine.items()}
        cap = PrivacyLimits.from_settings(site.settings).member_cap
        for row in member.locator("#odometer-seasons tbody tr").all():
            assert float(row.locator("td.cap").inner_text()) == cap
            assert row.locator("td.agrees").inner_text() == (
                "ログのリリース記録の合計と一致しています"
                if language == "ja"
                else "the log's release leaves add up to the same"
            )
        _shot(member, "me", language)
        member.context.close()
