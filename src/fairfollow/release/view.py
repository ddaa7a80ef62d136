"""What the release door returns: the outcome, and the two views of it.

``employer_view`` is everything the recipient receives — the noised figures, how noisy they
are, the ε spent and left — and nothing about any person. ``as_json`` is the platform's
internal view (counts of excluded members, the exact figures, the rules' outcomes); the ids
of excluded members are included only on request (they are personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairfollow.law.rules import Decision
from fairfollow.release.budget import Budget
from fairfollow.release.figures import ExactFigures, ReleasedFigures


def accuracy_words(figures: ReleasedFigures) -> dict[str, str]:
    """The accuracy the employer can expect, in words (ja, en), from released figures only."""
    low, high = figures.forecast_interval
    low80, high80 = figures.interval_80
    point, error = figures.expected_acceptances, figures.typical_error
    noise = figures.noise_bound
    share = round(figures.noise_confidence * 10)
    return {
        "en": f"Plan with {low}–{high} acceptances: in 9 of 10 pools like this the realised "
        f"count lands in this range (in 8 of 10 within {low80}–{high80}). The forecast of "
        f"{point:g} is typically off by about {error:g}. The privacy noise alone moves it by "
        f"less than {noise:.1f} in {share} of 10 releases; the rest is the uncertainty of "
        "people's decisions, which no one can forecast away.",
        "ja": f"承諾数は {low}〜{high} 人を前提に計画してください。同様の内定者群では10回中9回、"
        f"実際の承諾数がこの範囲に入ります（10回中8回は {low80}〜{high80} 人）。予測値 {point:g} "
        f"人からの誤差はおおむね {error:g} 人です。プライバシー保護のノイズだけによる変動は "
        f"10回中{share}回で {noise:.1f} 人未満で、残りは一人ひとりの意思決定の不確かさです。",
    }


@dataclass(frozen=True)
class ReleaseOutcome:
    request: str
    employer: str
    service_id: str
    season: int
    at: datetime
    released: bool
    reason: str
    decision_id: int
    log_index: int
    decision: Decision | None
    budget: Budget | None
    figures: ReleasedFigures | None = None
    exact: ExactFigures | None = None
    contributing: int = 0
    excluded_member_ids: tuple[int, ...] = ()
    capped_member_ids: tuple[int, ...] = ()  # members whose season odometer was full
    provision_id: int | None = None

    @property
    def release_id(self) -> str:
        return f"dec-{self.decision_id}"

    @property
    def epsilon_spent(self) -> float:
        return self.figures.epsilon if self.figures is not None else 0.0

    @property
    def citations(self) -> tuple[str, ...]:
        return () if self.decision is None else self.decision.citations

    def employer_view(self) -> dict[str, object]:
        """What goes to the employer (a refusal says only that and why)."""
        view: dict[str, object] = {
            "release_id": self.release_id,
            "employer": self.employer,
            "service": self.service_id,
            "season": self.season,
            "at": self.at.isoformat(),
            "released": self.released,
            "reason": self.reason,
            "log_index": self.log_index,
        }
        if self.figures is not None:
            view["figures"] = self.figures.as_json()
            view["epsilon_spent"] = self.figures.epsilon
            view["accuracy"] = accuracy_words(self.figures)
        if self.budget is not None:
            view["epsilon_remaining"] = self.budget.remaining
        if not self.released:
            view["citations"] = list(self.citations)
        return view

    def as_json(self, *, with_ids: bool = False) -> dict[str, object]:
        """The platform's view of the outcome."""
        payload: dict[str, object] = {
            **self.employer_view(),
            "request": self.request,
            "decision_id": self.decision_id,
            "decision": None if self.decision is None else self.decision.as_json(),
            "citations": list(self.citations),
            "contributing_members": self.contributing,
            "excluded_for_consent": len(self.excluded_member_ids),
            "excluded_for_member_cap": len(self.capped_member_ids),
            "exact": None if self.exact is None else self.exact.as_json(),
            "provision_id": self.provision_id,
            "budget": None if self.budget is None else self.budget.as_json(),
        }
        if with_ids:
            payload["excluded_member_ids"] = list(self.excluded_member_ids)
        return payload
