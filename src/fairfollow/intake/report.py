"""What an intake reports, in two views: the employer's and the platform's.

The **employer's** view (:meth:`IntakeReport.employer_view`, and the ``intake`` command's
default output) shows only what the employer itself sent: rows read and accepted, rows
rejected for its own data errors with line and rule, the repairs made and the columns
ignored. The match and consent figures are the **platform's** (:meth:`IntakeReport.as_json`,
``intake --internal``): shown per upload they would tell the employer which applicants
consented — a one-applicant list would be an exact oracle, with no noise at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from fairfollow.employers.file import Repair
from fairfollow.intake.pool_store import QuarantinedLine


@dataclass(frozen=True)
class IntakeReport:
    intake_id: int
    confirmation_id: int
    employer: str
    season: int
    file_name: str
    encoding: str
    keyed_by: str
    rows_read: int
    rows_accepted: int
    quarantined_by_rule: Mapping[str, int]
    quarantined_lines: tuple[QuarantinedLine, ...]
    matched: int
    unmatched_by_reason: Mapping[str, int]
    refused_by_reason: Mapping[str, int]
    offers: int
    ignored_columns: tuple[str, ...]
    repairs: tuple[Repair, ...] = ()

    @property
    def rows_quarantined(self) -> int:
        return sum(self.quarantined_by_rule.values())

    @property
    def repairs_by_kind(self) -> dict[str, int]:
        return dict(sorted(Counter(r.kind for r in self.repairs).items()))

    def employer_view(self) -> dict[str, object]:
        """What the employer may see: only what it sent (no match or consent figure)."""
        return {
            "intake_id": self.intake_id,
            "confirmation_id": self.confirmation_id,
            "employer": self.employer,
            "season": self.season,
            "file": self.file_name,
            "encoding": self.encoding,
            "keyed_by": self.keyed_by,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "quarantined_by_rule": dict(self.quarantined_by_rule),
            "quarantined": [
                {"line": q.line, "column": q.column, "rule": q.rule} for q in self.quarantined_lines
            ],
            "repairs_by_kind": self.repairs_by_kind,
            "repairs": [{"line": r.line, "column": r.column, "kind": r.kind} for r in self.repairs],
            "ignored_columns": list(self.ignored_columns),
        }

    def as_json(self) -> dict[str, object]:
        """The platform's record: the employer's view and the match and consent figures."""
        return {
            **self.employer_view(),
            "matched": self.matched,
            "unmatched_by_reason": dict(self.unmatched_by_reason),
            "refused_by_reason": dict(self.refused_by_reason),
            "offers_in_pool": self.offers,
        }
