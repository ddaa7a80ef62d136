"""Consent coverage: how many members may be used for a purpose at an instant, and why not.

The verdicts come from :mod:`fairfollow.consent.coverage_store` (one SQL statement on either
backend); this module counts them by reason, names the screens responsible and lists the
affected member ids for the operator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fairfollow.consent.coverage_store import lacking, reason_counts, valid_members, verdicts
from fairfollow.consent.validity import REASON_INFO, Reason
from fairfollow.csv_export import write_csv
from fairfollow.instants import utc
from fairfollow.ledger.transaction import Connection, Engine, reading

# The verdict queries, for callers that read coverage through this module.
__all__ = [
    "CoverageReport",
    "ScreenCount",
    "consented_members",
    "coverage",
    "reason_counts",
    "valid_members",
    "verdicts",
    "write_ids",
]


@dataclass(frozen=True)
class ScreenCount:
    """Members lacking valid consent because of decisions made on one screen."""

    reason: Reason
    screen_id: str
    version_shown: str | None
    members: int


@dataclass(frozen=True)
class CoverageReport:
    purpose_key: str
    at: datetime
    counts: Mapping[Reason, int]
    screens: tuple[ScreenCount, ...]
    # Members lacking valid consent, by reason (sorted ids); valid members are not listed.
    member_ids: Mapping[Reason, tuple[int, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def lacking(self) -> tuple[int, ...]:
        return tuple(sorted(m for ids in self.member_ids.values() for m in ids))

    def as_json(self, *, with_ids: bool) -> dict[str, object]:
        """Plain data for ``--json`` (ids only when asked: they can run to millions)."""
        payload: dict[str, object] = {
            "purpose": self.purpose_key,
            "as_of": self.at.isoformat(),
            "total": self.total,
            "counts": {r.value: self.counts.get(r, 0) for r in Reason},
            "labels": {r.value: REASON_INFO[r].label_en for r in Reason},
            "screens": [
                {
                    "reason": s.reason.value,
                    "screen_id": s.screen_id,
                    "version_shown": s.version_shown,
                    "members": s.members,
                }
                for s in self.screens
            ],
        }
        if with_ids:
            payload["member_ids"] = {r.value: list(ids) for r, ids in self.member_ids.items()}
        return payload


def coverage(conn: Connection, purpose_key: str, at: datetime) -> CoverageReport:
    """Counts by reason, the screens responsible and the ids of members lacking consent."""
    at = utc(at)
    population, rows = lacking(conn, purpose_key, at)
    ids: dict[Reason, list[int]] = {}
    per_screen: dict[tuple[Reason, str, str | None], int] = {}
    for row in rows:
        ids.setdefault(row.reason, []).append(row.member_id)
        if row.screen_id is not None:
            key = (row.reason, row.screen_id, row.version_shown)
            per_screen[key] = per_screen.get(key, 0) + 1
    counts = {r: len(ids.get(r, ())) for r in Reason}
    counts[Reason.VALID] = population - sum(counts.values())
    screens = tuple(
        ScreenCount(r, s, v, n)
        for (r, s, v), n in sorted(per_screen.items(), key=lambda kv: (-kv[1], kv[0][1]))
    )
    return CoverageReport(
        purpose_key,
        at,
        counts,
        screens,
        {r: tuple(sorted(v)) for r, v in ids.items()},
    )


def consented_members(engine: Engine) -> Callable[[str, datetime], frozenset[int]]:
    """The ledger's verdict as the feature build asks for it: ``(purpose, at)`` → the members
    whose consent for the purpose is valid at ``at`` (an unknown purpose is an error)."""

    def members(purpose_key: str, at: datetime) -> frozenset[int]:
        with reading(engine, "consent verdicts") as conn:
            return valid_members(conn, purpose_key, utc(at))

    return members


def write_ids(report: CoverageReport, path: Path) -> int:
    """Write ``member_id,reason`` lines for every member lacking consent; returns the count
    (through :func:`fairfollow.csv_export.write_csv`, like every CSV export)."""
    rows = sorted((m, r.value) for r, ids in report.member_ids.items() for m in ids)
    return write_csv(path, ["member_id", "reason"], rows)
