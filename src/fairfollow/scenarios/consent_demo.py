"""The consent part of the demo: coverage for the forecast purpose, and the gate at work.

On a simulated season with defects (a) and (b) the coverage report finds the members whose
consent to the employer forecast is missing (never asked again after the revision) or
void (granted on the entry-form screen that still displayed the old policy). Then a
privacy officer rehearses the next revision: it is approved and deployed wherever the
current version is displayed, and its activation is refused because the lagging screen
would still display the old text: the check that was missing in 2019.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fairfollow.actor import DEMO
from fairfollow.consent import activation_store, policy_store
from fairfollow.consent.coverage import CoverageReport, coverage
from fairfollow.consent.ingest import ConsentIngestSummary, ingest_consent_logs
from fairfollow.consent.policy import ActivationDecision, PolicyStatus, PolicyVersion, StatusEvent
from fairfollow.errors import InputError, SchemaError
from fairfollow.ledger.transaction import Engine, reading, transaction

FORECAST_PURPOSE = "employer_forecast"
DEMO_OFFICER = DEMO  # the demo acts as its own privacy officer


@dataclass(frozen=True)
class ConsentDemo:
    ingest: ConsentIngestSummary
    coverage: CoverageReport
    activation: ActivationDecision


def forecast_date(season_dir: Path) -> datetime:
    """The current season's forecast date from ``manifest.json``."""
    try:
        manifest = json.loads((season_dir / "manifest.json").read_text(encoding="utf-8"))
        current = max(manifest["seasons"], key=lambda s: int(s["season"]))
        return datetime.fromisoformat(current["forecast_date"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemaError(
            "scenarios.forecast_date_missing", path=str(season_dir / "manifest.json")
        ) from exc


def forecast_purpose(season_dir: Path) -> str:
    """The purpose the employer forecast relies on, as ``raw/policies.json`` names it."""
    try:
        document = json.loads((season_dir / "raw/policies.json").read_text(encoding="utf-8"))
        keys = [p["key"] for p in document["purposes"]]
        external = [p["key"] for p in document["purposes"] if p["recipient_class"] != "member"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemaError(
            "scenarios.policies_unreadable", path=str(season_dir / "raw/policies.json")
        ) from exc
    if FORECAST_PURPOSE in keys:
        return FORECAST_PURPOSE
    if not external:
        raise InputError("scenarios.no_external_purpose")
    return str(external[-1])


def rehearse_revision(engine: Engine, *, now: datetime) -> ActivationDecision:
    """Draft, approve and deploy a revision of the active version wherever that version is
    displayed, then ask the gate to activate it (not forced)."""
    with transaction(engine) as conn:
        active = [v for v, s in policy_store.statuses(conn).items() if s is PolicyStatus.ACTIVE]
        if not active:
            raise InputError("scenarios.no_active_policy")
        current = policy_store.load_versions(conn)[active[0]]
        revision_id = f"{current.version_id}.1"
        if revision_id not in policy_store.load_versions(conn):
            revision = PolicyVersion(
                revision_id,
                now,
                current.purposes,
                current.text_ja + "（文言修正）",
                current.text_en + " (wording revised)",
            )
            policy_store.add_version(conn, revision, at=now, actor=DEMO_OFFICER)
            policy_store.set_status(
                conn, StatusEvent(revision_id, PolicyStatus.APPROVED, now, DEMO_OFFICER)
            )
            shown = policy_store.displayed_now(conn, now)
            for screen, version in sorted(shown.items()):
                if version == current.version_id:
                    policy_store.deploy(conn, screen, revision_id, now)
    with transaction(engine) as conn:
        return activation_store.activate(conn, revision_id, at=now, actor=DEMO_OFFICER)


def consent_demo(engine: Engine, season_dir: Path, *, key: bytes, now: datetime) -> ConsentDemo:
    """Ingest the season's consent logs, report coverage, rehearse the next revision.

    ``key`` is the workspace's matching key (it hashes the quarantined rows' member ids)."""
    summary = ingest_consent_logs(engine, season_dir, key=key, now=now)
    with reading(engine, "consent demo") as conn:
        report = coverage(conn, forecast_purpose(season_dir), forecast_date(season_dir))
    return ConsentDemo(summary, report, rehearse_revision(engine, now=now))
