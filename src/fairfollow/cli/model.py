"""CLI for the analysts' model work: ``features build``, ``model train``, ``model evaluate``,
``forecast backtest``; and :class:`ModelDemoTables`, how ``make demo`` shows the steps of
:func:`fairfollow.usecases.season.run_model_demo`.

Internal analyst views only: per-offer probabilities and pool forecasts shown here are
never released to employers.

The analysis stack (LightGBM, scikit-learn, fairlearn …) is imported inside the commands, so
that ``fairfollow --help`` and every other command start without it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.cli.context import JsonFlag, ledger_of, origin_of, workspace_of
from fairfollow.cli.terminal import console, mark, print_json, progress, table

# Typer needs the option's type to build the command line, so this import cannot wait; it
# brings ibis along for as long as Engine lives in feature_source.
from fairfollow.model.engines import Engine
from fairfollow.model.quality import COVERAGE_TOLERANCE, ECE_GOAL, coverage_met, ece_met
from fairfollow.season.calendar import SEASONS

if TYPE_CHECKING:
    from fairfollow.model.analysis import FeatureRun, HiringPlan, TrainResult
    from fairfollow.model.backtest import BacktestReport
    from fairfollow.model.evaluation import EvaluationReport
    from fairfollow.usecases.season import DemoStep

# The defaults of fairfollow.model.analysis, from the calendar it reads them from.
TRAINING_SEASON = SEASONS[0].season
CURRENT_SEASON = SEASONS[-1].season

features_app = typer.Typer(help="Offer features over the event store.", no_args_is_help=True)
model_app = typer.Typer(help="The offer-acceptance model.", no_args_is_help=True)
forecast_app = typer.Typer(help="Pool forecasts of acceptances.", no_args_is_help=True)

TruthOption = Annotated[
    Path | None,
    typer.Option(
        "--truth",
        help="The simulator's truth/offers.parquet (evaluation only; default: the truth of the "
        "season the workspace was built from).",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(features_app, name="features")
    app.add_typer(model_app, name="model")
    app.add_typer(forecast_app, name="forecast")


def _f(value: float) -> str:
    return "–" if value != value else f"{value:.4f}"


def _against(value: float, ok: bool) -> str:
    return "–" if value != value else mark(ok)


def render_features(run: FeatureRun) -> None:
    o = run.offers
    rows: list[tuple[str, object]] = [
        ("employer files", o.files),
        ("offers matched", o.offers),
        *((f"matched by {k}", v) for k, v in o.matched_by.items()),
        *((f"unmatched: {k}", v) for k, v in o.unmatched_by_reason.items()),
        *((f"rows rejected: {k}", v) for k, v in o.rejected_rows.items()),
        ("feature rows", run.build.table.num_rows),
        ("features", len(run.build.feature_names)),
    ]
    b = run.build
    console.print(
        table(
            f"Features, season {b.season}, as of {b.as_of.isoformat()} "
            f"({b.engine}, {b.elapsed_s:.1f} s) → {run.path}",
            ["what", "count"],
            rows,
        )
    )
    for d in b.partners:
        mark = "[green]used[/]" if d.allowed else "[bold red]NOT used[/]"
        console.print(f"partner data {d.partner_id}: {mark} — {d.reason}")
    a = b.aggregates
    console.print(
        f"company aggregates: events of the {a.members:,} members whose consent for "
        f"{a.purpose} is valid at {a.at.isoformat()} ({a.citation})"
    )


def render_training(result: TrainResult) -> None:
    m = result.model.metadata
    h = m.holdout
    console.print(
        table(
            f"Model {m.model_id} → {result.folder}",
            ["what", "value"],
            [
                ("training rows / held out", f"{m.train_rows:,} / {m.calibration_rows:,}"),
                ("calibration", m.calibration_method),
                ("held-out AUC / Brier / ECE", f"{_f(h.auc)} / {_f(h.brier)} / {_f(h.ece)}"),
                (
                    "rate SD: calibration / median employer",
                    f"{m.widening.calibration_variance**0.5:.4f} / "
                    f"{m.widening.default_employer_variance**0.5:.4f}",
                ),
                ("data fingerprint", m.data_fingerprint[:16] + "…"),
            ],
        )
    )


def render_evaluation(report: EvaluationReport) -> None:
    rows = [
        (
            name,
            _f(s.auc),
            _f(s.brier),
            _f(s.log_loss),
            _f(s.ece),
            _f(s.ece_adaptive),
            _against(s.ece, ece_met(s.ece)),
        )
        for name, s in (("model", report.model), ("oracle (true p)", report.oracle))
    ]
    console.print(
        table(
            f"Evaluation, season {report.season}: {report.model.count:,} offers, "
            f"lift ratio {report.lift_ratio:.3f}",
            [
                "scores",
                "AUC",
                "Brier",
                "log loss",
                "ECE fixed",
                "ECE adaptive",
                f"ECE ≤ {ECE_GOAL}",
            ],
            rows,
        )
    )
    if report.model_above_oracle:
        console.print("[bold red]model AUC above the oracle's: leakage or a bug[/]")
    fair_rows = [
        (
            a.attribute,
            g.group,
            g.count,
            _f(g.auc),
            _f(g.brier),
            _f(g.mean_predicted),
            _f(g.observed_rate),
            _f(a.impact_ratio),
            _against(a.impact_ratio, a.passes_four_fifths),
        )
        for a in report.fairness.attributes
        for g in a.groups
    ]
    console.print(
        table(
            "Fairness audit (internal flag: p < 0.5; impact ratio: four-fifths rule)",
            [
                "attribute",
                "group",
                "offers",
                "AUC",
                "Brier",
                "mean p",
                "observed",
                "impact",
                "four-fifths",
            ],
            fair_rows,
        )
    )
    if report.reliability_png:
        console.print(f"reliability diagram: {report.reliability_png}")


def render_backtest(report: BacktestReport, *, pools_shown: int = 8) -> None:
    console.print(
        table(
            "Pool forecast backtest (realised employer pools: excess variance z "
            f"{report.overdispersion.z:.1f}, τ {report.overdispersion.estimate_sd:.4f})",
            [
                "pools",
                "level",
                "n pools",
                "coverage",
                "content",
                "nearest",
                "widened",
                "error",
                f"coverage ±{COVERAGE_TOLERANCE:.0%}",
            ],
            [
                (
                    f.kind,
                    f"{f.level:.0%}",
                    f.pools,
                    f"{f.coverage:.1%}",
                    f"{f.content:.1%}",
                    f"{f.nearest_coverage:.1%}",
                    f"{f.widened_coverage:.1%}",
                    f"{f.mean_signed_error:+.2f}",
                    _against(f.coverage, coverage_met(f.coverage, f.level)),
                )
                for f in report.figures
            ],
        )
    )
    shown = sorted(report.employer_pools, key=lambda p: -p.offers)[:pools_shown]
    console.print(
        table(
            "Employer pools (internal analyst view)",
            ["pool", "offers", "expected", "80% interval", "90% (widened)", "realised"],
            [
                (
                    p.pool,
                    p.offers,
                    f"{p.expected:.1f}",
                    f"{p.intervals[0].lower}–{p.intervals[0].upper}",
                    f"{p.widened[-1].lower}–{p.widened[-1].upper}",
                    p.realised,
                )
                for p in shown
            ],
        )
    )


def render_plans(plans: list[HiringPlan]) -> None:
    console.print(
        table(
            "Offers needed for a hiring target (internal analyst view)",
            ["pool", "offers", "expected", "target", "extra offers", "P(reach)"],
            [
                (
                    p.pool,
                    p.offers,
                    f"{p.expected:.1f}",
                    p.target,
                    p.plan.additional_offers,
                    f"{p.plan.probability_reached:.3f}",
                )
                for p in plans
            ],
        )
    )


@features_app.command("build")
def features_build(
    ctx: typer.Context,
    employers: Annotated[
        Path | None,
        typer.Option(
            help="The season's employers/ directory (default: that of the season the "
            "workspace was built from)."
        ),
    ] = None,
    season: Annotated[int, typer.Option(help="Season whose offers to build.")] = CURRENT_SEASON,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="As-of instant, ISO 8601 with offset (default: the season's forecast date).",
        ),
    ] = None,
    engine: Annotated[Engine, typer.Option(help="duckdb (default) or spark.")] = Engine.DUCKDB,
    spark_master: Annotated[str, typer.Option(help="Spark master URL.")] = "local[2]",
    as_json: JsonFlag = False,
) -> None:
    """Match the season's offers to members and build their features at the as-of time
    (company aggregates from members whose consent for statistics is valid then)."""
    from fairfollow.consent.coverage import consented_members
    from fairfollow.instants import parse_instant
    from fairfollow.model.analysis import build_season_features
    from fairfollow.model.feature_source import spark_backend, spark_session

    workspace = workspace_of(ctx)
    employers = employers or origin_of(ctx, "--employers").employers_dir
    instant = None if as_of is None else parse_instant(as_of, "--as-of")
    backend = spark_backend(spark_session(spark_master)) if engine is Engine.SPARK else None
    ledger = ledger_of(ctx)
    try:
        with progress(quiet=as_json) as bar:
            bar.add_task(f"building features ({engine})", total=None)
            run = build_season_features(
                workspace,
                employers,
                season,
                as_of=instant,
                consented=consented_members(ledger),
                engine=engine,
                backend=backend,
            )
    finally:
        ledger.dispose()
    if as_json:
        print_json(
            {
                "offers": run.offers.as_dict(),
                "path": str(run.path),
                "feature_names": list(run.build.feature_names),
                "engine": str(run.build.engine),
                "as_of": run.build.as_of.isoformat(),
                "elapsed_s": run.build.elapsed_s,
                "partners": [d.__dict__ for d in run.build.partners],
                "company_aggregates": {
                    "purpose": run.build.aggregates.purpose,
                    "consent_valid_at": run.build.aggregates.at.isoformat(),
                    "members_with_consent": run.build.aggregates.members,
                    "citation": run.build.aggregates.citation,
                },
            }
        )
    else:
        render_features(run)


@features_app.command("pseudonymise")
def features_pseudonymise(
    ctx: typer.Context,
    season: Annotated[int, typer.Option(help="Season whose features to take.")] = CURRENT_SEASON,
    as_json: JsonFlag = False,
) -> None:
    """Copy the season's features into the pseudonymised training zone (APPI Art. 41):
    ids replaced under a key held apart, erased members left out, internal use only."""
    from fairfollow.usecases.zone import build_pseudonymised_zone

    built = build_pseudonymised_zone(None, workspace_of(ctx), season, local=True)
    if as_json:
        print_json({"path": str(built.path), "rows": built.rows, "left_out": built.left_out})
    else:
        console.print(f"pseudonymised zone: {built.path} ({built.rows:,} rows)")


@model_app.command("train")
def model_train(
    ctx: typer.Context,
    season: Annotated[int, typer.Option(help="Season with outcomes.")] = TRAINING_SEASON,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    threads: Annotated[int, typer.Option(help="LightGBM threads.")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Train and calibrate the model on the season's offers; write it and its card."""
    from fairfollow.model.analysis import train_season_model
    from fairfollow.model.booster import TrainingParams

    params = TrainingParams(seed=seed, threads=threads)
    with progress(quiet=as_json) as bar:
        bar.add_task("training", total=None)
        result = train_season_model(workspace_of(ctx), season, params, now=datetime.now(UTC))
    if as_json:
        print_json({"folder": str(result.folder), **result.model.metadata.as_dict()})
    else:
        render_training(result)


@model_app.command("evaluate")
def model_evaluate(
    ctx: typer.Context,
    truth: TruthOption = None,
    season: Annotated[int, typer.Option(help="Season to evaluate.")] = CURRENT_SEASON,
    as_json: JsonFlag = False,
) -> None:
    """Score the current model against the truth: metrics, oracle, fairness, diagram."""
    from fairfollow.model.analysis import evaluate_season

    truth = truth or origin_of(ctx, "--truth").truth_offers
    with progress(quiet=as_json) as bar:
        bar.add_task("evaluating", total=None)
        report = evaluate_season(workspace_of(ctx), truth, season)
    if as_json:
        print_json(report.as_json())
    else:
        render_evaluation(report)


@forecast_app.command("backtest")
def forecast_backtest(
    ctx: typer.Context,
    truth: TruthOption = None,
    season: Annotated[int, typer.Option(help="Season to backtest.")] = CURRENT_SEASON,
    seeds: Annotated[int, typer.Option(help="Seeds of random sub-pools.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Employer pools and random sub-pools: interval coverage and signed error."""
    from fairfollow.model.analysis import backtest_season

    truth = truth or origin_of(ctx, "--truth").truth_offers
    with progress(quiet=as_json) as bar:
        bar.add_task("backtesting", total=None)
        report = backtest_season(workspace_of(ctx), truth, season, seeds=tuple(range(seeds)))
    if as_json:
        print_json(report.as_json())
    else:
        render_backtest(report)


class ModelDemoTables:
    """The model demo's steps as the terminal shows them."""

    def __init__(self) -> None:
        self._features = 3  # the demo's steps 1 and 2 are the simulation and the ingest

    def step(self, step: DemoStep, season: int) -> None:
        from fairfollow.usecases.season import DemoStep

        titles = {
            DemoStep.TRAINING: "5. Train the offer-acceptance model",
            DemoStep.EVALUATION: "6. Evaluate against the simulator's truth (internal)",
            DemoStep.BACKTEST: "7. Pool forecasts and their backtest (internal analyst view)",
        }
        if step is DemoStep.FEATURES:
            console.rule(f"[bold]{self._features}. Offers and features, season {season}")
            self._features += 1
            return
        console.rule(f"[bold]{titles[step]}")

    features = staticmethod(render_features)
    training = staticmethod(render_training)
    evaluation = staticmethod(render_evaluation)
    backtest = staticmethod(render_backtest)
    plans = staticmethod(render_plans)
