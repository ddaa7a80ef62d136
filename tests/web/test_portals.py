"""The two portals together in Chromium (issue 14's acceptance): a member signs in, reads
their consents and withdraws the employer-forecast consent; an employer, in a second browser
context, asks for the next forecast of the pool the member is in; that release leaves the
member out (its provision record does not name them), and the member's page of who received
their data lists it as a release whose list named them but which did not use their data."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from fairfollow.accounts import authority
from fairfollow.ledger.transaction import reading
from fairfollow.records import provision_store
from fairfollow.web.app import create_app
from tests.conftest import copy_workspace
from tests.web.browser import serving
from tests.web.member_site import FORECAST, Site
from tests.web.site import PASSWORD

pytestmark = pytest.mark.slow


def _employer_of(site: Site) -> str:
    """An employer whose latest release named the member (so the member is in its pool)."""
    with reading(site.engine, "member's recipients") as conn:
        for provision in reversed(provision_store.provisions_to(conn)):
            if site.member in provision_store.subjects_of(conn, provision.provision_id):
                return provision.recipient
    raise AssertionError("the replay released nothing that used the member")


def _provisions(site: Site, employer: str) -> list[tuple[int, list[int]]]:
    with reading(site.engine, "provisions") as conn:
        return [
            (p.provision_id, provision_store.subjects_of(conn, p.provision_id))
            for p in provision_store.provisions_to(conn, employer)
        ]


def test_a_withdrawal_in_one_browser_leaves_the_member_out_of_the_next_release(
    browser: Browser, replayed_workspace: Path, tmp_path: Path
) -> None:
    site = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    try:
        employer = _employer_of(site)
        admin = authority.principal_for(site.engine, "admin")
        authority.create_account(
            site.engine, admin, "hr-cross", display_name="HR", now=site.now, employer=employer
        )
        authority.set_password(
            site.engine, authority.principal_for(site.engine, "hr-cross"), PASSWORD, site.now
        )
        before = _provisions(site, employer)
        with serving(create_app(site.settings)) as base:
            member = browser.new_context(locale="en-US").new_page()
            member.goto(f"{base}/login?lang=en")
            member.fill("#login", site.accounts["member"].login)
            member.fill("#password", PASSWORD)
            member.click("#login-form button[type=submit]")
            member.wait_for_url(f"{base}/me**")
            member.goto(f"{base}/me/releases?lang=en")
            listed_before = member.locator("#releases tbody tr").count()
            member.goto(f"{base}/me/consents?lang=en")
            assert member.locator(f"#purpose-{FORECAST}").get_attribute("data-valid") == "yes"
            member.click(f"#withdraw-{FORECAST}")
            member.wait_for_selector("#consent-changed")

            hr = browser.new_context(locale="ja-JP").new_page()  # a second browser context
            hr.goto(f"{base}/login?lang=ja")
            hr.fill("#login", "hr-cross")
            hr.fill("#password", PASSWORD)
            hr.click("#login-form button[type=submit]")
            hr.wait_for_url(f"{base}/employer*")
            hr.goto(f"{base}/employer/forecast?lang=ja")
            hr.click("#forecast-continue")  # the check page, then the confirmation
            hr.click("#forecast-submit")
            hr.wait_for_selector("#forecast-result")
            assert hr.locator("#forecast-result").get_attribute("class") == "released"

            after = _provisions(site, employer)
            assert len(after) == len(before) + 1
            newest_subjects = after[-1][1]
            assert newest_subjects, "the release used nobody: the test would prove nothing"
            assert site.member not in newest_subjects
            assert any(site.member in subjects for _, subjects in before)
            member.goto(f"{base}/me/releases?lang=en")  # the new release: "not used"
            rows = member.locator("#releases tbody tr")
            assert rows.count() == listed_before + 1
            assert "your data was not used" in rows.nth(listed_before).inner_text()
            assert "your data was used" in rows.nth(0).inner_text()
    finally:
        site.engine.dispose()
