"""The end-to-end demo behind ``make demo``: each step makes one core call and renders it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fairfollow import event_store
from fairfollow.simulator import SimulationConfig, simulate
from fairfollow.terminal import console, progress, table
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class SeasonIngestReport:
    """What ``fairfollow ingest`` did: the analytics store's part (and the ledger's)."""

    events: event_store.IngestSummary

    def as_json(self) -> dict[str, object]:
        return {"analytics": self.events.as_dict()}


def ingest_season(
    workspace: Workspace, season_dir: Path, *, quiet: bool = False
) -> SeasonIngestReport:
    with progress(quiet=quiet) as bar:
        task = bar.add_task("ingesting", total=None)

        def advance(step: event_store.IngestProgress) -> None:
            bar.update(
                task, description=f"ingest {step.table}", completed=step.done, total=step.total
            )

        events = event_store.ingest(workspace, season_dir, on_progress=advance)
    return SeasonIngestReport(events=events)


def render_ingest(report: SeasonIngestReport) -> None:
    summary = report.events
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


def run_demo(workspace: Workspace, config: SimulationConfig) -> None:
    from fairfollow.season_cli import render_simulation

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
    console.rule("[bold]2. Ingest the raw logs")
    render_ingest(ingest_season(workspace, config.out))
    render_store(workspace)
