"""CLI for the season simulator: ``simulate``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from fairfollow.cli.context import JsonFlag
from fairfollow.cli.terminal import console, print_json, progress, table
from fairfollow.season.config import DEFECTS, SimulationConfig
from fairfollow.season.simulator import SimulationResult, simulate


def parse_defects(value: str) -> frozenset[str]:
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
                    f"{int(m.value)}" if float(m.value).is_integer() else f"{m.value:.3f}",
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
    workers: Annotated[
        int, typer.Option(help="Worker processes (0: one per core); the files do not change.")
    ] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Simulate two hiring seasons with ground truth (docs/season-format.md)."""
    config = SimulationConfig(
        students=students,
        seed=seed,
        out=out,
        defects=parse_defects(defects),
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
            workers=workers or (os.cpu_count() or 1),
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
                "workers": result.workers,
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


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
