"""Japanese first, English second: every page string is translated in both catalogues."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from fairfollow.web.app import create_app
from fairfollow.web.i18n import LANGUAGES, catalogue_path
from fairfollow.web.pages import TEMPLATE_DIR
from tests.web.site import served_workspace

WEB = TEMPLATE_DIR.parent
# What may stand in a template outside {{ … }} / {% … %} and tags: no words of any language.
TEXT_OUTSIDE_MESSAGES = re.compile(r"[^\s—–·:/|()\[\]<>=\"'.,;#&-]")


def _messages() -> set[str]:
    methods = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    return {
        str(message)
        for _f, _l, message, _c, _x in extract_from_dir(WEB, methods, options_map=options)
        if isinstance(message, str)
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    with catalogue_path(language).open("rb") as source:
        catalogue = {str(m.id): str(m.string) for m in read_po(source) if m.id}
    missing = sorted(m for m in _messages() if not catalogue.get(m))
    assert not missing, f"{language}: untranslated (run scripts/catalogues.py): {missing}"


def test_templates_hold_no_text_outside_messages() -> None:
    for template in TEMPLATE_DIR.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        bare = re.sub(r"{{.*?}}|{%.*?%}|{#.*?#}", " ", source, flags=re.S)
        # <code> holds commands, which are not translated
        bare = re.sub(r"<(script|style|code).*?</\1>|<[^>]*>", " ", bare, flags=re.S)
        assert not TEXT_OUTSIDE_MESSAGES.search(bare), (template.name, bare.split())


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(served_workspace(tmp_path / "ws")))


def test_pages_are_japanese_by_default_and_english_on_request(client: TestClient) -> None:
    assert "透明性ログ" in client.get("/log").text
    english = client.get("/log", params={"lang": "en"})
    assert "Transparency log" in english.text and "透明性ログ" not in english.text
    assert english.cookies.get("lang") == "en"
    assert "Transparency log" in client.get("/log").text  # the cookie keeps the choice
    assert 'lang="en"' in client.get("/").text


def test_the_browser_language_is_honoured(tmp_path: Path) -> None:
    client = TestClient(create_app(served_workspace(tmp_path / "ws")))
    page = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in page.text
    page = client.get("/", headers={"accept-language": "fr-FR"})
    assert 'lang="ja"' in page.text


def test_employers_are_named_and_the_names_follow_the_store(tmp_path: Path) -> None:
    from fairfollow.web.i18n import EmployerNames

    source = tmp_path / "store.duckdb"
    source.write_text("1")
    loaded: list[int] = []

    def load() -> dict[int, str]:
        loaded.append(1)
        return {314: "株式会社化学・素材0314"}

    names = EmployerNames(load, source)
    assert names.employer("E0314") == "株式会社化学・素材0314"
    assert names.employer("E0999") == "E0999"  # not in the store: the code stays visible
    assert names.employer("not an id") == "not an id" and names.employer(None) == ""
    assert len(loaded) == 1  # read once while the store is unchanged
    os.utime(source, (1, 1))
    names.employer("E0314")
    assert len(loaded) == 2  # a new ingest: read again
