"""What the release door returns: the outcome, and the two views of it.

:class:`ReleaseRecord` is the one contract of a release as the recipient receives it: the
command line's ``--json`` and the API's body are its :meth:`ReleaseRecord.as_json`.
``employer_view`` is that record: everything the recipient receives — the noised figures,
how noisy they are, the ε spent and left — and nothing about any person.
``as_json`` is the platform's internal view (counts of excluded members, the exact figures,
the rules' outcomes); the ids of excluded members only on request (they are personal data).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from fairfollow.law.rules import Decision
from fairfollow.release.budget import Budget
from fairfollow.release.figures import ExactFigures, ReleasedFigures
from fairfollow.release.refusal import Refusal, blocking_rules, refusal_of
from fairfollow.tlog.receipt import FILE_SUFFIX


@dataclass(frozen=True)
class ReleaseRecord:
    """A release (or refusal) as the employer receives it: noised figures, the accuracy (or
    the reason) in words, the ε spent and left, the citations of a refusal — nothing about
    any person. One record, one serialisation (:meth:`as_json`) for the CLI and the API."""

    release_id: str
    employer: str
    service: str
    season: int
    at: datetime
    released: bool
    reason: str
    log_index: int | None
    figures: ReleasedFigures | None
    epsilon_spent: float
    epsilon_remaining: float | None  # None: not known (a past release read from the log)
    words: dict[str, str]  # the accuracy or the refusal in ja and en: the adapters' words
    citations: tuple[str, ...]  # the refusal's citations (none for a release)
    refusal: Refusal | None = None  # why not, as a code and its values
    repeated: bool = False  # an identical earlier request's release, returned at no ε

    def with_words(self, words: dict[str, str]) -> ReleaseRecord:
        """The record with the words an adapter wrote (a refusal's, in each language)."""
        return replace(self, words=words)

    @property
    def decision_id(self) -> int:
        return int(self.release_id.removeprefix("dec-"))

    @property
    def receipt_name(self) -> str:
        return f"{self.release_id}{FILE_SUFFIX}"

    def as_json(self) -> dict[str, object]:
        return {
            "release_id": self.release_id,
            "employer": self.employer,
            "service": self.service,
            "season": self.season,
            "at": self.at.isoformat(),
            "released": self.released,
            "reason": self.reason,
            "log_index": self.log_index,
            "figures": None if self.figures is None else self.figures.as_json(),
            "epsilon_spent": self.epsilon_spent,
            "epsilon_remaining": self.epsilon_remaining,
            "words": dict(self.words),
            "citations": list(self.citations),
            "refusal": None
            if self.refusal is None
            else {"code": self.refusal.code, "params": dict(self.refusal.params)},
            "repeated": self.repeated,
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
    repeated: bool = False  # an earlier identical release, returned as it is (no ε spent)

    @property
    def release_id(self) -> str:
        return f"dec-{self.decision_id}"

    @property
    def epsilon_spent(self) -> float:
        """What this answer spent: nothing for a refusal or a repeated release."""
        if self.repeated or self.figures is None:
            return 0.0
        return self.figures.epsilon

    @property
    def citations(self) -> tuple[str, ...]:
        return () if self.decision is None else self.decision.citations

    def record(self) -> ReleaseRecord:
        """What goes to the employer (a refusal says only that, why, and the citations)."""
        figures = self.figures
        return ReleaseRecord(
            release_id=self.release_id,
            employer=self.employer,
            service=self.service_id,
            season=self.season,
            at=self.at,
            released=self.released,
            reason=self.reason,
            log_index=self.log_index,
            figures=figures,
            epsilon_spent=self.epsilon_spent,
            epsilon_remaining=None if self.budget is None else self.budget.remaining,
            words={},  # the adapters' (messages.refusal.worded): the core writes no sentence
            citations=() if self.released else self.citations,
            refusal=None
            if self.released
            else refusal_of(self.reason, blocking_rules(self.decision), self.budget),
            repeated=self.repeated,
        )

    def employer_view(self) -> dict[str, object]:
        """The employer's record, serialised (:meth:`ReleaseRecord.as_json`)."""
        return self.record().as_json()

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
