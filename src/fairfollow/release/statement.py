"""The season statement and the report card: two log leaves about every release kind.

Before the season, the **statement** publishes the mechanism, noise, caps and contribution
bounds of every product (in the manner of the published documentation of differentially
private data releases): what one person can change, how much noise is added, what ε each
release may spend and what a season may spend in all. After it, the **report card** states
for every release kind how many releases and refusals there were (by reason), their mean
interval width per offer, and — where the season's realised counts are known — how often
the stated 90% interval held the realised count.

Both are ordinary leaves (kinds ``season-statement`` and ``season-report``): anyone who
checks the log sees them, and no later edit can change them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fairfollow.canonical_json import JsonValue
from fairfollow.ledger.transaction import Connection
from fairfollow.records import decision_store
from fairfollow.release.benchmarks import DEFAULT_BOUNDS, GROUP_MINIMUM, SEMINAR_MINIMUM
from fairfollow.release.budget import DEFAULT_SEASON_CAP, PrivacyLimits
from fairfollow.release.figures import INTERVAL_LEVEL, MIN_POOL
from fairfollow.release.leaf import opening_of_detail
from fairfollow.release.planner import PLAN_CONFIDENCE
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafFormatError, LogRecord, decode_leaf

STATEMENT_KIND = "season-statement"
REPORT_KIND = "season-report"
ARRIVALS_FORECAST_SHARE = 0.8  # as ArrivalsProduct's (stated here so the leaf says it)


def statement_body(season: int, limits: PrivacyLimits) -> dict[str, JsonValue]:
    """Every product's mechanism, noise, caps and contribution bounds for ``season``."""
    laplace = "Laplace (OpenDP), scale = sensitivity / ε"
    return {
        "season": season,
        "unit_of_privacy": "one member (all their data, over all employers and services)",
        "epsilon_per_release": [limits.epsilon_min, limits.epsilon_max],
        "employer_season_cap": DEFAULT_SEASON_CAP,
        "employer_cap_ceiling": limits.cap_ceiling,
        "member_season_cap": limits.member_cap,
        "composition": "basic: the ε of every release that uses a member's data add up",
        "minimum_pool_offers": MIN_POOL,
        "products": {
            "forecast": {
                "statistic": "expected acceptances over the employer's uploaded offers",
                "contribution_bound": "one offer per member, a term in [0, 1]",
                "sensitivity": 1.0,
                "mechanism": laplace,
                "interval_level": INTERVAL_LEVEL,
            },
            "plan": {
                "statistic": "none of its own: post-processing of the forecast",
                "confidence": PLAN_CONFIDENCE,
                "extra_epsilon": 0.0,
            },
            "arrivals": {
                "statistic": "expected acceptances per week until the season's end",
                "contribution_bound": "a member's weekly terms sum to at most 1 (L1)",
                "sensitivity": 1.0,
                "mechanism": laplace + ", one draw per week",
                "epsilon_split": {
                    "forecast": ARRIVALS_FORECAST_SHARE,
                    "weeks": 1.0 - ARRIVALS_FORECAST_SHARE,
                },
            },
            "benchmarks": {
                "statistic": "per group: offers, accepted offers, entries, seminar bookings",
                "consent": "statistics",
                "contribution_bound": DEFAULT_BOUNDS.as_json(),
                "mechanism": laplace + ", ε/4 per quantity",
                "minimum_offers": GROUP_MINIMUM,
                "minimum_seminar_bookings": SEMINAR_MINIMUM,
            },
        },
    }


@dataclass(frozen=True)
class KindCard:
    """One release kind's season: releases, refusals by reason, width, coverage."""

    kind: str
    released: int
    refused: dict[str, int]
    mean_width: float | None  # mean 90% interval width / pool offers
    covered: int  # releases whose interval held the realised count (where known)
    checked: int  # releases whose realised count is known

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "released": self.released,
            "refused": dict(self.refused),
            "mean_width_per_offer": self.mean_width,
            "coverage": None if self.checked == 0 else self.covered / self.checked,
            "coverage_checked": self.checked,
        }


@dataclass
class _Tally:
    released: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    widths: list[float] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)

    def card(self, kind: str) -> KindCard:
        width = sum(self.widths) / len(self.widths) if self.widths else None
        refused = dict(sorted(self.refused.items()))
        return KindCard(kind, self.released, refused, width, sum(self.hits), len(self.hits))


def _kind(request: str, figures: object, detail: str) -> str:
    """The release kind: the released figures' ``product``, else the refusal's record's."""
    if request == "release_individual":
        return "individual"
    product = figures.get("product") if isinstance(figures, dict) else None
    if product is None:
        try:
            product = json.loads(detail or "{}").get("product")
        except (ValueError, AttributeError):
            product = None
    return product if isinstance(product, str) else "forecast"


def report_cards(
    conn: Connection, season: int, realised: Mapping[str, int]
) -> tuple[KindCard, ...]:
    """The season's releases and refusals by kind (``product`` of the released figures, else
    ``forecast``); ``realised`` acceptances per employer, where known, check the intervals."""
    bodies: dict[str, Mapping[str, object]] = {}
    for leaf in log_store.iter_leaves(conn):
        try:
            record = decode_leaf(leaf.content).record
        except LeafFormatError:
            continue
        bodies[record.ref] = record.body
    tally: dict[str, _Tally] = {}
    for decision in decision_store.load_decisions(conn):
        if decision.season != season or not decision.request.startswith("release_"):
            continue
        figures = _opened_figures(decision, bodies.get(f"dec-{decision.decision_id}", {}))
        card = tally.setdefault(_kind(decision.request, figures, decision.detail), _Tally())
        if decision.outcome != "allow" or not isinstance(figures, dict):
            card.refused[decision.reason] = card.refused.get(decision.reason, 0) + 1
            continue
        card.released += 1
        low, high = (float(v) for v in figures["forecast_interval"])
        card.widths.append((high - low) / max(1.0, float(figures["pool_offers"])))
        count = realised.get(decision.employer or "")
        if count is not None:
            card.hits.append(low <= count <= high)
    return tuple(t.card(kind) for kind, t in sorted(tally.items()))


def _opened_figures(
    decision: decision_store.DecisionRecord, body: Mapping[str, object]
) -> dict[str, Any] | None:
    """A release's figures from the opening kept with its decision, only where they open
    the commitment its public leaf carries (the leaf itself holds no employer's figure)."""
    try:
        detail = json.loads(decision.detail or "{}")
    except ValueError:
        return None
    opening = opening_of_detail(detail) if isinstance(detail, dict) else None
    if opening is None or not opening.opens(body.get("figures_commitment")):
        return None
    return dict(opening.figures)


def statement_record(season: int, limits: PrivacyLimits, at: str) -> LogRecord:
    return LogRecord(
        STATEMENT_KIND, f"season-{season}", {**statement_body(season, limits), "at": at}
    )


def report_record(season: int, cards: tuple[KindCard, ...], at: str) -> LogRecord:
    body: dict[str, JsonValue] = {
        "season": season,
        "kinds": [c.as_json() for c in cards],
        "at": at,
    }
    return LogRecord(REPORT_KIND, f"season-{season}", body)
