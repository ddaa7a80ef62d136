"""CLI for the season: ``simulate``, ``ingest`` and the end-to-end ``demo``."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fairfollow.cli.terminal import console, print_json, progress, table
from fairfollow.season.simulator import DEFECTS, SimulationConfig, SimulationResult, simulate


def _defects(value: str) -> frozenset[str]:
    return frozenset(d.strip() for d in value.split(",") if d.strip())


def render_simulation(result: SimulationResult) -> None:
    rows = [
        (
            f"season {s}",
            result.events[s],
            result.partner_events[s],
            result.offers.get(s, 0),
            result.acceptances.get(s, 0),
        )
        for s in sorted(result.events)
    ]
    console.print(
        table(
            f"Simulated {result.students_per_season:,} students per season "
            f"in {result.elapsed_s:.1f} s → {result.out}",
            ["season", "events", "partner events", "offers (truth)", "accepted (truth)"],
            rows,
        )
    )
    console.print(
        table(
            "Calibration targets",
            ["target", "value", "range", "ok"],
            [
                (
                    m.target.description,
                    f"{m.value:.3f}",
                    f"{m.target.low:g}–{m.target.high:g}",
                    "✓" if m.ok else "✗",
                )
                for m in result.calibration
            ],
        )
    )


def simulate_command(
    students: Annotated[int, typer.Option(help="Students per season.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 1,
    out: Annotated[Path, typer.Option(help="Output directory (must be empty or absent).")] = Path(
        "season"
    ),
    defects: Annotated[
        str,
        typer.Option(
            help="Comma-separated defects of the 2019 case: "
            + "; ".join(f"{k}: {v}" for k, v in DEFECTS.items())
        ),
    ] = "",
    dirt_rate: Annotated[float, typer.Option(help="Dirt rate in employer files.")] = 0.02,
    log_dirt_rate: Annotated[float, typer.Option(help="Dirt rate in raw logs.")] = 0.0005,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Simulate two hiring seasons with ground truth (docs/season-format.md)."""
    config = SimulationConfig(
        students=students,
        seed=seed,
        out=out,
        defects=_defects(defects),
        dirt_rate=dirt_rate,
        log_dirt_rate=log_dirt_rate,
    )
    with progress(quiet=as_json) as bar:
        task = bar.add_task("simulating", total=None)
        result = simulate(
            config,
            lambda step, done, total: bar.update(
                task, description=step, completed=done, total=total
            ),
        )
    if as_json:
        print_json(
            {
                "out": str(result.out),
                "students_per_season": result.students_per_season,
                "events": result.events,
                "partner_events": result.partner_events,
                "offers": result.offers,
                "acceptances": result.acceptances,
                "elapsed_s": result.elapsed_s,
                "calibration": {
                    m.target.key: {
                        "value": m.value,
                        "low": m.target.low,
                        "high": m.target.high,
                        "ok": m.ok,
                    }
                    for m in result.calibration
                },
            }
        )
    else:
        render_simulation(result)


def ingest_command(
    ctx: typer.Context,
    season_dir: Annotated[Path, typer.Argument(help="A directory written by `simulate`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Load a season's raw logs into the workspace (validated, quarantined, idempotent)."""
    from fairfollow.cli import demo as demo_flow
    from fairfollow.cli.app import workspace_of

    report = demo_flow.ingest_season(
        workspace_of(ctx), season_dir, now=datetime.now(UTC), quiet=as_json
    )
    if as_json:
        print_json(report.as_json())
    else:
        demo_flow.render_ingest(report)


def demo_command(
    ctx: typer.Context,
    students: Annotated[int, typer.Option(help="Students per season.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    defects: Annotated[str, typer.Option(help="Defects of the 2019 case to switch on.")] = "a,b,c",
) -> None:
    """The main job on the embedded default: simulate → ingest → summaries."""
    from fairfollow.cli import demo as demo_flow
    from fairfollow.cli.app import workspace_of

    workspace = workspace_of(ctx)
    season_dir = workspace.root / "demo-season"
    shutil.rmtree(season_dir, ignore_errors=True)
    config = SimulationConfig(
        students=students, seed=seed, out=season_dir, defects=_defects(defects)
    )
    if not demo_flow.run_demo(workspace, config, now=datetime.now(UTC)):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
    app.command("ingest")(ingest_command)
    app.command("demo")(demo_command)
