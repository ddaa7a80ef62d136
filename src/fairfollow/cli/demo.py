"""The end-to-end demo behind ``make demo``: each step makes one core call and renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fairfollow.cli.consent import render_demo
from fairfollow.cli.consent import render_ingest as render_consent_ingest
from fairfollow.cli.log import publish_receipt
from fairfollow.cli.terminal import console, progress, table
from fairfollow.consent.coverage import coverage
from fairfollow.consent.ingest import ConsentIngestSummary, ingest_consent_logs
from fairfollow.events import store as event_store
from fairfollow.ledger.engine import open_ledger
from fairfollow.scenarios.consent_demo import (
    ConsentDemo,
    forecast_date,
    forecast_purpose,
    rehearse_revision,
)
from fairfollow.season.simulator import SimulationConfig, simulate
from fairfollow.tlog import store as log_store
from fairfollow.tlog.keys import load_or_create_signer
from fairfollow.tlog.receipt import issue_receipt
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class SeasonIngestReport:
    """What ``fairfollow ingest`` did: the analytics store's part and the consent ledger's."""

    events: event_store.IngestSummary
    consent: ConsentIngestSummary

    def as_json(self) -> dict[str, object]:
        consent = {**self.consent.__dict__, "quarantined": dict(self.consent.quarantined)}
        return {"analytics": self.events.as_dict(), "consent_ledger": consent}


def ingest_season(
    workspace: Workspace, season_dir: Path, *, now: datetime, quiet: bool = False
) -> SeasonIngestReport:
    """Raw platform logs into the analytics store, consent logs into the ledger."""
    with progress(quiet=quiet) as bar:
        task = bar.add_task("ingesting", total=None)

        def advance(step: event_store.IngestProgress) -> None:
            bar.update(
                task, description=f"ingest {step.table}", completed=step.done, total=step.total
            )

        events = event_store.ingest(workspace, season_dir, on_progress=advance, now=now)
        bar.update(task, description="consent ledger", completed=None, total=None)
        engine = open_ledger(workspace.ledger_url)
        try:
            consent = ingest_consent_logs(engine, season_dir, now=now)
        finally:
            engine.dispose()
    return SeasonIngestReport(events=events, consent=consent)


def render_ingest(report: SeasonIngestReport) -> None:
    summary = report.events
    render_consent_ingest(report.consent)
    console.print(
        table(
            f"Ingest batch {summary.batch_id} ({summary.elapsed_s:.1f} s; "
            f"{len(summary.files_ingested)} files ingested, {len(summary.files_skipped)} skipped)",
            ["table", "accepted", "quarantined"],
            [(name, c.accepted, c.quarantined) for name, c in summary.tables.items()],
        )
    )
    if summary.quarantined_by_reason:
        console.print(
            table(
                "Quarantined rows by reason",
                ["reason", "rows"],
                sorted(summary.quarantined_by_reason.items()),
            )
        )


def render_store(workspace: Workspace) -> None:
    summary = event_store.store_summary(workspace)
    rows: list[tuple[str, object]] = [
        *((f"students (season {s})", n) for s, n in summary.students_by_season.items()),
        *((f"events: {t}", n) for t, n in summary.events_by_type.items()),
        ("partner-site events", summary.partner_events),
        *((f"quarantined: {r}", n) for r, n in summary.quarantined_by_reason.items()),
    ]
    console.print(table("Analytics store", ["what", "rows"], rows))


def run_demo(workspace: Workspace, config: SimulationConfig, *, now: datetime) -> bool:
    """Simulate → ingest → consent coverage → model → replay with releases → log receipt.
    Returns whether the final release receipt verified."""
    from fairfollow.cli.governance import replay_demo
    from fairfollow.cli.model import run_model_demo
    from fairfollow.cli.season import render_simulation

    console.rule("[bold]1. Simulate two hiring seasons")
    with progress() as bar:
        task = bar.add_task("simulating", total=None)
        result = simulate(
            config,
            lambda step, done, total: bar.update(
                task, description=step, completed=done, total=total
            ),
        )
    render_simulation(result)
    console.rule("[bold]2. Ingest the raw logs (analytics store and consent ledger)")
    report = ingest_season(workspace, config.out, now=now)
    render_ingest(report)
    render_store(workspace)
    console.rule("[bold]Consent coverage for the forecast purpose, and the activation gate")
    engine = open_ledger(workspace.ledger_url)
    try:
        with engine.connect() as conn:
            covered = coverage(conn, forecast_purpose(config.out), forecast_date(config.out))
        activation = rehearse_revision(engine, now=now)
    finally:
        engine.dispose()
    render_demo(ConsentDemo(report.consent, covered, activation))
    run_model_demo(workspace, config.out, seed=config.seed)
    console.rule("[bold]8. Replay of the 2019 case through the release door")
    replay = replay_demo(workspace, config.out)
    return release_receipt_demo(Workspace(replay.workspace), now)


def release_receipt_demo(replay_workspace: Workspace, now: datetime) -> bool:
    """The last step of the demo: the replay's latest signed checkpoint, and the receipt of
    its last release decision, written to a file and verified offline."""
    signer = load_or_create_signer(replay_workspace.keys_dir)
    engine = open_ledger(replay_workspace.ledger_url)
    try:
        with engine.begin() as conn:
            size = log_store.tree_size(conn)
            if size == 0:
                console.print("[red]the replay logged nothing: no receipt to verify")
                return False
            receipt = issue_receipt(conn, size - 1, signer, now)
    finally:
        engine.dispose()
    return publish_receipt(replay_workspace, receipt, size - 1, signer).check.valid
