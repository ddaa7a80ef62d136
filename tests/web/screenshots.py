"""Screenshots of every page of every role — Japanese, English and a phone — under
``build/screenshots/`` (``make screenshots``; not part of the suite's assertions).

Works on a copy of a replayed workspace: the one given as the argument, else the newest
``fairfollow-data/reports/replays/*/`` that ``make demo`` leaves (as ``make serve`` does).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from fairfollow.web.app import create_app
from tests.web import crawl
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, serving
from tests.web.consoles import staff_site


def _replayed(argv: list[str]) -> Path:
    if argv:
        return Path(argv[0])
    found = sorted(Path("fairfollow-data/reports/replays").glob("*/"))
    if not found:
        raise SystemExit("no replayed workspace: run make demo first, or name one")
    return found[-1]


def main(argv: list[str]) -> int:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        settings, accounts = staff_site(_replayed(argv), Path(scratch))
        with serving(create_app(settings)) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role, home in crawl.HOMES.items():
                for language, size, tag in (
                    ("ja", crawl.DESKTOP, "ja"),
                    ("en", crawl.DESKTOP, "en"),
                    ("ja", crawl.PHONE, "phone"),
                ):
                    context = browser.new_context(viewport=size, locale=language)
                    page = context.new_page()
                    if role != "visitor":
                        account = accounts[role]
                        crawl.sign_in(page, base, account.login, account.totp_secret, language)
                    for path in crawl.pages_of(page, base, home, language):
                        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                        shot = SCREENSHOTS / f"{role}-{name}-{tag}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        print(shot)
                    context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
