"""The pages in a real browser (Chromium): readable in Japanese and English, and the log's
checkpoints verified again by the page's own script."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from fairfollow.ledger.engine import open_ledger
from fairfollow.web.app import create_app
from tests.web.browser import SCREENSHOTS, serving
from tests.web.site import served_workspace

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_log_page_verifies_every_checkpoint_in_the_browser(
    browser: Browser, tmp_path: Path, language: str
) -> None:
    app = create_app(served_workspace(tmp_path / "ws", rounds=4))
    with serving(app) as base:
        page = browser.new_page(locale="ja-JP" if language == "ja" else "en-US")
        page.goto(f"{base}/log?lang={language}")
        page.wait_for_selector("body[data-browser-check=done]", timeout=15_000)
        cells = page.locator("td.browser-check").all_inner_texts()
        assert cells[0] == "—"
        assert cells[1:] == (["検証済み"] * 3 if language == "ja" else ["verified"] * 3)
        heading = page.locator("h1").inner_text()
        assert heading == ("透明性ログ" if language == "ja" else "Transparency log")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"log-{language}.png"), full_page=True)
        page.close()


def test_the_page_flags_a_checkpoint_that_does_not_match_the_log(
    browser: Browser, tmp_path: Path
) -> None:
    settings = served_workspace(tmp_path / "ws", rounds=3)
    engine = open_ledger(f"sqlite:///{tmp_path / 'ws' / 'ledger.sqlite'}")
    with engine.begin() as conn:  # an operator rewrites the middle checkpoint's root
        conn.exec_driver_sql(
            "UPDATE log_checkpoints SET root_hash = zeroblob(32) WHERE tree_size = 10"
        )
    engine.dispose()
    with serving(create_app(settings)) as base:
        page = browser.new_page()
        page.goto(f"{base}/log?lang=en")
        page.wait_for_selector("body[data-browser-check=done]", timeout=15_000)
        rows = page.locator("#heads tbody tr")
        assert rows.nth(1).get_attribute("class") == "bad"  # the server's check
        assert page.locator("td.browser-check").all_inner_texts()[1:] == ["FAILED", "FAILED"]
        page.close()
