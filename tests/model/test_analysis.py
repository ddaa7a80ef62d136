"""The analysts' pipeline end to end on a small simulated season."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fairfollow.consent.store import record_event
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.errors import ModelError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.model.analysis import (
    backtest_season,
    build_season_features,
    evaluate_season,
    forecast_date,
    hiring_plans,
    train_season_model,
)
from fairfollow.model.booster import SENSITIVE_ATTRIBUTES, TrainingParams
from fairfollow.model.engines import Engine
from fairfollow.model.evaluation import JSON_KEYS
from fairfollow.model.feature_source import (
    FeatureInputs,
    build_features,
    duckdb_backend,
    features_path,
    read_store_table,
)
from fairfollow.model.features import AGGREGATE_PURPOSE
from tests.model_data import NOW
from tests.season_data import SmallSeason, small_season

pytestmark = pytest.mark.slow
PARAMS = TrainingParams(n_estimators=80, learning_rate=0.08)


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> SmallSeason:
    built = small_season(tmp_path_factory.mktemp("analysis"), students=1500, seed=5)
    for year in (2019, 2020):
        run = build_season_features(
            built.workspace, built.employers, year, consented=built.consented
        )
        # Every offer row is either matched or counted by reason; none vanish.
        assert run.offers.offers == run.build.table.num_rows > 100
        assert run.build.partner_data_used
    return built


def test_train_evaluate_backtest(season: SmallSeason) -> None:
    trained = train_season_model(season.workspace, 2019, PARAMS, now=NOW)
    meta = trained.model.metadata
    assert set(meta.feature_names).isdisjoint(SENSITIVE_ATTRIBUTES)
    assert (trained.folder / "MODEL_CARD.md").read_text().count("## Fairness audit") == 1
    assert json.loads((trained.folder / "metadata.json").read_text())["model_id"] == meta.model_id
    report = evaluate_season(season.workspace, season.truth, 2020)
    payload = report.as_json()
    assert tuple(payload) == JSON_KEYS
    assert report.truth_unmatched == 0
    assert 0.7 < report.oracle.auc < 0.95
    assert report.model.auc > 0.5
    card = (trained.folder / "MODEL_CARD.md").read_text()
    assert "oracle (true p), season 2020" in card and "Lift ratio" in card
    backtest = backtest_season(season.workspace, season.truth, 2020, seeds=(0,))
    assert backtest.figure("employer", 0.9).pools == len(backtest.employer_pools) > 20
    assert sum(p.offers for p in backtest.employer_pools) == report.model.count


def test_hiring_plans_reach_their_targets(season: SmallSeason) -> None:
    train_season_model(season.workspace, 2019, PARAMS, now=NOW)
    plans = hiring_plans(season.workspace, uplift=0.1, confidence=0.9, pools=2)
    assert len(plans) == 2 and plans[0].offers >= plans[1].offers
    for plan in plans:
        assert plan.target > plan.expected
        assert plan.plan.additional_offers > 0
        assert plan.plan.probability_reached >= 0.9


def test_defect_c_keeps_ad_only_partner_data_out(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("defect-c")
    built = small_season(root, students=300, seed=6, defects=frozenset({"c"}))
    run = build_season_features(built.workspace, built.employers, 2020, consented=built.consented)
    assert not run.build.partner_data_used
    assert all("APPI Art. 18(1)" in d.reason for d in run.build.partners)
    assert not any(name.startswith("partner") for name in run.build.feature_names)


def test_same_seed_same_metrics(season: SmallSeason) -> None:
    reports = []
    for _ in range(2):
        train_season_model(season.workspace, 2019, PARAMS, now=NOW)
        reports.append(evaluate_season(season.workspace, season.truth, 2020).as_json())
    assert reports[0] == reports[1]


def test_unknown_season_is_refused() -> None:
    with pytest.raises(ModelError, match=r"model\.season_unknown"):
        forecast_date(2031)


def test_a_withdrawal_of_statistics_consent_takes_the_member_out_of_the_aggregates(
    tmp_path: Path,
) -> None:
    """Through the real ledger: a previous-season member withdraws consent for statistics;
    the next build counts the company aggregates exactly as if the member's events did not
    exist, while the member's consent still stood, they counted."""
    built = small_season(tmp_path / "s", students=300, seed=7)
    at = forecast_date(2020)
    aggregates = ["offer_id", "company_popularity", "company_entries", "company_seminar_rate"]

    def build(inputs: FeatureInputs | None = None) -> pa.Table:
        if inputs is None:
            run = build_season_features(built.workspace, built.employers, 2020, consented=c)
            return run.build.table.select(aggregates)
        return build_features(
            duckdb_backend(), Engine.DUCKDB, inputs, season=2020, as_of=at, consented=c,
            company_season=2019, company_as_of=forecast_date(2019),
        ).table.select(aggregates)  # fmt: skip

    c = built.consented
    before = build()
    events = read_store_table(built.workspace, "events")
    earlier = events.filter(
        pc.and_(pc.equal(events["season"], 2019), pc.is_valid(events["company_id"]))
    )
    member = int(pd.Series(earlier["member_id"].to_numpy()).value_counts().idxmax())
    assert member in c(AGGREGATE_PURPOSE, at)
    engine = open_ledger(built.workspace.ledger_url)
    try:
        with transaction(engine) as conn:
            record_event(
                conn,
                ConsentEvent(
                    0, member, AGGREGATE_PURPOSE, ConsentAction.WITHDRAW, "settings_page", "v2",
                    at - timedelta(days=1), "settings_toggle",
                ),
            )  # fmt: skip
    finally:
        engine.dispose()
    assert member not in c(AGGREGATE_PURPOSE, at)
    after = build()
    assert not after.equals(before)  # the member's events counted before the withdrawal
    inputs = FeatureInputs.from_workspace(built.workspace, 2020)
    kept = events.filter(pc.not_equal(events["member_id"], member))
    pq.write_table(kept, tmp_path / "events-without.parquet")
    without = FeatureInputs({**inputs.files, "events": (tmp_path / "events-without.parquet",)})
    assert build(without).equals(after)  # exactly as if they had never been there
    metadata = json.loads(
        pq.read_schema(features_path(built.workspace, 2020)).metadata[b"fairfollow"]
    )["company_aggregates"]
    assert metadata["purpose"] == "statistics" and metadata["citation"] == "APPI Art. 18(1)"
    assert metadata["members_with_consent"] == len(c(AGGREGATE_PURPOSE, at))
