"""The message catalogue: every code the core can return, as a sentence in each language.

Catalogues are Babel ``.po`` files under ``messages/locale/<language>/``, one file per part of
the domain (``consent.po``, ``release.po`` …), whose ``msgid`` is the stable code and whose
``msgstr`` is the sentence with ``%(name)s`` placeholders for the parameters. They are read
and merged once per process; a code missing from a language is a defect that
``tests/messages/test_catalogue.py`` catches, and at run time it shows the code itself rather
than fail.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from enum import Enum
from pathlib import Path

from babel.messages.pofile import read_po

from fairfollow.instants import JST
from fairfollow.law.citation import Citation
from fairfollow.messages import formats

LOCALE_DIR = Path(__file__).with_name("locale")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@functools.cache
def entries(language: str) -> Mapping[str, str]:
    """Every code of ``language`` and its sentence, from all the language's ``.po`` files."""
    found: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        with path.open("rb") as source:
            catalog = read_po(source, locale=language)
        for message in catalog:
            if not message.id or not isinstance(message.id, str):
                continue
            if message.id in found:
                raise ValueError(f"{path.name}: code {message.id} is in two catalogue files")
            found[message.id] = str(message.string or "")
    return found


def term_code(value: Enum) -> str:
    """The code of an enum value shown to people: ``term.<enum in snake case>.<value>``."""
    kind = _CAMEL.sub("_", type(value).__name__).lower()
    return f"term.{kind}.{value.value}"


def shown(value: object, language: str, zone: tzinfo = JST) -> str:
    """One parameter as people read it in ``language``."""
    if isinstance(value, bool):
        return text("term.bool." + ("yes" if value else "no"), language)
    if isinstance(value, Enum):
        return text(term_code(value), language)
    if isinstance(value, Citation):
        return formats.citation(value.law, value.article, value.paragraph, language)
    if isinstance(value, datetime):
        return formats.instant(value, language, zone)
    if isinstance(value, date):
        return formats.day(value, language)
    if isinstance(value, int | float):
        return formats.number(value, language)
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ("、" if language == "ja" else ", ").join(shown(v, language, zone) for v in items)
    return str(value)


def text(code: str, language: str, zone: tzinfo = JST, /, **params: object) -> str:
    """The sentence for ``code`` in ``language`` with its parameters filled in."""
    template = entries(language).get(code) or entries(formats.DEFAULT_LANGUAGE).get(code)
    if not template:
        return (
            code if not params else f"{code} ({', '.join(f'{k}={v}' for k, v in params.items())})"
        )
    values = {name: shown(value, language, zone) for name, value in params.items()}
    try:
        return template % values if "%(" in template else template
    except (KeyError, ValueError, TypeError):
        return template
