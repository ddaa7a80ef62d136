"""An erasure from end to end in a real browser (Chromium): the member files it after the
preview and confirmation, the privacy officer completes it after the preview, the
certificate is downloaded; then every page of the member's portal answers 2xx in Japanese
and English and tells one story — the releases page and each proof page agree on which
provision records are kept, and no proof page says the member was left out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from fairfollow.rights import desk as rights_desk
from fairfollow.rights.request import RightKind, Status
from fairfollow.web.app import create_app
from tests.conftest import copy_workspace
from tests.web.browser import SCREENSHOTS, serving
from tests.web.member_site import Site
from tests.web.site import PASSWORD
from tests.web.test_console_pages import signed_in

pytestmark = pytest.mark.slow
MEMBER_PAGES = ("/me", "/me/consents", "/me/releases", "/me/requests")


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"rights-{name}.png"), full_page=True)


def _member(browser: Browser, base: str, site: Site, language: str) -> Page:
    page = browser.new_context(locale="ja-JP" if language == "ja" else "en-US").new_page()
    page.goto(f"{base}/login?lang={language}")
    page.fill("#login", site.accounts["member"].login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/me**")
    return page


def _file_erasure(page: Page, base: str) -> int:
    page.goto(f"{base}/me/requests?lang=ja")
    page.check("input[name=kind][value=erasure]")
    page.click("#file-request")
    page.wait_for_selector("#erasure-preview")  # nothing filed before the confirmation
    assert page.locator("#preview-kept li").count() >= 1  # the provision record, kept
    assert page.locator("#preview-erased tr[data-category=events]").count() == 1
    _shot(page, "member-preview")
    page.click("#confirm-erasure")
    page.wait_for_url(re.compile(r".*/me/requests\?.*filed=\d+"))
    return int(page.url.rsplit("filed=", 1)[1])


def _complete(browser: Browser, base: str, site: Site, filed: int) -> dict[str, object]:
    page = signed_in(browser, base, site.accounts["privacy_officer"])
    page.goto(f"{base}/privacy/requests?lang=en")
    page.click(f'tr[data-request="{filed}"] a.open-request')
    assert page.locator("#request-preview #preview-kept li").count() >= 1
    page.check("#confirm-complete")
    page.click("#complete-request")
    page.wait_for_selector("#request-done", timeout=120_000)  # refreshes while steps run
    assert page.locator("#request-steps li.ok").count() == 6
    _shot(page, "officer-certificate")
    with page.expect_download() as download:
        page.click("#certificate-download")
    found: dict[str, object] = json.loads(Path(download.value.path()).read_text("utf-8"))
    page.context.close()
    return found


def _story(page: Page, base: str, language: str, filed: int) -> None:
    """Every member page 2xx, the story on each, and releases and proofs in agreement."""
    for path in (*MEMBER_PAGES, f"/me/requests/{filed}"):
        answer = page.goto(f"{base}{path}?lang={language}")
        assert answer is not None and answer.ok, (path, language)
        assert page.locator("#after-erasure").count() == 1, path
        assert page.locator("nav.member-tabs").count() == 1, path
    kept_story = {
        int(str(x)) for x in page.locator("#after-kept li").evaluate_all(
            "items => items.map(i => i.dataset.release)"
        )
    }  # fmt: skip
    page.goto(f"{base}/me/releases?lang={language}")
    rows = page.locator("#releases tbody tr")
    releases = [int(str(rows.nth(i).get_attribute("data-decision"))) for i in range(rows.count())]
    assert releases and page.locator("a.proof-destroyed").count() == len(releases)
    _shot(page, f"member-releases-{language}")
    for decision in releases:
        answer = page.goto(f"{base}/me/releases/{decision}/verify?lang={language}")
        assert answer is not None and answer.ok
        assert page.locator("#proof-destroyed").count() == 1
        assert page.locator("#proof-kept").count() == (1 if decision in kept_story else 0)
        answer = page.goto(f"{base}/me/releases/{decision}/proof?lang={language}")
        assert answer is not None and answer.ok and "/verify" in page.url  # no 4xx JSON
    for path in ("/me/data", "/me/receipts", f"/me/requests/{filed}/certificate.json"):
        assert page.request.get(f"{base}{path}").ok, path
    mine = json.loads(page.request.get(f"{base}/me/data").text())
    assert {k["release"] for k in mine["kept_by_law"]} == kept_story


def test_an_erasure_filed_confirmed_completed_and_the_portal_after_it(
    browser: Browser, replayed_workspace: Path, tmp_path: Path
) -> None:
    site = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    try:
        with serving(create_app(site.settings)) as base:
            member = _member(browser, base, site, "ja")
            filed = _file_erasure(member, base)
            certificate = _complete(browser, base, site, filed)
            assert certificate["pending"] == [] and certificate["log_leaf"] is not None
            assert certificate["kept"]
            for language in ("ja", "en"):
                _story(member if language == "ja" else _member(browser, base, site, "en"),
                       base, language, filed)  # fmt: skip
            member.goto(f"{base}/me/requests/{filed}?lang=ja")
            assert member.locator("#certificate").count() == 1
            _shot(member, "member-certificate")
        desk = rights_desk.Desk(site.workspace, site.engine, site.settings)
        done = rights_desk.show_request(desk, filed)
        assert done.kind is RightKind.ERASURE and done.status is Status.DONE
    finally:
        site.engine.dispose()
