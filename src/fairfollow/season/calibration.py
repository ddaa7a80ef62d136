"""Calibration targets for the simulator, each with its tolerance and source, and their
measurement on a simulated season. Targets come from published figures (surveys of job
hunting and the regulators' counts); tests check every one at 20,000 students."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Target:
    key: str
    description: str
    low: float
    high: float
    source: str
    needs_defects: frozenset[str] = frozenset()


TARGETS: tuple[Target, ...] = (
    Target(
        "entries_per_student",
        "Entries per student (previous, complete season)",
        24.0,
        30.0,
        "about 27 (surveys range 26–43)",
    ),
    Target("offers_per_holder", "Offers per offer-holder", 2.25, 2.75, "about 2.5"),
    Target(
        "holders_declining_share",
        "Offer-holders who decline at least one offer",
        0.62,
        0.68,
        "64–66%",
    ),
    Target(
        "client_offer_decline_share",
        "Share of a client employer's offers declined",
        0.435,
        0.515,
        "about 47.5% (offer-level acceptance about 0.5–0.55)",
    ),
    Target(
        "page_views_per_student",
        "Page views per student (previous, complete season)",
        300.0,
        500.0,
        "no published figure; assume 300–500",
    ),
    Target("industries", "Industries", 20.0, 20.0, "about 20"),
    Target("companies", "Companies on the site", 2000.0, 9999.0, "some thousands"),
    Target("clients", "Client employers contracted", 38.0, 38.0, "38 contracted"),
    Target("active_clients", "Client employers active", 35.0, 35.0, "35 active"),
    Target(
        "oracle_auc_client_offers",
        "AUC of the true probabilities on client offers (current season)",
        0.78,
        0.88,
        "behavioural models reach 0.70–0.80",
    ),
    Target(
        "matched_without_consent_share",
        "Matched students without valid consent for the forecast purpose, defects (a)+(b)",
        0.06,
        0.14,
        "7,983 of 74,878 (10.7%) in August 2019",
        frozenset({"a", "b"}),
    ),
)


@dataclass(frozen=True)
class Measurement:
    target: Target
    value: float

    @property
    def ok(self) -> bool:
        return self.target.low <= self.value <= self.target.high


@dataclass
class SeasonTally:
    """Running sums over the chunks of the previous (complete) season."""

    students: int = 0
    entries: int = 0
    page_views: int = 0
    holders: int = 0
    offers: int = 0
    holders_declining: int = 0
    client_offers: int = 0
    client_declined: int = 0

    def add(
        self,
        n_students: int,
        entries: int,
        page_views: int,
        offer_student: NDArray[np.int64],
        accepted: NDArray[np.bool_],
        client_offer: NDArray[np.bool_],
    ) -> None:
        self.students += n_students
        self.entries += entries
        self.page_views += page_views
        per_student = np.bincount(offer_student, minlength=n_students)
        declined = np.bincount(offer_student, weights=~accepted, minlength=n_students)
        self.holders += int((per_student > 0).sum())
        self.offers += int(offer_student.size)
        self.holders_declining += int((declined > 0).sum())
        self.client_offers += int(client_offer.sum())
        self.client_declined += int((~accepted[client_offer]).sum())


def measure(
    tally: SeasonTally,
    n_industries: int,
    n_companies: int,
    n_clients: int,
    n_active: int,
    client_p: NDArray[np.float64],
    client_accepted: NDArray[np.bool_],
    matched_without_consent: float,
    defects: frozenset[str],
) -> list[Measurement]:
    from sklearn.metrics import roc_auc_score  # here: scikit-learn is slow to import

    auc = (
        float(roc_auc_score(client_accepted, client_p))
        if 0 < client_accepted.sum() < client_accepted.size
        else float("nan")
    )
    values = {
        "entries_per_student": tally.entries / max(tally.students, 1),
        "offers_per_holder": tally.offers / max(tally.holders, 1),
        "holders_declining_share": tally.holders_declining / max(tally.holders, 1),
        "client_offer_decline_share": tally.client_declined / max(tally.client_offers, 1),
        "page_views_per_student": tally.page_views / max(tally.students, 1),
        "industries": float(n_industries),
        "companies": float(n_companies),
        "clients": float(n_clients),
        "active_clients": float(n_active),
        "oracle_auc_client_offers": auc,
        "matched_without_consent_share": matched_without_consent,
    }
    return [Measurement(t, values[t.key]) for t in TARGETS if t.needs_defects <= defects]
