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
            "exact": None if self.exact is None else self.exact.as_json(),
            "provision_id": self.provision_id,
            "budget": None if self.budget is None else self.budget.as_json(),
        }
        if with_ids:
            payload["excluded_member_ids"] = list(self.excluded_member_ids)
        return payload
