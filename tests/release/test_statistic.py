"""The release's sensitivity, tested through the real pipeline: features on DuckDB from
Parquet, a trained LightGBM model, the door's statistic. Removing any one member, or adding
an adversarial one, moves S by at most 1 and leaves every other member's term unchanged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fairfollow.model.booster import TrainedModel, train, training_data
from fairfollow.model.engines import Engine
from fairfollow.model.evaluation import scored_offers
from fairfollow.model.feature_source import build_features, duckdb_backend
from fairfollow.release.statistic import pool_statistic
from tests.feature_data import AS_OF, DAY_MS, SEASON, Tables, everyone, random_tables
from tests.model_data import NAMES, NOW, SMALL, synthetic

BASE_RATE = 0.5
PREVIOUS = SEASON - 1
PREVIOUS_AS_OF = AS_OF - timedelta(days=365)


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    """A model that leans on company aggregates and on heavy browsing (the risky inputs)."""
    features, offers = synthetic(rows=3000, seed=4)
    frame = features.to_pandas()
    logit = 1.2 * frame["company_popularity"] + 0.8 * frame["views_after"]
    rng = np.random.default_rng(4)
    accepted = rng.random(len(frame)) < 1 / (1 + np.exp(-logit))
    outcomes = offers.set_column(1, "accepted", pa.array(accepted))
    return train(training_data(features, NAMES, outcomes, AS_OF), SMALL, now=NOW)


def _season() -> Tables:
    """This season's small store, plus last season's events (other members) for the
    company aggregates; no partner data."""
    tables = random_tables(seed=9, members=30, events=4000)
    events = tables.tables["events"]
    earlier = random_tables(seed=10, members=200, events=6000).tables["events"]
    shift = pc.subtract(earlier["ts"].cast(pa.int64()), 365 * DAY_MS)
    earlier = earlier.set_column(2, "ts", shift.cast(pa.timestamp("ms", tz="UTC")))
    earlier = earlier.set_column(1, "member_id", pc.add(earlier["member_id"], 10_000))
    earlier = earlier.set_column(8, "season", pa.array(np.full(len(earlier), PREVIOUS), pa.int16()))
    tables.tables["events"] = pa.concat_tables([events, earlier])
    for name in ("partner_events", "cookie_links", "partner_sources"):
        tables.tables.pop(name)
    return tables


def _terms(model: TrainedModel, tables: Tables, root: Path) -> tuple[dict[str, float], float]:
    """Each pool offer's term in S, and S, as the door counts them (pool: all offers; one
    behavioural offer per member, the member's others at the base rate)."""
    build = build_features(
        duckdb_backend(),
        Engine.DUCKDB,
        tables.write(root),
        season=SEASON,
        as_of=AS_OF,
        consented=everyone(tables),
        company_season=PREVIOUS,
        company_as_of=PREVIOUS_AS_OF,
    )
    scored = scored_offers(model, build.table)
    present = {int(m) for m in pc.unique(tables.tables["events"]["member_id"]).to_pylist()}
    offers = tables.tables["offers"].to_pandas()
    by_offer = dict(zip(scored["offer_id"], scored["p_model"], strict=True))
    terms: dict[str, float] = {}
    seen: set[int] = set()
    scores: dict[int, float] = {}
    for offer, member in zip(offers["offer_id"], offers["member_id"], strict=True):
        usable = int(member) in present and int(member) not in seen and offer in by_offer
        terms[offer] = float(by_offer[offer]) if usable else BASE_RATE
        if usable:
            seen.add(int(member))
            scores[int(member)] = float(by_offer[offer])
    stat = pool_statistic([int(m) for m in offers["member_id"]], present, scores)
    assert stat.value(BASE_RATE) == pytest.approx(sum(terms.values()))  # the door's own sum
    return terms, sum(terms.values())


def _without(tables: Tables, member: int) -> Tables:
    events = tables.tables["events"]
    kept = events.filter(pc.not_equal(events["member_id"], member))
    return Tables({**tables.tables, "events": kept})


@pytest.mark.slow
def test_removing_any_member_moves_s_by_at_most_one(model: TrainedModel, tmp_path: Path) -> None:
    tables = _season()
    terms, s = _terms(model, tables, tmp_path / "all")
    offers = tables.tables["offers"].to_pandas()
    owner = dict(zip(offers["offer_id"], offers["member_id"], strict=True))
    moved = []
    for member in sorted({int(m) for m in offers["member_id"]}):
        after, s_after = _terms(model, _without(tables, member), tmp_path / f"m{member}")
        others = [o for o in terms if owner[o] != member]
        assert all(after[o] == terms[o] for o in others), f"member {member} moved others"
        moved.append(abs(s - s_after))
        assert moved[-1] <= 1.0, f"member {member} moved S by {moved[-1]}"
    assert max(moved) > 0.01  # the test sees a change at all


@pytest.mark.slow
def test_an_adversarial_member_changes_no_one_elses_term(
    model: TrainedModel, tmp_path: Path
) -> None:
    tables = _season()
    terms, s = _terms(model, tables, tmp_path / "before")
    t0 = int(AS_OF.timestamp() * 1000)
    n = 20_000  # page views on one company, far beyond any real member
    heavy = pa.table(
        {
            "event_id": pa.array(np.arange(10**6, 10**6 + n), pa.int64()),
            "member_id": pa.array(np.full(n, 777), pa.int64()),
            "ts": pa.array(t0 - np.arange(1, n + 1) * 1000, pa.timestamp("ms", tz="UTC")),
            "event_type": pa.array(np.where(np.arange(n) % 10 == 0, "entry", "page_view")),
            "company_id": pa.array(np.full(n, 1), pa.int32()),
            "industry_id": pa.array(np.full(n, None), pa.int16()),
            "device": pa.array(np.full(n, "sp")),
            "dwell_s": pa.array(np.full(n, 300), pa.int32()),
            "season": pa.array(np.full(n, SEASON), pa.int16()),
        }
    )
    offer = pa.table(
        {
            "offer_id": ["o999"],
            "season": pa.array([SEASON], pa.int16()),
            "member_id": pa.array([777], pa.int64()),
            "company_id": pa.array([1], pa.int32()),
            "offered_at": pa.array([t0 - 5 * DAY_MS], pa.timestamp("ms", tz="UTC")),
        }
    )
    events = pa.concat_tables([tables.tables["events"], heavy.cast(tables.tables["events"].schema)])
    offers = pa.concat_tables([tables.tables["offers"], offer.cast(tables.tables["offers"].schema)])
    with_adversary = Tables({**tables.tables, "events": events, "offers": offers})
    after, s_after = _terms(model, with_adversary, tmp_path / "after")
    assert all(after[o] == terms[o] for o in terms)  # nobody else moved, not even a little
    assert abs(s_after - s - after["o999"]) < 1e-9 and 0.0 <= after["o999"] <= 1.0
    # had the company aggregates come from this season, the adversary would move others
    inputs = with_adversary.write(tmp_path / "same-season")
    same = build_features(
        duckdb_backend(), Engine.DUCKDB, inputs, season=SEASON, as_of=AS_OF,
        consented=everyone(with_adversary),
    )  # fmt: skip
    before = build_features(
        duckdb_backend(), Engine.DUCKDB, tables.write(tmp_path / "same-before"),
        season=SEASON, as_of=AS_OF, consented=everyone(tables),
    )  # fmt: skip
    key = ["offer_id", "company_popularity"]
    moved = pd.merge(
        before.table.select(key).to_pandas(), same.table.select(key).to_pandas(), on="offer_id"
    )
    assert (moved["company_popularity_x"] != moved["company_popularity_y"]).any()
