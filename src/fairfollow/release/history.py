"""An employer's past releases, as the employer may see them, and each one's log receipt.

Every forecast the door released or refused for an employer is a decision row and a leaf
of the transparency log. :func:`past_releases` reads them back for that employer only and
shows what the *leaf* says — the noised figures, the ε spent, the reason of a refusal — and
never the decision's internal detail (exact figures, counts of excluded members).
:func:`release_receipt` issues the C2SP ``tlog-proof`` receipt of one of them, which
``fairfollow log verify-receipt`` (or the portal's page script) checks offline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from fairfollow.errors import InputError
from fairfollow.ledger.transaction import Connection
from fairfollow.records import decision_store
from fairfollow.release.door import RELEASE_FORECAST
from fairfollow.release.figures import ReleasedFigures
from fairfollow.release.refusal import BlockingRule, Refusal, refusal_of
from fairfollow.release.view import ReleaseRecord
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.receipt import FILE_SUFFIX, Receipt, issue_receipt
from fairfollow.tlog.record import decode_leaf

RELEASE_KINDS = ("release", "release-refusal")


@dataclass(frozen=True)
class PastRelease:
    """One forecast request of the employer: released (with figures) or refused (why)."""

    decision_id: int
    at: datetime
    season: int
    service_id: str
    released: bool
    reason: str
    log_index: int | None
    figures: ReleasedFigures | None
    words: dict[str, str]  # the accuracy in ja and en (empty for a refusal)
    citations: tuple[str, ...] = ()  # the blocking rules' citations of a refusal
    refusal: Refusal | None = None  # why not, for the adapter to word

    @property
    def release_id(self) -> str:
        return f"dec-{self.decision_id}"

    @property
    def receipt_name(self) -> str:
        return f"{self.release_id}{FILE_SUFFIX}"

    @property
    def epsilon_spent(self) -> float:
        return 0.0 if self.figures is None else self.figures.epsilon

    def record(self, employer: str) -> ReleaseRecord:
        """The same record a fresh release gives, as the log holds it (the ε left then is
        not kept, and the citations are the blocking rules' of the stored decision)."""
        return ReleaseRecord(
            release_id=self.release_id,
            employer=employer,
            service=self.service_id,
            season=self.season,
            at=self.at,
            released=self.released,
            reason=self.reason,
            log_index=self.log_index,
            figures=self.figures,
            epsilon_spent=self.epsilon_spent,
            epsilon_remaining=None,
            words=self.words,
            citations=self.citations,
            refusal=self.refusal,
        )


def figures_of(body: object) -> ReleasedFigures | None:
    """The released figures a leaf body states (None for a refusal's leaf)."""
    if not isinstance(body, dict):
        return None
    found = body.get("figures")
    if not isinstance(found, dict):
        return None
    low, high = found["forecast_interval"]
    low80, high80 = found["interval_80"]
    return ReleasedFigures(
        pool_offers=int(found["pool_offers"]),
        expected_acceptances=float(found["expected_acceptances"]),
        forecast_interval=(int(low), int(high)),
        interval_80=(int(low80), int(high80)),
        interval_level=float(found["interval_level"]),
        typical_error=float(found["typical_error"]),
        noise_scale=float(found["noise_scale"]),
        noise_bound=float(found["noise_bound"]),
        noise_confidence=float(found["noise_confidence"]),
        epsilon=float(found["epsilon"]),
    )


def _blocking(rules: str) -> tuple[BlockingRule, ...]:
    """The denying (else undecided) rules of a stored decision's rule outcomes."""
    try:
        results = json.loads(rules or "{}").get("rules", [])
    except (ValueError, AttributeError):
        return ()
    for outcome in ("deny", "gap"):
        found = [r for r in results if isinstance(r, dict) and r.get("outcome") == outcome]
        if found:
            return tuple(
                BlockingRule(str(r["summary_en"]), str(r["summary_ja"]), str(r["citation"]))
                for r in found
            )
    return ()


def _leaf_of(conn: Connection, decision_id: int) -> log_store.StoredLeaf | None:
    for kind in RELEASE_KINDS:
        leaf = log_store.find_leaf(conn, kind, f"dec-{decision_id}")
        if leaf is not None:
            return leaf
    return None


def past_releases(conn: Connection, employer: str) -> list[PastRelease]:
    """The employer's forecast requests, newest first, as the employer may see them."""
    found: list[PastRelease] = []
    for decision in decision_store.load_decisions(
        conn, employer=employer, request=RELEASE_FORECAST
    ):
        leaf = _leaf_of(conn, decision.decision_id)
        body = None if leaf is None else decode_leaf(leaf.content).record.body
        figures = figures_of(dict(body) if body is not None else None)
        released = figures is not None
        blocking = () if figures is not None else _blocking(decision.rules)
        words: dict[str, str] = {}  # the adapters word it (messages.refusal.worded)
        found.append(
            PastRelease(
                decision_id=decision.decision_id,
                at=decision.at,
                season=int(decision.season or 0),
                service_id=decision.service_id or "",
                released=released,
                reason=decision.reason,
                log_index=None if leaf is None else leaf.index,
                figures=figures,
                words=words,
                citations=tuple(b.citation for b in blocking),
                refusal=None if released else refusal_of(decision.reason, blocking),
            )
        )
    return sorted(found, key=lambda r: r.decision_id, reverse=True)


def release_receipt(
    conn: Connection, employer: str, decision_id: int, publisher: LogPublisher, now: datetime
) -> Receipt:
    """The receipt of one of the employer's own releases (another's is unknown to it)."""
    owned = {
        d.decision_id
        for d in decision_store.load_decisions(conn, employer=employer, request=RELEASE_FORECAST)
    }
    leaf = _leaf_of(conn, decision_id) if decision_id in owned else None
    if leaf is None:
        raise InputError("release.not_your_release", release=f"dec-{decision_id}")
    return issue_receipt(conn, leaf.index, publisher, now)
