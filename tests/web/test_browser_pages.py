"""Every page of every role in Chromium (issue 23's acceptance): axe-core finds no serious or
critical violation at 1280 px and at 390 px, in Japanese and English; at 390 × 844 no page
scrolls sideways; and a Japanese page shows no machine timestamp and no English sentence
outside code, citations and identifiers.

axe-core is the npm package the dev set-up installs (``npm ci --prefix tests/web/axe``),
injected from disk by Playwright: nothing is fetched while the tests run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from fairfollow.settings import Settings
from fairfollow.web.app import create_app
from tests.web import crawl
from tests.web.browser import serving
from tests.web.consoles import staff_site

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not crawl.AXE.exists(), reason="run: npm ci --prefix tests/web/axe"),
]
ROLES = tuple(crawl.HOMES)
# Pages whose English in a Japanese view is known and not yet translated: each entry is a
# defect to remove, not a licence (issue 23 left these; see the README's open points).
ENGLISH_LEFT = {"/privacy/model": "the model card is written in English only, its dates ISO"}


@pytest.fixture(scope="module")
def served(
    replayed_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, tuple[str, str | None]]]]:
    settings, accounts = staff_site(replayed_workspace, tmp_path_factory.mktemp("pages"))
    logins = {kind: (a.login, a.totp_secret) for kind, a in accounts.items()}
    with serving(create_app(Settings.model_validate(settings.model_dump()))) as base:
        yield base, logins


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_fits_a_phone(
    browser: Browser, served: tuple[str, dict[str, tuple[str, str | None]]], role: str,
    language: str,
) -> None:  # fmt: skip
    base, logins = served
    problems: list[str] = []
    visited = 0
    for size in (crawl.DESKTOP, crawl.PHONE):
        context = browser.new_context(
            viewport=size, locale="ja-JP" if language == "ja" else "en", bypass_csp=True
        )
        page = context.new_page()
        if role != "visitor":
            crawl.sign_in(page, base, *logins[role], language)
        for path in crawl.pages_of(page, base, crawl.HOMES[role], language):
            visited += 1
            for violation in crawl.axe_violations(page):
                problems.append(f"{size['width']}px {path}: axe {violation}")
            if size == crawl.PHONE and (over := crawl.sideways(page)) > 0:
                problems.append(f"390px {path}: scrolls sideways by {over}px")
            if language == "ja" and size == crawl.DESKTOP and path not in ENGLISH_LEFT:
                text = crawl.readable_text(page)
                problems += [f"{path}: ISO time {t}" for t in crawl.ISO.findall(text)[:3]]
                problems += [f"{path}: English {e!r}" for e in crawl.ENGLISH.findall(text)[:5]]
        context.close()
    assert visited >= 2, "the crawl reached no page: it would prove nothing"
    assert not problems, "\n".join(problems)
