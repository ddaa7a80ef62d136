"""``ingest`` and the end-to-end ``demo`` behind ``make demo``: each step makes one core call
and renders it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.cli.consent import render_demo
from fairfollow.cli.consent import render_ingest as render_consent_ingest
from fairfollow.cli.context import JsonFlag, new_workspace_of
from fairfollow.cli.log import render_receipt_check
from fairfollow.cli.season import parse_defects, render_simulation
from fairfollow.cli.terminal import console, print_json, progress, table
from fairfollow.consent.coverage import coverage
from fairfollow.events import store as event_store
from fairfollow.events.engines import SparkValidation, ValidationEngine
from fairfollow.ledger.engine import workspace_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.model.engines import Engine
from fairfollow.scenarios.consent_demo import (
    ConsentDemo,
    forecast_date,
    forecast_purpose,
    rehearse_revision,
)
from fairfollow.season.config import SimulationConfig
from fairfollow.season.simulator import simulate
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.workspace import Workspace

if TYPE_CHECKING:
    from fairfollow.scenarios.replay import ReplayReport
    from fairfollow.usecases.log import ReceiptPublication
    from fairfollow.usecases.season import SeasonIngestReport


def ingest_with_progress(
    workspace: Workspace,
    season_dir: Path,
    *,
    now: datetime,
    quiet: bool = False,
    validation: ValidationEngine | None = None,
) -> SeasonIngestReport:
    """The shell's ingest (:func:`fairfollow.usecases.season.ingest_season`) with a
    progress bar."""
    from fairfollow.usecases.season import ingest_season

    with progress(quiet=quiet) as bar:
        task = bar.add_task("ingesting", total=None)
        return ingest_season(
            None, workspace, season_dir, local=True, now=now, validation=validation,
            on_progress=lambda step, done, total: bar.update(
                task, description=step, completed=done, total=total
            ),
        )  # fmt: skip


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


def replay_demo(workspace: Workspace, season_dir: Path) -> ReplayReport:
    """The governance part of ``make demo``: the replay, in a fresh workspace under the
    demo workspace's reports, rendered as tables."""
    from fairfollow.cli import governance_tables as render
    from fairfollow.scenarios.replay import replay

    target = render.fresh_dir(workspace.reports_dir / "replays")
    with progress() as bar:
        task = bar.add_task("replay of the 2019 case", total=None)
        report = replay(
            season_dir, Workspace(target), on_step=lambda s: bar.update(task, description=s)
        )
    render.replay(report, False)
    return report


def run_demo(workspace: Workspace, config: SimulationConfig, *, now: datetime) -> bool:
    """Simulate → ingest → consent coverage → model → replay with releases → log receipt.
    Returns whether the final release receipt verified."""
    from fairfollow.cli.model import ModelDemoTables
    from fairfollow.usecases.season import run_model_demo

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
    report = ingest_with_progress(workspace, config.out, now=now)
    render_ingest(report)
    render_store(workspace)
    console.rule("[bold]Consent coverage for the forecast purpose, and the activation gate")
    engine = workspace_ledger(workspace)
    try:
        with reading(engine, "run demo") as conn:
            covered = coverage(conn, forecast_purpose(config.out), forecast_date(config.out))
        activation = rehearse_revision(engine, now=now)
    finally:
        engine.dispose()
    render_demo(ConsentDemo(report.consent, covered, activation))
    run_model_demo(
        None, workspace, config.out, ModelDemoTables(), local=True, now=now, seed=config.seed
    )
    console.rule("[bold]8. Replay of the 2019 case through the release door")
    replay = replay_demo(workspace, config.out)
    return release_receipt_demo(Workspace(replay.workspace), now)


def release_receipt_demo(replay_workspace: Workspace, now: datetime) -> bool:
    """The last step of the demo: the replay's latest signed checkpoint, and the receipt of
    its last release decision, written to a file and verified offline."""
    from fairfollow.usecases.log import publish_receipt

    engine = workspace_ledger(replay_workspace)
    try:
        with reading(engine, "release receipt demo") as conn:
            size = log_store.tree_size(conn)
        if size == 0:
            console.print("[red]the replay logged nothing: no receipt to verify")
            return False
        publisher = LogPublisher.of_workspace(replay_workspace)
        published = publish_receipt(None, engine, replay_workspace, publisher, now, local=True)
    finally:
        engine.dispose()
    render_receipt_publication(published)
    return published.check.valid


def ingest_command(
    ctx: typer.Context,
    season_dir: Annotated[
        Path,
        typer.Argument(help="A directory written by `simulate`.", exists=True, file_okay=False),
    ],
    as_json: JsonFlag = False,
    engine: Annotated[
        Engine, typer.Option(help="Validate on duckdb (default) or spark.")
    ] = Engine.DUCKDB,
    spark_master: Annotated[str, typer.Option(help="Spark master URL.")] = "local[2]",
) -> None:
    """Load a season's raw logs into the workspace (validated, quarantined, idempotent)."""
    validation: ValidationEngine | None = None
    if engine is Engine.SPARK:
        from fairfollow.model.feature_source import spark_session

        validation = SparkValidation(spark_session(spark_master))
    workspace = new_workspace_of(ctx)
    report = ingest_with_progress(
        workspace, season_dir, now=datetime.now(UTC), quiet=as_json, validation=validation
    )
    if as_json:
        print_json(report.as_json())
    else:
        render_ingest(report)


def demo_command(
    ctx: typer.Context,
    students: Annotated[int, typer.Option(help="Students per season.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    defects: Annotated[str, typer.Option(help="Defects of the 2019 case to switch on.")] = "a,b,c",
) -> None:
    """The main job on the embedded default: simulate → ingest → summaries."""
    workspace = new_workspace_of(ctx)
    season_dir = workspace.root / "demo-season"
    shutil.rmtree(season_dir, ignore_errors=True)
    config = SimulationConfig(
        students=students, seed=seed, out=season_dir, defects=parse_defects(defects)
    )
    if not run_demo(workspace, config, now=datetime.now(UTC)):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("demo")(demo_command)


def render_receipt_publication(published: ReceiptPublication) -> None:
    """Print the signed checkpoint of a published receipt, where the receipt is, how to
    verify it with the public key alone, and the outcome of that check."""
    console.rule("[bold]Transparency log: latest signed checkpoint")
    console.print(published.checkpoint_note, end="", markup=False, highlight=False)
    console.print(
        f"receipt {published.path} — verify it yourself with:\n"
        f"  fairfollow log verify-receipt {published.path} --key '{published.verifier_key}'",
        markup=False,
        highlight=False,
    )
    render_receipt_check(published.check, as_json=False)
