"""The staff consoles in a real browser (Chromium) over a replayed season: a forced policy
activation on the matrix, a veto the owner reads, an erasure completed by the privacy
officer, a tampered leaf found by the auditor's page; screenshots of each console."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fairfollow.rights import desk as rights_desk
from fairfollow.rights.request import IdentityCheck, IdentityMethod, RequestInput, RightKind, Status
from fairfollow.scenarios.site_accounts import ANALYST, SiteAccount
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.actors import as_actor
from tests.web.browser import SCREENSHOTS, serving
from tests.web.consoles import ledger_of, person, staff_site
from tests.web.site import PASSWORD, totp_now
from tests.web.test_audit import release_leaf, tamper
from tests.web.test_privacy import draft_v3_on_one_screen
from tests.web.test_review import new_service, to_committee

pytestmark = pytest.mark.slow


def signed_in(browser: Browser, base: str, account: SiteAccount, language: str = "en") -> Page:
    page = browser.new_context(locale="ja-JP" if language == "ja" else "en-US").new_page()
    page.goto(f"{base}/login?lang={language}")
    page.fill("#login", account.login)
    page.fill("#password", PASSWORD)
    page.fill("#totp", totp_now(account, datetime.now(UTC)))
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_forced_activation_appears_on_the_matrix(
    browser: Browser, replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    draft_v3_on_one_screen(settings)
    with serving(create_app(settings)) as base:
        page = signed_in(browser, base, accounts["privacy_officer"])
        page.goto(f"{base}/privacy?lang=en")
        page.select_option("#activate-version", "v3")
        page.click("#activate")
        assert page.inner_text("#activation-result") == "refused"
        page.select_option("#activate-version", "v3")
        page.check("#activate-force")
        page.fill("#activate-reason", "Interim notice approved by counsel until the fix ships.")
        page.click("#activate")
        assert "v3" in page.inner_text("#confirm-version")  # a check page before it happens
        page.click("#confirm")
        assert page.inner_text("#activation-result") == "forced"
        page.goto(f"{base}/privacy?lang=en")
        forced = page.inner_text("#forced-activations")
        assert "Interim notice approved by counsel" in forced and "v3" in forced
        assert page.locator("#rollout-matrix tr.lagging").count() >= 1
        colour = page.locator("#rollout-matrix tr.lagging th").first.evaluate(
            "e => getComputedStyle(e).color"
        )
        assert colour == "rgb(179, 38, 30)"  # the lagging screens in red
        page.context.close()


def test_a_reviewer_vetoes_and_the_owner_sees_the_reason(
    browser: Browser, replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    engine = ledger_of(settings)
    to_committee(engine, new_service(ANALYST), person(engine, ANALYST))
    engine.dispose()
    reason = "Entry counts per employer are not what students agreed to."
    with serving(create_app(settings)) as base:
        reviewer = signed_in(browser, base, accounts["reviewer"])
        reviewer.goto(f"{base}/review/entry-trends?lang=en")
        reviewer.fill("#veto-reason", reason)
        reviewer.click("#veto")
        assert reviewer.inner_text("#confirm-reason") == reason  # a check page first
        reviewer.click("#confirm")
        assert reviewer.inner_text("#service-state") == "rejected"
        assert reviewer.locator("#notice").count() == 1  # the veto is said to be recorded
        owner = signed_in(browser, base, accounts["analyst"])
        owner.goto(f"{base}/analyst?lang=en")
        owner.click("text=Entry trends by industry")
        assert owner.inner_text("#service-state") == "rejected"
        assert reason in owner.inner_text("#vetoes")
        assert owner.locator("#committee-actions").count() == 0
        reviewer.context.close()
        owner.context.close()


def test_the_privacy_officer_completes_an_erasure(
    browser: Browser, replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    engine = ledger_of(settings)
    member_id = person(engine, accounts["member"].login).member_id
    assert member_id is not None
    desk = rights_desk.Desk(Workspace.from_settings(settings), engine, settings)
    check = IdentityCheck(IdentityMethod.OPERATOR_VERIFIED, as_actor("desk"), "passport seen")
    item = RequestInput(RightKind.ERASURE, member_id, datetime.now(UTC), identity=check)
    filed = rights_desk.file_request(desk, item, actor=as_actor("desk")).request_id
    with serving(create_app(settings)) as base:
        page = signed_in(browser, base, accounts["privacy_officer"])
        page.goto(f"{base}/privacy/requests?lang=en")
        page.click(f'tr[data-request="{filed}"] a.open-request')
        page.check("#confirm-complete")  # after the preview of what is erased and kept
        page.click("#complete-request")
        page.wait_for_selector("#request-done", timeout=60_000)  # the page polls the steps
        assert f"Request {filed}: done" in page.inner_text("#request-done")
        page.context.close()
    done = rights_desk.show_request(desk, filed)
    assert done.status is Status.DONE and done.kind is RightKind.ERASURE
    assert rights_desk.member_requests(desk, member_id)[-1].status is Status.DONE
    engine.dispose()


def test_the_auditor_page_finds_a_tampered_leaf(
    browser: Browser, replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    with serving(create_app(settings)) as base:
        page = signed_in(browser, base, accounts["auditor"])
        page.goto(f"{base}/audit?lang=en")
        assert page.inner_text("#audit-verdict") == "passed"
        index = release_leaf(settings)
        tamper(settings, index)
        page.reload()
        assert page.inner_text("#audit-verdict") == "FAILED"
        assert str(index) in page.locator("#findings td.leaf-index").all_inner_texts()
        page.context.close()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_screenshots_of_each_console(
    browser: Browser, replayed_workspace: Path, tmp_path: Path, language: str
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    engine = ledger_of(settings)
    to_committee(engine, new_service(ANALYST), person(engine, ANALYST))
    engine.dispose()
    shots = {
        "privacy_officer": [
            ("privacy-matrix", "/privacy"),
            ("privacy-coverage", "/privacy/coverage"),
            ("privacy-requests", "/privacy/requests"),
            ("privacy-decisions", "/privacy/decisions"),
            ("privacy-model", "/privacy/model"),
        ],
        "reviewer": [("review", "/review"), ("review-service", "/review/entry-trends")],
        "auditor": [("audit", "/audit")],
        "analyst": [("analyst", "/analyst")],
    }
    with serving(create_app(settings)) as base:
        for kind, pages in shots.items():
            page = signed_in(browser, base, accounts[kind], language)
            for name, path in pages:
                page.goto(f"{base}{path}?lang={language}")
                assert page.locator("h1").count() == 1
                shoot(page, f"{name}-{language}")
            page.context.close()
    assert (SCREENSHOTS / f"privacy-matrix-{language}.png").stat().st_size > 10_000
