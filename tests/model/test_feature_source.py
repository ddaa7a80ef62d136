"""Feature inputs and backends: the same definitions give identical tables on DuckDB and Spark."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from fairfollow.errors import ModelError
from fairfollow.events.engines import SparkValidation
from fairfollow.events.pseudonym import KEY_FILE
from fairfollow.events.store import ingest, open_store
from fairfollow.model.analysis import build_season_features, forecast_date, train_season_model
from fairfollow.model.feature_source import (
    Engine,
    FeatureInputs,
    build_features,
    duckdb_backend,
    features_path,
    pool_rows,
    read_features,
    read_store_table,
    spark_backend,
    spark_session,
)
from fairfollow.model.scores import pool_statistics, pools_table, rows_in_memory
from fairfollow.workspace import Workspace
from tests.feature_data import AS_OF, SEASON, everyone, random_tables
from tests.season_data import SmallSeason, small_season

pytestmark = [
    # pyspark's toPandas sets a pandas option that pandas 3 deprecates.
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local Spark session for the whole test run (it takes about 10 s to start)."""
    pytest.importorskip("pyspark")
    previous = os.environ.get("SPARK_LOCAL_IP")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = spark_session("local[2]", warehouse=tmp_path_factory.mktemp("spark-warehouse"))
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()
    if previous is None:
        os.environ.pop("SPARK_LOCAL_IP", None)
    else:
        os.environ["SPARK_LOCAL_IP"] = previous


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> SmallSeason:
    return small_season(tmp_path_factory.mktemp("spark-season"), students=800, seed=11)


def _quarantine(workspace: Workspace) -> list[tuple[object, ...]]:
    con = open_store(workspace)
    try:
        return con.execute(
            "SELECT table_name, source_file, source_row, reason, raw_values FROM quarantine "
            "ORDER BY source_file, source_row"
        ).fetchall()
    finally:
        con.close()


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(name, "ascending") for name in table.column_names])


def _assert_same_ingest(duck: Workspace, spark: Workspace) -> None:
    """The same quarantine, and the same rows and types in every table of the store."""
    quarantined = _quarantine(duck)
    assert len(quarantined) > 20 and {r[3] for r in quarantined} >= {"unknown_member"}
    assert _quarantine(spark) == quarantined
    for table in ("members", "companies", "cookie_links", "events", "partner_events"):
        a, b = read_store_table(duck, table), read_store_table(spark, table)
        assert b.num_rows == a.num_rows > 0, table
        # Both are UTC instants; pyarrow names DuckDB's zone Etc/UTC and Spark's UTC.
        assert [str(f.type).replace("Etc/", "") for f in b.schema] == [
            str(f.type).replace("Etc/", "") for f in a.schema
        ], table
        assert _sorted(b.cast(a.schema)).equals(_sorted(a)), table


def _assert_same(left: pa.Table, right: pa.Table) -> None:
    """Same columns, rows and values; floats to 1e-12 relative (engines sum in other orders)."""
    assert left.column_names == right.column_names
    assert left.num_rows == right.num_rows
    a, b = left.to_pandas(), right.to_pandas()
    for name in left.column_names:
        if a[name].dtype.kind == "f":
            assert a[name].fillna(-1.0).to_numpy() == pytest.approx(
                b[name].fillna(-1.0).to_numpy(), rel=1e-12, abs=1e-15
            ), name
        else:
            assert a[name].astype(str).tolist() == b[name].astype(str).tolist(), name


@pytest.mark.slow
def test_spark_and_duckdb_build_identical_tables(
    spark: Any, season: SmallSeason, tmp_path: Path
) -> None:
    """One test holds every Spark check, so a parallel run still starts one session."""
    run = build_season_features(
        season.workspace, season.employers, 2020, consented=season.consented
    )
    assert run.build.table.num_rows > 50
    on_spark = build_features(
        spark_backend(spark),
        Engine.SPARK,
        FeatureInputs.from_workspace(season.workspace, 2020),
        season=2020,
        as_of=forecast_date(2020),
        consented=season.consented,
        company_season=2019,  # as build_season_features does: the season before
        company_as_of=forecast_date(2019),
    )
    assert on_spark.feature_names == run.build.feature_names
    _assert_same(run.build.table, on_spark.table)
    # The whole pipeline on Spark: ingest (validation and quarantine) into its own store,
    # then the features from that store, equal to DuckDB's.
    spark_ws = Workspace(tmp_path / "spark-ws").ensure()
    # The same store key, so that quarantined identifiers hash alike (events.pseudonym).
    shutil.copy2(season.workspace.keys_dir / KEY_FILE, spark_ws.keys_dir / KEY_FILE)
    ingest(spark_ws, season.season_dir, engine=SparkValidation(spark))
    _assert_same_ingest(season.workspace, spark_ws)
    from_spark = build_season_features(
        spark_ws, season.employers, 2020, consented=season.consented, engine=Engine.SPARK,
        backend=spark_backend(spark),
    )  # fmt: skip
    _assert_same(run.build.table, from_spark.build.table)
    # Pool scoring: the rows of the members a release names (here every other member of
    # each employer's offers), read on either engine, give the same pool statistics.
    build_season_features(season.workspace, season.employers, 2019, consented=season.consented)
    model = train_season_model(season.workspace, now=AS_OF).model
    offers = run.build.table
    pools = pools_table(
        {
            int(c): [
                int(m)
                for m, k in zip(
                    offers["member_id"].to_pylist(), offers["company_id"].to_pylist(), strict=True
                )
                if k == c and m % 2 == 0
            ]
            for c in set(offers["company_id"].to_pylist())
        }
    )
    duck_features = features_path(season.workspace, 2020)
    on_duck = pool_rows(duckdb_backend(), Engine.DUCKDB, duck_features, pools)
    on_spark_rows = pool_rows(spark_backend(spark), Engine.SPARK, duck_features, pools)
    in_memory = rows_in_memory(read_features(season.workspace, 2020).table)(pools)
    assert 0 < on_duck.num_rows < offers.num_rows
    assert on_spark_rows.equals(on_duck)
    assert in_memory.select(on_duck.column_names).cast(on_duck.schema).equals(on_duck)
    statistics = pool_statistics(model, on_duck)
    assert len(statistics) > 5 and sum(s.offers for s in statistics) == on_duck.num_rows
    assert pool_statistics(model, on_spark_rows) == statistics
    # All on Spark: its own store's features (equal to 1e-12, so the scores agree closely).
    spark_rows = pool_rows(spark_backend(spark), Engine.SPARK, features_path(spark_ws, 2020), pools)
    _assert_same(on_duck, spark_rows)
    for ours, theirs in zip(statistics, pool_statistics(model, spark_rows), strict=True):
        assert (theirs.company_id, theirs.offers) == (ours.company_id, ours.offers)
        assert theirs.expected == pytest.approx(ours.expected, rel=1e-9)
        assert theirs.variance == pytest.approx(ours.variance, rel=1e-9)
    # Partner rules, nulls and members without events, on synthetic tables.
    tables = random_tables(4)
    inputs = tables.write(tmp_path)
    members = everyone(tables, but=frozenset({1, 2, 3}))  # some without consent for statistics
    on_duckdb = build_features(
        duckdb_backend(), Engine.DUCKDB, inputs, season=SEASON, as_of=AS_OF, consented=members
    )
    synthetic = build_features(
        spark_backend(spark), Engine.SPARK, inputs, season=SEASON, as_of=AS_OF, consented=members
    )
    _assert_same(on_duckdb.table, synthetic.table)
    # A session outside UTC would shift every time comparison: refused.
    spark.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")
    try:
        with pytest.raises(ModelError, match=r"model\.spark_zone_not_utc"):
            spark_backend(spark)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_written_features_keep_their_metadata(season: SmallSeason) -> None:
    run = build_season_features(
        season.workspace, season.employers, 2020, consented=season.consented
    )
    stored = read_features(season.workspace, 2020)
    assert stored.table.equals(
        run.build.table.replace_schema_metadata(stored.table.schema.metadata)
    )
    assert stored.feature_names == run.build.feature_names
    assert stored.as_of == forecast_date(2020)
    assert stored.season == 2020


def test_missing_store_or_offers_are_clear_errors(tmp_path: Path, season: SmallSeason) -> None:
    with pytest.raises(ModelError, match=r"model\.no_table"):
        FeatureInputs.from_workspace(Workspace(tmp_path / "empty").ensure(), 2020)
    with pytest.raises(ModelError, match=r"model\.no_offers"):
        FeatureInputs.from_workspace(season.workspace, 2018)
    with pytest.raises(ModelError, match=r"model\.no_features"):
        read_features(season.workspace, 2018)
