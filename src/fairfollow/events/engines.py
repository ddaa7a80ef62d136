"""The engines that validate raw files: DuckDB on one machine, Apache Spark past it.

Both run the same SQL — the staging query of :mod:`fairfollow.events.schema`, written once in
DuckDB's dialect and translated for Spark by sqlglot — so the same file gives the same
accepted rows and the same rejected rows, with the same reason codes, on either engine
(``tests/model/test_feature_source.py`` compares them on a season). An engine reads each
file once: it writes the accepted rows to one Parquet file and hands back the rejected rows
with their raw values; :mod:`fairfollow.events.batch` turns those into quarantine rows.

The Spark engine drives a running ``SparkSession`` given to it (built by
``fairfollow.model.feature_source.spark_session``); on a cluster every executor must see the
season's raw files and the workspace's Parquet folder (a shared file system).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlglot

from fairfollow.errors import IngestError
from fairfollow.events.schema import REASON_COLUMN, TableSpec, literal, staging_sql
from fairfollow.events.sources import CSV_ROW_COLUMN, SourceFile, parquet_types, read_csv_text
from fairfollow.events.suppression import Suppression, without_suppressed

_BATCH_ROWS = 1_000_000  # rows per Arrow batch and so per Parquet row group
_FILE_ROW = "__file_row"

Bounds = Mapping[int, tuple[str, str]]


@dataclass(frozen=True)
class FileCheck:
    """One validated file: rows written, and the rejected rows (all staged columns)."""

    accepted: int
    rejected: pa.Table
    source_types: Mapping[str, str]
    suppressed: int = 0  # rows of erased members kept out (neither stored nor quarantined)


class ValidationEngine(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def file_workers(self) -> int:
        """How many files may be checked at the same time (from different threads)."""
        ...

    def reference(self, table: str, key: str, sql_type: str, files: Sequence[Path]) -> None:
        """Make ``ref_<table>`` hold the distinct ``key`` values of the Parquet ``files``."""
        ...

    def check_file(
        self, source: SourceFile, bounds: Bounds, out: Path, suppression: Suppression
    ) -> FileCheck: ...


def _types(source: SourceFile) -> dict[str, str]:
    # The same decision on both engines: from the file's own Parquet schema.
    return parquet_types(source.path) if source.table.kind == "parquet" else {}


def _query(source: SourceFile, relation: str, row_expr: str, bounds: Bounds) -> str:
    events_from, events_to = bounds.get(source.season or 0, ("NULL", "NULL"))
    return staging_sql(
        source.table,
        relation,
        row_expr=row_expr,
        season=source.season,
        events_from=events_from,
        events_to=events_to,
        source_types=_types(source),
    )


def _stored(spec: TableSpec) -> list[str]:
    return [name for name, _ in spec.stored_columns]


class DuckDBValidation:
    """Validation in an in-memory DuckDB; files are checked in ``workers`` threads at once
    (each with its own cursor), so writing one file's rows overlaps reading the next."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, workers: int = 2) -> None:
        self.con = con
        self.file_workers = max(1, workers)

    def reference(self, table: str, key: str, sql_type: str, files: Sequence[Path]) -> None:
        if files:
            listing = ", ".join(literal(str(path)) for path in files)
            select = (
                f"SELECT DISTINCT {key} FROM read_parquet([{listing}], hive_partitioning = false)"
            )
        else:
            select = f"SELECT CAST(NULL AS {sql_type}) AS {key} WHERE false"
        self.con.execute(f"CREATE OR REPLACE TABLE ref_{table} AS {select}")

    def check_file(
        self, source: SourceFile, bounds: Bounds, out: Path, suppression: Suppression
    ) -> FileCheck:
        cursor = self.con.cursor()
        try:
            if source.table.kind == "parquet":
                relation = (
                    f"read_parquet({literal(str(source.path))}, file_row_number = true, "
                    "hive_partitioning = false)"
                )
                row_expr = "file_row_number"
            else:
                cursor.register("csv_source", read_csv_text(source))
                relation, row_expr = "csv_source", CSV_ROW_COLUMN
            query = _query(source, relation, row_expr, bounds)
            query, suppressed = without_suppressed(
                cursor, source.table, relation, query, suppression
            )
            accepted, rejected = _split(cursor, query, source.table, out)
        finally:
            cursor.close()
        return FileCheck(accepted, rejected, _types(source), suppressed)


def _split(
    cursor: duckdb.DuckDBPyConnection, query: str, spec: TableSpec, out: Path
) -> tuple[int, pa.Table]:
    """Stream the validated rows once: accepted ones to ``out``, failing ones returned.

    One pass over the source with no materialisation: DuckDB validates batch by batch (in
    file order) while the accepted rows are written (bench/bench_ingest.py).
    """
    reader = cursor.sql(query).to_arrow_reader(_BATCH_ROWS)
    stored = _stored(spec)
    schema = pa.schema([reader.schema.field(name) for name in stored])
    rejected: list[pa.RecordBatch] = []
    accepted = 0
    with pq.ParquetWriter(out, schema, compression="snappy") as writer:
        for batch in reader:
            reasons = batch.column(REASON_COLUMN)
            if reasons.null_count == batch.num_rows:  # nothing rejected: no copy
                accepted += batch.num_rows
                writer.write_batch(batch.select(stored))
                continue
            ok = pc.is_null(reasons)
            good = batch.filter(ok)
            accepted += good.num_rows
            writer.write_batch(good.select(stored))
            rejected.append(batch.filter(pc.invert(ok)))
    return accepted, pa.Table.from_batches(rejected, schema=reader.schema)


class SparkValidation:
    """Validation on a SparkSession: the staging SQL translated to Spark SQL by sqlglot."""

    name = "spark"
    file_workers = 1  # Spark parallelises inside each file's job

    def __init__(self, session: Any) -> None:
        if session.conf.get("spark.sql.session.timeZone") != "UTC":
            raise ValueError("the Spark session's time zone must be UTC for identical rows")
        # Parquet timestamps as DuckDB writes them (not Spark's legacy INT96).
        session.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        self.session = session
        self._views = itertools.count()

    def _sql(self, query: str) -> Any:
        return self.session.sql(sqlglot.transpile(query, read="duckdb", write="spark")[0])

    def reference(self, table: str, key: str, sql_type: str, files: Sequence[Path]) -> None:
        if files:
            frame = self.session.read.parquet(*[str(p) for p in files]).select(key).distinct()
        else:
            frame = self._sql(f"SELECT CAST(NULL AS {sql_type}) AS {key} WHERE false")
        frame.createOrReplaceTempView(f"ref_{table}")

    def check_file(
        self, source: SourceFile, bounds: Bounds, out: Path, suppression: Suppression
    ) -> FileCheck:
        if suppression.hashes:
            # Fail closed: the suppression list is applied by the DuckDB engine only so far.
            raise IngestError("events.spark_with_erasures", file=source.rel)
        view = f"ff_source_{next(self._views)}"
        if source.table.kind == "parquet":
            frame = self.session.read.parquet(str(source.path)).selectExpr(
                "*", f"_metadata.row_index AS {_FILE_ROW}"
            )
            row_expr = _FILE_ROW
        else:
            frame = self.session.createDataFrame(read_csv_text(source))
            row_expr = CSV_ROW_COLUMN
        frame.createOrReplaceTempView(view)
        staged = self._sql(_query(source, view, row_expr, bounds))
        reason = f"`{REASON_COLUMN}`"
        folder = out.with_suffix(".spark")
        accepted_rows = staged.filter(f"{reason} IS NULL").select(
            *[f"`{name}`" for name in _stored(source.table)]
        )
        accepted_rows.coalesce(1).write.mode("overwrite").parquet(str(folder))
        parts = sorted(folder.glob("part-*.parquet"))
        if len(parts) != 1:
            raise RuntimeError(f"Spark wrote {len(parts)} files for {source.rel}, expected 1")
        parts[0].replace(out)
        shutil.rmtree(folder)
        rejected = staged.filter(f"{reason} IS NOT NULL").toArrow()
        self.session.catalog.dropTempView(view)
        return FileCheck(pq.ParquetFile(out).metadata.num_rows, rejected, _types(source))
