"""The generated parts of docs/governance.md: rule packs, DPIA questionnaire, event names.

Each part sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` in the
document; :func:`update` rewrites them from the data, and a test holds the document equal
to its update, so the published rule table can never drift from the rules that run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from fairfollow.law import dpia, incidents, tying
from fairfollow.law.packs import RULES
from fairfollow.law.rules import render_markdown
from fairfollow.services.approval import EventKind


def _events() -> str:
    return "".join(f"- `{kind.value}`\n" for kind in EventKind)


SECTIONS: Mapping[str, Callable[[], str]] = {
    "rules": lambda: render_markdown(RULES),
    "dpia": dpia.render_markdown,
    "events": _events,
    "incidents": incidents.render_markdown,
    "tying": tying.render_markdown,
}


def _replacement(body: str) -> Callable[[re.Match[str]], str]:
    return lambda m: m.group(1) + body + m.group(2)


def update(text: str) -> str:
    """``text`` with every generated section replaced by its current rendering."""
    for name, render in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise ValueError(f"the document lacks the generated section {name!r}")
        text = pattern.sub(_replacement(render()), text)
    return text
