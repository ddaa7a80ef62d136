"""Japanese first, English second: Babel message catalogues for every page and message.

Catalogues are the ``.po`` files under ``web/locale`` (shipped in the package, compiled in
memory at start-up, so no build step and no binary files in the repository). The language of
a request is, in order: ``?lang=``, the ``lang`` cookie, the browser's Accept-Language, ja.
Times are shown in JST with the offset.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request
from markupsafe import Markup, escape

from fairfollow.employer_ids import EmployerId
from fairfollow.errors import InputError
from fairfollow.instants import JST, for_people
from fairfollow.messages import catalogue, decisions, formats

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
DOMAIN = "messages"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(language: str) -> Translations:
    """The catalogue of ``language``, compiled from its ``.po`` file."""
    with catalogue_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@functools.cache
def translations_of(language: str) -> Translations:
    """The compiled catalogue of a language, once per process (read-only afterwards)."""
    return load_translations(language)


def N_(message: str) -> str:
    return message


# Names the core keeps as values, and their words on a page.
ROLE_LABELS = {
    "administrator": N_("administrator"),
    "privacy_officer": N_("privacy officer"),
    "reviewer": N_("reviewer"),
    "analyst": N_("analyst"),
    "operator": N_("operator"),
    "auditor": N_("auditor"),
}


def negotiate(request: Request) -> str:
    """The language for this request (query, cookie, Accept-Language, then Japanese)."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Localiser:
    """What templates need for one language: the language and how to show an instant."""

    language: str
    zone: tzinfo = field(default=JST)

    def instant(self, at: datetime | str | None) -> Markup:
        """``at`` as people read it (2026年12月8日(火) 01:31 / 8 Dec 2026, 01:31 JST) in the
        page's one zone; the exact instant stays in the ``datetime`` attribute for machines."""
        if at is None or at == "":
            return Markup("—")
        if isinstance(at, str):  # an instant a signed record keeps as ISO 8601 text
            at = datetime.fromisoformat(at)
        shown = formats.instant(at, self.language, self.zone)
        return Markup('<time datetime="%s">%s</time>') % (for_people(at, self.zone), shown)

    def season_instant(self, at: datetime | None) -> Markup:
        """An instant of the 2019 season's own clock (replays), labelled as such so it is not
        read as the wall clock."""
        if at is None:
            return Markup("—")
        label = escape(self.gettext("season clock"))
        return Markup('%s <span class="clock-label">(%s)</span>') % (self.instant(at), label)

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return formats.day(value, self.language)

    def number(self, value: float | None) -> str:
        """A count with separators (12,345); ``—`` when there is none."""
        return "—" if value is None else formats.number(value, self.language)

    def people(self, value: float | None) -> str:
        """A number of people, whole (121.5 is 122)."""
        return "—" if value is None else formats.people(value, self.language)

    def days(self, value: float | None) -> str:
        """A number of whole days with its unit (14日 / 14 days)."""
        return "—" if value is None else formats.days(value, self.language)

    def term(self, code: str, fallback: str = "") -> str:
        """A catalogue term (``term.quarantine_reason.ts_out_of_range``) in this language; the
        fallback (else the code) where the catalogue has none, so a new code stays visible."""
        if code in catalogue.entries(self.language):
            return catalogue.text(code, self.language, self.zone)
        return fallback or code.rpartition(".")[2]

    def zone_label(self) -> str:
        """The display zone as the footer names it: its name and its offset now."""
        offset = datetime.now(self.zone).strftime("%z")
        return f"{self.zone}, UTC{offset[:3]}:{offset[3:]}"

    def other_language(self) -> str:
        return "en" if self.language == "ja" else "ja"

    def gettext(self, message: str) -> str:
        return translations_of(self.language).gettext(message)

    def role(self, role: object) -> str:
        name = str(getattr(role, "value", role))
        return self.gettext(ROLE_LABELS.get(name, name))

    def audit_kind(self, kind: object) -> str:
        return decisions.audit_kind(kind, self.language)

    # Decisions and histories: the core's codes in this language (decisions.po).
    def outcome(self, code: object) -> str:
        return decisions.outcome(code, self.language)

    def reason(self, code: object) -> str:
        return decisions.reason(code, self.language)

    def event_kind(self, code: object) -> str:
        return decisions.event_kind(code, self.language)

    def citation(self, rule_id: str, recorded: str = "") -> str:
        """The rule's article in this language's form; else the citation as recorded."""
        cited = decisions.citation(rule_id, self.language)
        return recorded if cited == rule_id and recorded else cited


class EmployerNames:
    """Employers by name (``株式会社化学・素材0314`` for ``E0314``), read from the analytics
    store when first asked and again after the store changes (a new ingest)."""

    def __init__(self, load: Callable[[], Mapping[int, str]], source: Path | None = None) -> None:
        self._load = load
        self._source = source
        self._stamp: float | None = None
        self._names: Mapping[int, str] = {}

    def _current(self) -> Mapping[int, str]:
        stamp = self._source.stat().st_mtime if self._source and self._source.exists() else 0.0
        if stamp != self._stamp:
            self._names, self._stamp = self._load(), stamp
        return self._names

    def employer(self, code: object) -> str:
        """The company's name; the code itself when the store does not name it."""
        text = str(code or "")
        try:
            number = EmployerId.parse(text).number
        except InputError:
            return text
        return self._current().get(number, text)


NO_NAMES = EmployerNames(dict)
