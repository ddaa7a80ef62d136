"""Refresh the web message catalogues from the templates (run by hand after editing pages).

    .venv/bin/python scripts/catalogues.py [TRANSLATIONS.json]

Extracts every message of ``src/fairfollow/web/templates`` (and ``_()`` calls in the web
package), keeps the translations already in ``locale/{ja,en}``, adds new messages with an
empty translation (``tests/web/test_i18n.py`` then fails until they are translated) and drops
messages no longer used. A JSON file ``{"message": {"ja": "…", "en": "…"}}`` given as the
argument fills in translations.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).parents[1] / "src" / "fairfollow" / "web"
LANGUAGES = ("ja", "en")
# A fixed header date: refreshing the catalogues changes only the messages (no churn).
HEADER_DATE = datetime(2026, 1, 1, tzinfo=UTC)


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
    if sys.argv[1:]:  # scripts/catalogues.py TRANSLATIONS.json: {"msgid": {"ja": …, "en": …}}
        import json

        given = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    else:
        given = {}
    for language in LANGUAGES:
        path = WEB / "locale" / language / "LC_MESSAGES" / "messages.po"
        old: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as source:
                old = {str(m.id): str(m.string) for m in read_po(source) if m.id}
        catalog = Catalog(
            locale=language,
            project="FairFollow",
            fuzzy=False,
            creation_date=HEADER_DATE,
            revision_date=HEADER_DATE,
        )
        for message in messages:
            catalog.add(message, given.get(message, {}).get(language) or old.get(message, ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            # Sorted, so engineers adding pages in parallel rarely touch the same lines.
            write_po(out, catalog, width=100, omit_header=False, sort_output=True)
        missing = [m for m in messages if not catalog.get(m) or not catalog[m].string]
        print(f"{language}: {len(messages)} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
