"""What becomes of each row of an employer list once matched: matched, refused or unmatched
(pure: values in, a typed classification out).

- **unmatched**: no single member (the matcher's reason), or a member matched by more than
  one row of the list (``several_rows_one_member``): an ambiguity, never a silent
  many-to-one match — every such row is kept out and its member not recorded (a list of
  near-copies of one applicant, found each time by the kana name with the birth date, is
  the case this stops);
- **matched**: the member's consent covers combining the list with browsing data (APPI
  Art. 27(5)(i), PPC FAQ Q7-42), with how the member was found as reason;
- **refused**: identified, but consent does not cover the combination
  (``no_combination_consent``): the offer stays in the pool, forecast from the base rate only.

Every row is counted, with or without an offer; only rows with an offer date become offers.
Reading the file, the keys and the ledger is the caller's business
(:mod:`fairfollow.intake.desk`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from enum import Enum

SEVERAL_ROWS = "several_rows_one_member"
NO_COMBINATION_CONSENT = "no_combination_consent"


class Status(Enum):
    """A row's outcome; the values are those the pool store keeps."""

    MATCHED = "matched"
    REFUSED = "refused"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class MatchedRow:
    """One accepted row of the list and the matcher's answer for it."""

    line: int
    applicant_id: str
    offer_date: date | None
    member_id: int | None  # None when the matcher found no single member
    how: str  # how the member was found, or why not


@dataclass(frozen=True)
class RowVerdict:
    """The classification of one row."""

    line: int
    applicant_id: str
    offer_date: date | None
    member_id: int | None
    status: Status
    reason: str


@dataclass(frozen=True)
class Classification:
    """Every row's verdict, in the order of the list."""

    verdicts: tuple[RowVerdict, ...]

    @property
    def offers(self) -> tuple[RowVerdict, ...]:
        """The rows with an offer date: these join the employer's pool."""
        return tuple(v for v in self.verdicts if v.offer_date is not None)

    def by_reason(self, status: Status) -> dict[str, int]:
        """How many rows got ``status``, by reason, reasons sorted."""
        counts = Counter(v.reason for v in self.verdicts if v.status is status)
        return dict(sorted(counts.items()))

    @property
    def matched(self) -> int:
        return sum(1 for v in self.verdicts if v.status is Status.MATCHED)

    @property
    def matched_by(self) -> dict[str, int]:
        return self.by_reason(Status.MATCHED)

    @property
    def unmatched_by_reason(self) -> dict[str, int]:
        return self.by_reason(Status.UNMATCHED)

    @property
    def refused_by_reason(self) -> dict[str, int]:
        return self.by_reason(Status.REFUSED)

    def report(self, quarantined_by_rule: Mapping[str, int]) -> dict[str, object]:
        """The match report kept with the intake and its decision (this key order is the
        stored JSON's)."""
        return {
            "matched": self.matched,
            "matched_by": self.matched_by,
            "unmatched_by_reason": self.unmatched_by_reason,
            "refused_by_reason": self.refused_by_reason,
            "quarantined_by_rule": dict(quarantined_by_rule),
        }


def classify(rows: Sequence[MatchedRow], covered: Set[int]) -> Classification:
    """Classify ``rows`` given the members whose consent ``covered`` the combination."""
    verdicts: list[RowVerdict] = []
    rows_of = Counter(row.member_id for row in rows if row.member_id is not None)
    for row in rows:
        member = row.member_id
        if member is None:
            status, reason = Status.UNMATCHED, row.how
        elif rows_of[member] > 1:
            status, reason, member = Status.UNMATCHED, SEVERAL_ROWS, None
        elif member in covered:
            status, reason = Status.MATCHED, row.how
        else:  # identified, but consent does not cover combining: base rate only
            status, reason = Status.REFUSED, NO_COMBINATION_CONSENT
        verdicts.append(
            RowVerdict(row.line, row.applicant_id, row.offer_date, member, status, reason)
        )
    return Classification(tuple(verdicts))
