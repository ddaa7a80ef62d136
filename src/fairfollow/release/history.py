"""An employer's past releases, as the employer may see them, and each one's log receipt.

Every forecast the door released or refused for an employer is a decision row and a leaf
of the transparency log. :func:`past_releases` reads them back for that employer only and
shows the released figures — the noised forecast, its intervals, the ε spent — or the reason
of a refusal, never the decision's internal detail (exact figures, counts of excluded
members). The public leaf carries only a commitment to the figures (release/leaf.py); the
figures shown come from the opening kept with the decision, checked against that
commitment, so what the employer reads is what the log committed to.
:func:`opening_of` gives the opening itself, to the employer or to oversight.
:func:`release_receipt` issues the C2SP ``tlog-proof`` receipt of one of them, which
``fairfollow log verify-receipt`` (or the portal's page script) checks offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fairfollow.errors import InputError, TransparencyLogError
from fairfollow.ledger.transaction import Connection
from fairfollow.records import decision_store
from fairfollow.release.budget_store import budget
from fairfollow.release.door import RELEASE_FORECAST, ReleaseRequest
from fairfollow.release.figures import ReleasedFigures
from fairfollow.release.leaf import FiguresOpening, opening_of_detail
from fairfollow.release.refusal import BlockingRule, Refusal, budget_refusal, refusal_of
from fairfollow.release.view import ReleaseOutcome, ReleaseRecord
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.receipt import FILE_SUFFIX, Receipt, issue_receipt
from fairfollow.tlog.record import LeafKind, decode_leaf

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


def figures_of(found: object) -> ReleasedFigures | None:
    """The released figures of an opening (:attr:`FiguresOpening.figures`)."""
    if not isinstance(found, Mapping):
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


def _checked_opening(
    decision: decision_store.DecisionRecord, leaf: log_store.StoredLeaf | None
) -> FiguresOpening | None:
    """The opening of a released decision, checked against its leaf's commitment (None for
    a refusal); a stored opening the leaf does not commit to is refused, never shown."""
    if leaf is None or leaf.kind != LeafKind.RELEASE:
        return None
    body = decode_leaf(leaf.content).record.body
    opening = opening_of_detail(_detail(decision.detail))
    if opening is None or not opening.opens(body.get("figures_commitment")):
        raise TransparencyLogError(
            "workspace_guard.opening_broken", release=f"dec-{decision.decision_id}"
        )
    return opening


def _detail(text: str) -> dict[str, object]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


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


def _past_refusal(
    decision: decision_store.DecisionRecord, blocking: tuple[BlockingRule, ...]
) -> Refusal:
    """A stored refusal's code; a budget refusal says, from what the door kept, whether the
    budget was used up or the request asked for more than remained (and how much did)."""
    detail = _detail(decision.detail)
    remaining, cap = detail.get("remaining"), detail.get("cap")
    if decision.reason == "budget_exhausted" and isinstance(remaining, int | float):
        return budget_refusal(float(cap) if isinstance(cap, int | float) else 0.0, remaining)
    return refusal_of(decision.reason, blocking)


def past_releases(conn: Connection, employer: str) -> list[PastRelease]:
    """The employer's forecast requests, newest first, as the employer may see them."""
    found: list[PastRelease] = []
    for decision in decision_store.load_decisions(
        conn, employer=employer, request=RELEASE_FORECAST
    ):
        leaf = _leaf_of(conn, decision.decision_id)
        opening = _checked_opening(decision, leaf)
        figures = None if opening is None else figures_of(opening.figures)
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
                refusal=None if released else _past_refusal(decision, blocking),
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


@dataclass(frozen=True)
class ReleaseOpening:
    """The figures behind one release's public commitment, and what checks them."""

    decision_id: int
    employer: str
    service_id: str
    season: int
    at: datetime
    log_index: int
    opening: FiguresOpening

    def as_json(self) -> dict[str, object]:
        return {
            "release": f"dec-{self.decision_id}",
            "employer": self.employer,
            "service": self.service_id,
            "season": self.season,
            "at": self.at.isoformat(),
            "log_index": self.log_index,
            **self.opening.as_json(),
            "figures_commitment": self.opening.commitment(),
        }


def opening_of(conn: Connection, decision_id: int, employer: str | None) -> ReleaseOpening:
    """The opening of a released forecast: an employer's own only (``employer``), any for
    oversight (None). Another employer's release is refused as if it were not there."""
    found = [
        d
        for d in decision_store.load_decisions(conn, request=RELEASE_FORECAST)
        if d.decision_id == decision_id
    ]
    leaf = _leaf_of(conn, decision_id) if found else None
    if not found or leaf is None or leaf.kind != LeafKind.RELEASE:
        raise InputError("workspace_guard.opening_unknown", release=f"dec-{decision_id}")
    decision = found[0]
    if employer is not None and decision.employer != employer:
        raise InputError("workspace_guard.opening_unknown", release=f"dec-{decision_id}")
    opening = _checked_opening(decision, leaf)
    assert opening is not None  # a release leaf: an opening or the refusal above
    return ReleaseOpening(
        decision_id,
        decision.employer or "",
        decision.service_id or "",
        int(decision.season or 0),
        decision.at,
        leaf.index,
        opening,
    )


def _same_ask(decision: decision_store.DecisionRecord, request: ReleaseRequest) -> bool:
    detail = _detail(decision.detail)
    released = detail.get("released")
    epsilon = released.get("epsilon") if isinstance(released, dict) else None
    return (
        decision.outcome == "allow"
        and detail.get("product", "forecast") == "forecast"  # a planning kind is not a repeat
        and decision.service_id == request.service_id
        and decision.season == request.season
        and detail.get("snapshot") == request.snapshot
        and isinstance(epsilon, int | float)
        and abs(float(epsilon) - request.epsilon) <= 1e-12
    )


def repeat_of(conn: Connection, request: ReleaseRequest) -> ReleaseOutcome | None:
    """The release an identical earlier request got — same employer, service, season, ε and
    snapshot (model, data, pool, service version) — as it was, marked repeated; None when
    there is none (or the caller fingerprinted nothing)."""
    if not request.snapshot:
        return None
    found = [
        d
        for d in decision_store.load_decisions(
            conn, employer=request.employer, request=RELEASE_FORECAST
        )
        if _same_ask(d, request)
    ]
    if not found:
        return None
    earlier = max(found, key=lambda d: d.decision_id)
    leaf = _leaf_of(conn, earlier.decision_id)
    # The leaf commits to the figures; the opening kept with the decision is checked
    # against that commitment before the same figures are handed over again.
    opening = _checked_opening(earlier, leaf)
    figures = None if opening is None else figures_of(opening.figures)
    if leaf is None or figures is None:  # a release always has its leaf: never guess
        return None
    return ReleaseOutcome(
        request=RELEASE_FORECAST,
        employer=request.employer,
        service_id=request.service_id,
        season=request.season,
        at=earlier.at,
        released=True,
        reason="released",
        decision_id=earlier.decision_id,
        log_index=leaf.index,
        decision=None,
        budget=budget(conn, request.employer, request.season),
        figures=figures,
        repeated=True,
    )
