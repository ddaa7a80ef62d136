"""Where the features run: inputs as Parquet files, loaded on DuckDB or Spark through Ibis.

The analytics store keeps each table as Parquet files listed in its catalogue; the offers
table (``offer_table``) is one Parquet file per season. Both backends read exactly those
files, so the same Ibis expression (``features``) gives the same table on either engine.
Built features are written as Parquet under ``analytics/features/season=YYYY/``.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from fairfollow.errors import ModelError, NotReadyError
from fairfollow.events.catalog import read_state
from fairfollow.events.suppression import without_restricted
from fairfollow.model.engines import Engine
from fairfollow.model.features import (
    AGGREGATE_PURPOSE,
    FEATURE_PURPOSE,
    AggregateBasis,
    ConsentedMembers,
    FeatureTables,
    PartnerDecision,
    feature_expression,
    feature_specs,
    partner_decisions,
)
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

_STORE_TABLES = ("events", "companies", "partner_events", "cookie_links", "partner_sources")


@dataclass(frozen=True)
class FeatureInputs:
    """Parquet files of every table the features read."""

    files: dict[str, tuple[Path, ...]]

    @classmethod
    def from_workspace(cls, workspace: Workspace, season: int) -> FeatureInputs:
        state = read_state(workspace)
        files = {
            table: tuple(workspace.parquet_dir / path for path, _ in state.files.get(table, ()))
            for table in _STORE_TABLES
        }
        for table in ("events", "companies"):
            if not files[table]:
                raise NotReadyError("model.no_table", table=table)
        offers = offers_path(workspace, season)
        if not offers.exists():
            raise NotReadyError("model.no_offers", season=season)
        return cls({**files, "offers": (offers,)})

    def paths(self, table: str) -> tuple[Path, ...]:
        return self.files.get(table, ())


@dataclass(frozen=True)
class FeatureBuild:
    """A built feature table and what went into it."""

    table: pa.Table
    season: int
    as_of: datetime
    engine: Engine
    partners: tuple[PartnerDecision, ...]
    feature_names: tuple[str, ...]
    elapsed_s: float
    aggregates: AggregateBasis

    @property
    def partner_data_used(self) -> bool:
        return any(d.allowed for d in self.partners)


def read_store_table(workspace: Workspace, table: str) -> pa.Table:
    """One table of the analytics store, read from its committed Parquet files."""
    paths = [workspace.parquet_dir / path for path, _ in read_state(workspace).files.get(table, ())]
    if not paths:
        raise NotReadyError("model.no_table", table=table)
    return pa.concat_tables([pq.read_table(p) for p in paths])


def offers_path(workspace: Workspace, season: int) -> Path:
    return workspace.analytics_dir / "offers" / f"season={season}" / "offers.parquet"


def features_path(workspace: Workspace, season: int) -> Path:
    return workspace.analytics_dir / "features" / f"season={season}" / "features.parquet"


def duckdb_backend(settings: Settings | None = None) -> Any:
    """An in-memory DuckDB through Ibis, configured like the store (UTC, threads, memory)."""
    settings = settings or Settings.model_construct()
    backend = ibis.duckdb.connect(
        threads=settings.duckdb_threads, memory_limit=settings.duckdb_memory_limit
    )
    backend.raw_sql("SET TimeZone = 'UTC'")
    return backend


def spark_session(master: str = "local[2]", *, warehouse: Path | None = None) -> Any:
    """A SparkSession for the features: UTC session time, no UI, few shuffle partitions.

    ``master`` is ``local[N]`` or a cluster URL (``spark://host:7077``, ``yarn``); on a
    cluster every executor must see the Parquet paths (a shared file system or object store).
    """
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("fairfollow-features")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
    )
    if warehouse is not None:
        builder = builder.config("spark.sql.warehouse.dir", str(warehouse))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_backend(session: Any) -> Any:
    """Ibis over a running SparkSession (its ``spark.sql.session.timeZone`` must be UTC)."""
    if session.conf.get("spark.sql.session.timeZone") != "UTC":
        raise ModelError("model.spark_zone_not_utc")
    return ibis.pyspark.connect(session)


def _load(backend: Any, engine: Engine, name: str, paths: tuple[Path, ...]) -> Any:
    listing = [str(p) for p in paths]
    if engine is Engine.DUCKDB:
        return backend.read_parquet(listing, table_name=name)
    frame = backend._session.read.parquet(*listing)
    frame.createOrReplaceTempView(name)
    return backend.table(name)


def _member_table(backend: Any, engine: Engine, members: Collection[int]) -> Any:
    """A one-column ``member_id`` table of ``members`` on ``backend``."""
    ids = pa.table({"member_id": pa.array(sorted({int(m) for m in members}), pa.int64())})
    if engine is Engine.DUCKDB:
        return ibis.memtable(ids)
    backend._session.createDataFrame(ids).createOrReplaceTempView("ff_aggregate_members")
    return backend.table("ff_aggregate_members")


def load_tables(
    backend: Any, engine: Engine, inputs: FeatureInputs, aggregate_members: Collection[int]
) -> FeatureTables:
    loaded = {
        table: _load(backend, engine, f"ff_{table}", inputs.paths(table))
        for table in ("events", "companies", "offers", "partner_events", "cookie_links")
        if inputs.paths(table)
    }
    if "partner_events" not in loaded or "cookie_links" not in loaded:
        # No partner data at all: an empty stand-in that the partner filter never reaches.
        loaded.setdefault("partner_events", loaded["events"].limit(0))
        loaded.setdefault("cookie_links", loaded["events"].limit(0))
    return FeatureTables(
        **loaded, aggregate_members=_member_table(backend, engine, aggregate_members)
    )


def _partner_sources(inputs: FeatureInputs) -> pa.Table:
    paths = inputs.paths("partner_sources")
    if not paths:
        return pa.table(
            {"partner_id": pa.array([], pa.string()), "stated_purposes": pa.array([], pa.string())}
        )
    return pa.concat_tables([pq.read_table(p) for p in paths])


def build_features(
    backend: Any,
    engine: Engine,
    inputs: FeatureInputs,
    *,
    season: int,
    as_of: datetime,
    consented: ConsentedMembers,
    purpose: str = FEATURE_PURPOSE,
    company_season: int | None = None,
    company_as_of: datetime | None = None,
) -> FeatureBuild:
    """Run the feature expression on ``backend`` and collect the table (company aggregates
    from ``company_season`` before ``company_as_of`` when given: ``feature_expression``).

    The company aggregates count only the members ``consented`` names for
    :data:`~fairfollow.model.features.AGGREGATE_PURPOSE` at ``as_of``, the instant the
    aggregates are built and used (fail closed: a member it does not name is not counted).
    """
    if as_of.tzinfo is None:
        raise ModelError("model.as_of_naive")
    started = time.perf_counter()
    members = frozenset(int(m) for m in consented(AGGREGATE_PURPOSE, as_of))
    decisions = partner_decisions(_partner_sources(inputs), purpose)
    allowed = tuple(d.partner_id for d in decisions if d.allowed)
    if not inputs.paths("partner_events") or not inputs.paths("cookie_links"):
        allowed = ()
    with warnings.catch_warnings():
        # ibis 12 calls DuckDB 2's deprecated fetch_arrow_table(); harmless until ibis 13.
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        tables = load_tables(backend, engine, inputs, members)
        expression = feature_expression(
            tables,
            season=season,
            as_of=as_of,
            partners=allowed,
            company_season=company_season,
            company_as_of=company_as_of,
        )
        table = expression.to_pyarrow()
    names = tuple(s.name for s in feature_specs(bool(allowed)))
    return FeatureBuild(
        table=table,
        season=season,
        as_of=as_of,
        engine=engine,
        partners=decisions,
        feature_names=names,
        elapsed_s=time.perf_counter() - started,
        aggregates=AggregateBasis.of(as_of, len(members)),
    )


def pool_rows(backend: Any, engine: Engine, features: Path, pools: pa.Table) -> pa.Table:
    """The stored feature rows of each pool's members, on ``backend``.

    ``pools`` holds (company_id, member_id) pairs: the members the release door named after
    its consent filter, per employer. Only their rows are read out, so nobody else's
    behaviour reaches the model (APPI Art. 18); the join runs where the features are, on
    DuckDB or on Spark, and gives the same rows on either (ordered by offer).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        rows = _load(backend, engine, "ff_pool_features", (features,))
        wanted = pools.select(["company_id", "member_id"]).cast(
            pa.schema([("company_id", pa.int64()), ("member_id", pa.int64())])
        )
        if engine is Engine.DUCKDB:
            named = ibis.memtable(wanted)
        else:
            backend._session.createDataFrame(wanted).createOrReplaceTempView("ff_pool_members")
            named = backend.table("ff_pool_members")
        named = named.select(p_company="company_id", p_member="member_id")
        selected = rows.semi_join(
            named,
            [
                rows.company_id.cast("int64") == named.p_company,
                rows.member_id.cast("int64") == named.p_member,
            ],
        )
        table: pa.Table = selected.order_by("offer_id").to_pyarrow()
    # Engines differ in column nullability only; the stored schema is the reference.
    return table.cast(pq.read_schema(features).remove_metadata())


def write_features(workspace: Workspace, build: FeatureBuild) -> Path:
    """Write the table with its as-of time and feature list in the Parquet metadata."""
    path = features_path(workspace, build.season)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "season": build.season,
        "as_of": build.as_of.isoformat(),
        "engine": str(build.engine),
        "feature_names": list(build.feature_names),
        "partners": [
            {"partner_id": d.partner_id, "allowed": d.allowed, "reason": d.reason}
            for d in build.partners
        ],
        "company_aggregates": {
            "purpose": build.aggregates.purpose,
            "consent_valid_at": build.aggregates.at.isoformat(),
            "members_with_consent": build.aggregates.members,
            "citation": build.aggregates.citation,
        },
    }
    table = build.table.replace_schema_metadata({"fairfollow": json.dumps(meta)})
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)  # readers never see a half-written file
    return path


@dataclass(frozen=True)
class FeatureSet:
    """A stored feature table and its metadata."""

    table: pa.Table
    season: int
    as_of: datetime
    feature_names: tuple[str, ...]


def read_features(workspace: Workspace, season: int) -> FeatureSet:
    path = features_path(workspace, season)
    if not path.exists():
        raise NotReadyError("model.no_features", season=season)
    table = without_restricted(workspace, pq.read_table(path))
    raw = (table.schema.metadata or {}).get(b"fairfollow")
    if raw is None:
        raise ModelError("model.features_metadata_missing", path=str(path))
    meta = json.loads(raw)
    return FeatureSet(
        table=table,
        season=int(meta["season"]),
        as_of=datetime.fromisoformat(meta["as_of"]),
        feature_names=tuple(meta["feature_names"]),
    )
