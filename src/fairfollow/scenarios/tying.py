"""A variant of the replay: the 2019 registration screen with the employer purpose tied to
registering, in a fresh workspace. The activation gate must refuse the version, with its
citations (ESA Art. 5-5(1), the labour ministry's 2019 guidance, GDPR Art. 7(4)), even
when the privacy officer tries to force it.

The season's consent log is loaded as the replay loads it; then a revision of the policy
(``v2-tied``: the same purposes) is approved and deployed to every screen, and the PC
registration screen's deployment requires consent to the employer forecast before a student
can register — the near-mandatory site's "agree or leave". Both attempts are recorded as
refused decisions of the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fairfollow.actor import REPLAY
from fairfollow.consent import activation_store, policy_store, tying_store
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.consent.policy import (
    ActivationDecision,
    PolicyStatus,
    PolicyVersion,
    StatusEvent,
)
from fairfollow.intake.desk import matching_key
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.engine import create_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.scenarios.replay import _forecast_instant
from fairfollow.workspace import Workspace

TIED_VERSION = "v2-tied"
TIED_SCREEN = "pc_registration"


@dataclass(frozen=True)
class TiedRegistrationReport:
    workspace: Path
    decision: ActivationDecision  # the gate, asked plainly
    forced: ActivationDecision  # the gate, asked to force it

    def as_json(self) -> dict[str, object]:
        def one(d: ActivationDecision) -> dict[str, object]:
            return {
                "version": d.version_id,
                "outcome": d.outcome.value,
                "reasons": [str(r) for r in d.reasons],
                "tied": [[p.purpose_key, p.screen_id] for p in d.tied],
                "citation": d.citation,
            }

        return {
            "workspace": str(self.workspace),
            "decision": one(self.decision),
            "forced": one(self.forced),
            "refused": not (self.decision.allowed or self.forced.allowed),
        }


def replay_tied_registration(
    season_dir: Path, workspace: Workspace, *, season: int = 2020
) -> TiedRegistrationReport:
    """Load the season's consent log into ``workspace`` (fresh) and ask the gate to let a
    tied registration screen go live, plainly and forced."""
    workspace.ensure()
    at = _forecast_instant(season_dir, season)
    engine = create_ledger(workspace.ledger_url)
    try:
        ingest_consent_logs(engine, season_dir, key=matching_key(workspace.keys_dir), now=at)
        with transaction(engine, "tied registration") as conn:
            versions = policy_store.load_versions(conn)
            latest = max(versions.values(), key=lambda v: v.effective_at)
            tied = PolicyVersion(
                TIED_VERSION,
                at,
                latest.purposes,
                latest.text_ja + "（会員登録には企業向け予測への同意が必要）",
                latest.text_en + " (registering requires consent to employer forecasts)",
            )
            policy_store.add_version(conn, tied, at=at, actor=REPLAY)
            approved = StatusEvent(TIED_VERSION, PolicyStatus.APPROVED, at, REPLAY)
            policy_store.set_status(conn, approved)
            for screen in sorted(policy_store.displayed_now(conn, at)):
                policy_store.deploy(conn, screen, TIED_VERSION, at)
            tying_store.require_at_registration(
                conn, TIED_VERSION, PurposeKey.EMPLOYER_FORECAST, at, screen_id=TIED_SCREEN
            )
            plain = activation_store.activate(conn, TIED_VERSION, at=at, actor=REPLAY)
            forced = activation_store.activate(
                conn, TIED_VERSION, at=at, actor=REPLAY, force=True, reason="season opens"
            )
    finally:
        engine.dispose()
    return TiedRegistrationReport(workspace.root, plain, forced)
