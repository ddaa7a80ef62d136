"""Refresh the web message catalogues from the templates (run by hand after editing pages).

    .venv/bin/python scripts/catalogues.py

Extracts every message of ``src/fairfollow/web/templates`` (and ``_()`` calls in the web
package), keeps the translations already in ``locale/{ja,en}``, adds new messages with an
empty translation (``tests/web/test_i18n.py`` then fails until they are translated) and drops
messages no longer used.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).parents[1] / "src" / "fairfollow" / "web"
LANGUAGES = ("ja", "en")


def extracted() -> list[str]:
    found: list[str] = []
    methods = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for _file, _line, message, _comments, _context in extract_from_dir(
        WEB, method_map=methods, options_map=options
    ):
        if isinstance(message, str) and message not in found:
            found.append(message)
    return found


def main() -> None:
    messages = extracted()
    for language in LANGUAGES:
        path = WEB / "locale" / language / "LC_MESSAGES" / "messages.po"
        old: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as source:
                old = {str(m.id): str(m.string) for m in read_po(source) if m.id}
        catalog = Catalog(locale=language, project="FairFollow", fuzzy=False)
        for message in messages:
            catalog.add(message, old.get(message, ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=100, omit_header=False, sort_output=False)
        missing = [m for m in messages if not old.get(m)]
        print(f"{language}: {len(messages)} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
