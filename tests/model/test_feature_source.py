"""Feature inputs and backends: the same definitions give identical tables on DuckDB and Spark."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from fairfollow.errors import ModelError
from fairfollow.model.analysis import build_season_features, forecast_date
from fairfollow.model.feature_source import (
    Engine,
    FeatureInputs,
    build_features,
    duckdb_backend,
    read_features,
    spark_backend,
    spark_session,
)
from fairfollow.workspace import Workspace
from tests.feature_data import AS_OF, SEASON, random_tables
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
    run = build_season_features(season.workspace, season.employers, 2020)
    assert run.build.table.num_rows > 50
    on_spark = build_features(
        spark_backend(spark),
        Engine.SPARK,
        FeatureInputs.from_workspace(season.workspace, 2020),
        season=2020,
        as_of=forecast_date(2020),
        company_season=2019,  # as build_season_features does: the season before
        company_as_of=forecast_date(2019),
    )
    assert on_spark.feature_names == run.build.feature_names
    _assert_same(run.build.table, on_spark.table)
    # Partner rules, nulls and members without events, on synthetic tables.
    inputs = random_tables(4).write(tmp_path)
    on_duckdb = build_features(duckdb_backend(), Engine.DUCKDB, inputs, season=SEASON, as_of=AS_OF)
    synthetic = build_features(
        spark_backend(spark), Engine.SPARK, inputs, season=SEASON, as_of=AS_OF
    )
    _assert_same(on_duckdb.table, synthetic.table)
    # A session outside UTC would shift every time comparison: refused.
    spark.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")
    try:
        with pytest.raises(ModelError, match="UTC"):
            spark_backend(spark)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_written_features_keep_their_metadata(season: SmallSeason) -> None:
    run = build_season_features(season.workspace, season.employers, 2020)
    stored = read_features(season.workspace, 2020)
    assert stored.table.equals(
        run.build.table.replace_schema_metadata(stored.table.schema.metadata)
    )
    assert stored.feature_names == run.build.feature_names
    assert stored.as_of == forecast_date(2020)
    assert stored.season == 2020


def test_missing_store_or_offers_are_clear_errors(tmp_path: Path, season: SmallSeason) -> None:
    with pytest.raises(ModelError, match="ingest"):
        FeatureInputs.from_workspace(Workspace(tmp_path / "empty").ensure(), 2020)
    with pytest.raises(ModelError, match="no offers table"):
        FeatureInputs.from_workspace(season.workspace, 2018)
    with pytest.raises(ModelError, match="no features"):
        read_features(season.workspace, 2018)
