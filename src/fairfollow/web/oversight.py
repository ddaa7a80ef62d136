"""Model oversight in the privacy officer's console (``/privacy/model``).

The current model's card, its fairness table by gender, university tier and region with the
four-fifths rule (29 CFR 1607.4(D)) flagged, its calibration error marked against the goal
(:mod:`fairfollow.model.quality`), and its reliability diagram drawn on the server
— from the latest evaluation against a simulated season's truth where there is one, from the
held-out audit of training otherwise (:func:`fairfollow.model.oversight.oversight`). Where
the workspace holds a season's truth, the officer can run the evaluation from the page.
The auditor reads the same page; only the officer runs an evaluation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup
from pydantic import BaseModel

from fairfollow.accounts.actions import Action
from fairfollow.model.oversight import Audit, oversight
from fairfollow.model.quality import ECE_GOAL, ece_met
from fairfollow.web.access import check_access
from fairfollow.web.charts import ReliabilityBin, reliability_diagram
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.i18n import N_

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]
ACCESS = {
    ("GET", "/privacy/model"): Action.MODEL_OVERSIGHT,
    ("POST", "/privacy/model/evaluate"): Action.MODEL_EVALUATE,
    ("GET", "/api/v1/model/oversight"): Action.MODEL_OVERSIGHT,
}

ATTRIBUTE_LABELS = {
    "gender": N_("Gender"),
    "university_tier": N_("University tier"),
    "region": N_("Region"),
}
# The card is Markdown the platform wrote; raw HTML in it is still escaped, never passed on.
CARD_RENDERER = MarkdownIt("commonmark", {"html": False}).enable("table")


def _card_html(markdown: str) -> Markup:
    """The card as HTML, its headings two levels down: the page keeps one ``h1``."""
    tokens = CARD_RENDERER.parse(markdown)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    return Markup(CARD_RENDERER.renderer.render(tokens, CARD_RENDERER.options, {}))


def _diagram(audit: Audit | None, title: str) -> str:
    if audit is None:
        return ""
    bins = [ReliabilityBin(p.mean_predicted, p.observed_rate, p.count) for p in audit.reliability]
    return reliability_diagram(bins, title=title)


@router.get("/privacy/model", include_in_schema=False)
def model_page(request: Request, ctx: Context) -> Response:
    found = oversight(ctx.workspace)
    ece = None if found.audit is None else found.audit.model.get("ece")
    facts = {
        "oversight": found,
        "audit": found.audit,
        "ece_goal": ECE_GOAL,
        "ece_met": None if ece is None else ece_met(ece),
        "card": _card_html(found.card) if found.card else "",
        "diagram": _diagram(found.audit, "reliability"),
        "attribute_labels": ATTRIBUTE_LABELS,
    }
    return ctx.pages.render(request, "privacy_model.html", facts)


@router.post("/privacy/model/evaluate", include_in_schema=False)
def evaluate_form(request: Request, ctx: Context) -> Response:
    """Evaluate the current model on the season's truth; the page then shows the result."""
    # The analysis stack loads only for this action, not with the web application.
    from fairfollow.model.analysis import evaluate_against_origin

    evaluate_against_origin(ctx.workspace)
    lang = request.query_params.get("lang", "")
    return RedirectResponse(f"/privacy/model?lang={lang}" if lang else "/privacy/model", 303)


# ---- the JSON API ------------------------------------------------------------------------


class GroupAnswer(BaseModel):
    group: str
    count: int
    auc: float | None
    brier: float | None
    mean_predicted: float | None
    observed_rate: float | None
    flag_rate: float | None


class AttributeAnswer(BaseModel):
    attribute: str
    impact_ratio: float | None
    passes_four_fifths: bool
    assessable: bool
    small_groups: list[str]
    groups: list[GroupAnswer]


class BinAnswer(BaseModel):
    mean_predicted: float
    observed_rate: float
    count: int


class AuditAnswer(BaseModel):
    source: str
    season: int
    model: dict[str, float | None]
    oracle: dict[str, float | None]
    lift_ratio: float | None
    failing_four_fifths: list[str]
    unassessed_four_fifths: list[str]
    fairness: list[AttributeAnswer]
    reliability: list[BinAnswer]


class OversightAnswer(BaseModel):
    model_id: str | None
    season: int | None
    truth_available: bool
    audit: AuditAnswer | None


@router.get("/api/v1/model/oversight")
def oversight_api(ctx: Context) -> OversightAnswer:
    """The current model and its latest audit: fairness by group, calibration bins."""
    found = oversight(ctx.workspace)
    audit = found.audit
    return OversightAnswer(
        model_id=found.model.model_id if found.model else None,
        season=found.model.season if found.model else None,
        truth_available=found.truth_available,
        audit=None
        if audit is None
        else AuditAnswer(
            source=audit.source,
            season=audit.season,
            model=dict(audit.model),
            oracle=dict(audit.oracle),
            lift_ratio=audit.lift_ratio,
            failing_four_fifths=list(audit.failing),
            unassessed_four_fifths=list(audit.unassessed),
            fairness=[
                AttributeAnswer(
                    attribute=a.attribute,
                    impact_ratio=a.impact_ratio,
                    passes_four_fifths=a.passes_four_fifths,
                    assessable=a.assessable,
                    small_groups=list(a.small_groups),
                    groups=[GroupAnswer(**vars(g)) for g in a.groups],
                )
                for a in audit.fairness
            ],
            reliability=[BinAnswer(**vars(p)) for p in audit.reliability],
        ),
    )
