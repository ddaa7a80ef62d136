"""Server-rendered pages: one Jinja2 environment per language, with its catalogue installed.

An environment per language (rather than translations swapped per request) keeps rendering
free of shared mutable state under concurrent requests. Autoescaping is on for every template.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from fairfollow.instants import JST
from fairfollow.tlog.proofs import b64
from fairfollow.web import charts
from fairfollow.web.i18n import (
    LANGUAGES,
    N_,
    NO_NAMES,
    EmployerNames,
    Localiser,
    load_translations,
    negotiate,
)

TEMPLATE_DIR = Path(__file__).with_name("templates")

# Success notices a page shows after an action redirected to it (``?notice=<key>``): only
# these words, never text from the address, so a link cannot make the site say anything.
NOTICES = {
    "password_set": N_("Your password is set. Use it to sign in from now on."),
    "signed_off": N_("Your sign-off is recorded."),
    "approved": N_("Your approval is recorded."),
    "rejected": N_("The rejection is recorded."),
    "vetoed": N_("The veto is recorded: the service cannot be approved in this version."),
    "activated": N_("The policy version is active for everyone from now on."),
    "cap_set": N_("The new budget cap is recorded."),
}


@pass_context
def current(context: Context, path: str) -> Markup:
    """``aria-current="page"`` on the navigation link of the page being shown."""
    request = context.get("request")
    here = getattr(getattr(request, "url", None), "path", "")
    return Markup(' aria-current="page"') if here == path else Markup("")


class Pages:
    """Renders a template in the request's language."""

    @property
    def zone(self) -> tzinfo:
        """The display zone of every instant on a page."""
        return self._zone

    def __init__(self, zone: tzinfo = JST, names: EmployerNames = NO_NAMES) -> None:
        self._zone = zone  # the display zone (setting ``display_zone``) of every instant
        self._names = names  # employers by name (the companies table), for every page
        self._environments: dict[str, Environment] = {}
        for language in LANGUAGES:
            environment = Environment(
                loader=FileSystemLoader(TEMPLATE_DIR),
                autoescape=select_autoescape(default=True, default_for_string=True),
                undefined=StrictUndefined,
                extensions=["jinja2.ext.i18n"],
            )
            environment.filters["b64"] = b64
            environment.globals["current"] = current
            environment.globals["charts"] = charts  # server-drawn SVG pictures
            environment.install_gettext_translations(  # type: ignore[attr-defined]
                load_translations(language), newstyle=True
            )
            self._environments[language] = environment

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, object],
        status_code: int = 200,
    ) -> HTMLResponse:
        language = negotiate(request)
        page = self._environments[language].get_template(template)
        localiser = Localiser(language, self._zone)
        notice = NOTICES.get(request.query_params.get("notice", ""))
        body = page.render(
            {
                "principal": getattr(request.state, "principal", None),
                "csrf": getattr(request.state, "csrf", ""),
                **context,
                "request": request,
                "l10n": localiser,
                "names": self._names,
                "lang": language,
                "notice_text": "" if notice is None else localiser.gettext(notice),
            }
        )
        response = HTMLResponse(body, status_code=status_code)
        if request.query_params.get("lang") == language:
            response.set_cookie("lang", language, samesite="lax", httponly=True)
        return response
