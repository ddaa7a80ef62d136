"""Every page a person of each role can reach, in a real browser: sign in through the login
form, then follow each same-site link (GET only) breadth-first from the role's home page.

Shared by the page checks (axe-core, phones, the Japanese crawl) and the screenshot script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import Error, Page

from tests.web.site import PASSWORD

AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
HOMES = {
    "visitor": "/",
    "member": "/me",
    "employer": "/employer",
    "analyst": "/analyst",
    "privacy_officer": "/privacy",
    "reviewer": "/review",
    "auditor": "/audit",
    "product_owner": "/product",
}
# Links that change something, download a file, or answer in JSON: not pages to look at.
NOT_PAGES = re.compile(
    r"^/(logout|api/|static/)|/receipt$|\.(csv|json|jws|tlog-proof|svg|ico)$|/download|/export"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def sign_in(page: Page, base: str, login: str, totp_secret: str | None, language: str) -> None:
    page.goto(f"{base}/login?lang={language}")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    if totp_secret:
        page.fill("#totp", pyotp.TOTP(totp_secret).now())
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("load")


def pages_of(page: Page, base: str, home: str, language: str, limit: int = 40) -> Iterator[str]:
    """The paths reachable from ``home`` (the page is left on each as it is yielded)."""
    seen: set[str] = set()
    queue = [home]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            answer = page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={language}")
        except Error:  # a download (a data export), not a page
            continue
        if (
            answer is None
            or answer.status >= 400
            or "text/html" not in answer.headers.get("content-type", "")
        ):
            continue
        yield path
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            link = urlsplit(href)
            if f"{link.scheme}://{link.netloc}" != base or NOT_PAGES.search(link.path):
                continue
            query = "&".join(p for p in link.query.split("&") if p and not p.startswith("lang="))
            target = link.path + (f"?{query}" if query else "")
            if target not in seen and target not in queue:
                queue.append(target)


def axe_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical violations on the page (WCAG 2 A/AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact,
                          nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    assert isinstance(found, list)
    return found


def sideways(page: Page) -> int:
    """How far the page scrolls sideways (0 when it fits the window)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return int(overflow)


# What a Japanese page may not show: a machine timestamp, or an English sentence (four or
# more English words in a row) outside code, citations and identifiers.
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ENGLISH = re.compile(r"[A-Za-z][a-z]+(?:[ ,'’-]+[A-Za-z][a-z]+){3,}")


def readable_text(page: Page) -> str:
    """The page's text as a reader sees it, without code, identifiers and pictures."""
    text = page.evaluate(
        """() => {
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll('code, pre, kbd, samp, script, style, svg, [translate=no]')
              .forEach(e => e.remove());
            return copy.innerText;
        }"""
    )
    return str(text)
