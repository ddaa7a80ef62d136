"""One answer per request, sign-in and confirmations in a real browser (Chromium), in
Japanese and English (issue 23): a reload and Back/Forward after a forecast spend nothing
more; a request over what remains is refused with the remaining figure; a one-time secret
leads to the password page; a veto and a rejection each need their confirmation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fairfollow.accounts import authority
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.messages.catalogue import shown
from fairfollow.release.budget import Budget, PrivacyLimits
from fairfollow.release.budget_store import budget
from fairfollow.scenarios.site_accounts import ANALYST, open_site_accounts
from fairfollow.services import workflow as wf
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.usecases.forecast import OwnForecastAsk, ReleaseDesk, request_own_forecast
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.browser import SCREENSHOTS, serving
from tests.web.consoles import ledger_of, person, staff_site
from tests.web.employer_site import EmployerSite, employer_site
from tests.web.site import EMPLOYER, MEMBER_ID, PASSWORD, T0, served_workspace
from tests.web.test_console_pages import signed_in
from tests.web.test_review import new_service, to_committee

pytestmark = pytest.mark.slow
LANGUAGES = ["ja", "en"]


def _locale(language: str) -> str:
    return "ja-JP" if language == "ja" else "en-US"


def _shot(page: Page, name: str, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"flow-{name}-{language}.png"), full_page=True)


@pytest.fixture(scope="module")
def site(replayed_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> EmployerSite:
    return employer_site(replayed_workspace, tmp_path_factory.mktemp("flow-pages") / "ws")


def _budget(site: EmployerSite) -> Budget:
    engine = open_ledger(site.workspace.ledger_url)
    with reading(engine, "budget") as conn:
        found = budget(conn, site.employer, 2020)
    engine.dispose()
    return found


def _employer_page(browser: Browser, base: str, site: EmployerSite, language: str) -> Page:
    page = browser.new_context(locale=_locale(language)).new_page()
    page.goto(f"{base}/login?lang={language}")
    page.fill("#login", site.accounts["a"].login)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/employer*")
    return page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reload_and_back_and_forward_after_a_forecast_spend_nothing_more(
    browser: Browser, site: EmployerSite, language: str
) -> None:
    epsilon = "0.35" if language == "ja" else "0.4"  # each language its own request
    with serving(create_app(site.settings)) as base:
        page = _employer_page(browser, base, site, language)
        page.goto(f"{base}/employer/forecast?lang={language}")
        page.fill("#epsilon", epsilon)
        page.click("#forecast-continue")
        left = _budget(site)
        assert page.inner_text("#check-cost").startswith(f"ε = {float(epsilon):.2f}")
        assert page.inner_text("#check-left") == f"ε = {left.remaining:.2f}"
        assert page.inner_text("#check-after") == f"ε = {left.remaining - float(epsilon):.2f}"
        _shot(page, "check", language)
        page.click("#forecast-submit")
        page.wait_for_url(f"{base}/employer/releases/*")
        release = page.url.split("?")[0]
        after = _budget(site)
        assert after.releases == left.releases + 1
        assert after.spent == pytest.approx(left.spent + float(epsilon))
        shown_releases = page.inner_text("#budget-releases")
        _shot(page, "release", language)
        page.reload()
        page.go_back()
        page.wait_for_selector("#forecast-submit")  # the check page, from its own address
        page.go_forward()
        page.wait_for_selector("#forecast-result")
        assert page.url.split("?")[0] == release
        assert page.inner_text("#budget-releases") == shown_releases
        assert _budget(site) == after
        page.go_back()
        page.click("#forecast-submit")  # the same request again: the same release
        page.wait_for_selector("#notice[data-repeated=yes]")
        assert page.url.split("?")[0] == release
        assert _budget(site) == after
        page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_over_what_remains_is_refused_with_the_remaining_figure(
    browser: Browser, site: EmployerSite, language: str
) -> None:
    engine = open_ledger(site.workspace.ledger_url)
    me = authority.principal_for(engine, site.accounts["a"].login)
    desk = ReleaseDesk(
        engine, site.workspace, LogPublisher.of_workspace(site.workspace), PrivacyLimits()
    )
    step = 1.9
    while _budget(site).remaining >= 2.0:  # leave less than the largest ε, more than none
        request_own_forecast(me, OwnForecastAsk(step), desk, datetime.now(UTC))
        step -= 0.05
    engine.dispose()
    held = _budget(site)
    assert 0 < held.remaining < 2.0
    with serving(create_app(site.settings)) as base:
        page = _employer_page(browser, base, site, language)
        page.goto(f"{base}/employer/forecast?lang={language}")
        page.fill("#epsilon", "2.0")
        page.click("#forecast-continue")
        summary = page.inner_text("#error-summary")
        assert f"ε={shown(held.remaining, language)}" in summary
        assert page.input_value("#epsilon") == "2.0"  # the input kept
        page.click("#error-summary a")
        assert page.evaluate("document.activeElement.id") == "epsilon"
        _shot(page, "over-budget", language)
        page.context.close()
    assert _budget(site) == held


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_one_time_secret_leads_to_the_password_page(
    browser: Browser, tmp_path: Path, language: str
) -> None:
    settings = served_workspace(tmp_path / "ws", rounds=1)
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    opened = open_site_accounts(engine, T0, member_id=MEMBER_ID, employer=EMPLOYER)
    engine.dispose()
    member = next(a for a in opened if a.kind == "member")
    with serving(create_app(settings)) as base:
        page = browser.new_context(locale=_locale(language)).new_page()
        page.goto(f"{base}/login?lang={language}")
        page.fill("#login", member.login)
        page.fill("#password", member.secret)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{base}/account/password*")
        assert page.locator("#password-first").count() == 1
        page.goto(f"{base}/me?lang={language}")  # every page leads back here
        page.wait_for_url(f"{base}/account/password*")
        page.fill("#new-password", "aaaaaaaaaaaa")
        page.fill("#confirm-password", "aaaaaaaaaaaa")
        page.click("#password-submit")
        assert page.locator("#error-summary a[href='#new-password']").count() == 1
        _shot(page, "password", language)
        page.fill("#new-password", "lantern tofu river seven")
        page.fill("#confirm-password", "lantern tofu river seven")
        page.click("#password-submit")
        page.wait_for_url(f"{base}/me*")
        assert page.locator("#notice").count() == 1
        page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_veto_and_a_rejection_each_need_their_confirmation(
    browser: Browser, replayed_workspace: Path, tmp_path: Path, language: str
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    engine = ledger_of(settings)
    owner = person(engine, ANALYST)
    to_committee(engine, new_service(ANALYST), owner)
    waiting = new_service(ANALYST, "offer-trends")
    wf.register_service(engine, waiting, actor=owner, now=datetime.now(UTC))
    wf.submit_service(engine, "offer-trends", actor=owner, now=datetime.now(UTC))
    with serving(create_app(settings)) as base:
        reviewer = signed_in(browser, base, accounts["reviewer"], language)
        reviewer.goto(f"{base}/review/entry-trends?lang={language}")
        reviewer.click("#veto")  # no reason: named at the top, nothing done
        assert reviewer.locator("#error-summary a[href='#veto-reason']").count() == 1
        reviewer.fill("#veto-reason", "Entry counts per employer are not what was agreed.")
        reviewer.click("#veto")
        assert reviewer.locator("#confirm-form").count() == 1
        assert wf.show_service(engine, "entry-trends").state.vetoes == ()
        _shot(reviewer, "veto-check", language)
        reviewer.click("#confirm")
        assert reviewer.locator("#notice").count() == 1
        assert reviewer.locator("#approve").count() == 0  # decided: the controls are gone
        officer = signed_in(browser, base, accounts["privacy_officer"], language)
        officer.goto(f"{base}/review/offer-trends?lang={language}")
        officer.fill("#reject-reason", "The purpose text does not name the recipients.")
        officer.click("#reject")
        assert officer.locator("#confirm-form").count() == 1
        assert wf.show_service(engine, "offer-trends").state.state.value == "privacy_review"
        officer.click("#confirm")
        assert officer.locator("#notice").count() == 1
        assert wf.show_service(engine, "offer-trends").state.state.value != "privacy_review"
        reviewer.context.close()
        officer.context.close()
    engine.dispose()
