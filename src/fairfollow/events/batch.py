"""One ingest batch: validate each new raw file in DuckDB and write its accepted rows.

The work happens in an in-memory DuckDB connection (store_catalog.connect_work); nothing
here touches ``store.duckdb``. Each file is read once: DuckDB streams its typed rows, each
with the reason code of its first failing rule, as Arrow batches; the accepted rows go to a
batch-unique Parquet file and the rejected ones to the quarantine rows, which the caller
commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.events.catalog import ManifestEntry, StoredFile, StoreState
from fairfollow.events.schema import (
    RAW_TABLES,
    REASON_COLUMN,
    TableSpec,
    literal,
    quarantine_sql,
    staging_sql,
)
from fairfollow.events.sources import CSV_ROW_COLUMN, SourceFile, read_csv_text
from fairfollow.events.suppression import Suppression, without_suppressed
from fairfollow.workspace import Workspace

_BATCH_ROWS = 1_000_000  # rows per Arrow batch and so per Parquet row group


@dataclass(frozen=True)
class IngestProgress:
    """Reported once per raw file, after it was validated and written (or skipped)."""

    table: str
    file: str
    done: int
    total: int
    skipped: bool
    accepted: int = 0
    quarantined: int = 0


ProgressCallback = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class TableCounts:
    """Rows of one table an ingest accepted and quarantined."""

    accepted: int = 0
    quarantined: int = 0


@dataclass
class IngestBatch:
    """Bookkeeping of the ingest in progress: what was written, for the catalogue commit."""

    batch_id: str
    files: list[StoredFile] = field(default_factory=list)
    manifest: list[ManifestEntry] = field(default_factory=list)
    references_built: bool = False
    suppression: Suppression = field(default_factory=lambda: Suppression(b""))
    suppressed: Counter[str] = field(default_factory=Counter)  # rows kept out, by table

    def out_path(self, workspace: Workspace, table: str) -> Path:
        folder = workspace.parquet_dir / table / self.batch_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{len(self.files):05d}.parquet"

    def add(
        self,
        workspace: Workspace,
        season_dir: Path,
        source: SourceFile,
        out: Path,
        accepted: int,
        quarantined: int,
    ) -> None:
        parquet = out.relative_to(workspace.parquet_dir).as_posix()
        self.files.append(StoredFile(source.table.name, parquet, source.rel, accepted))
        self.manifest.append(
            ManifestEntry(
                source.rel, source.table.name, source.sha256, str(season_dir), accepted, quarantined
            )
        )

    def counts(self) -> dict[str, TableCounts]:
        accepted: Counter[str] = Counter()
        quarantined: Counter[str] = Counter()
        for entry in self.manifest:
            accepted[entry.table_name] += entry.rows_accepted
            quarantined[entry.table_name] += entry.rows_quarantined
        return {
            spec.name: TableCounts(accepted[spec.name], quarantined[spec.name])
            for spec in RAW_TABLES
        }


def empty_quarantine() -> pa.Table:
    return pa.table(
        {
            "table_name": pa.array([], pa.string()),
            "source_file": pa.array([], pa.string()),
            "source_row": pa.array([], pa.int64()),
            "reason": pa.array([], pa.string()),
            "raw_values": pa.array([], pa.string()),
        }
    )


def load_batch(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    season_dir: Path,
    state: StoreState,
    todo: list[SourceFile],
    sources: list[SourceFile],
    bounds: Mapping[int, tuple[str, str]],
    batch: IngestBatch,
    on_progress: ProgressCallback | None,
) -> pa.Table:
    """Validate and write every new file (tables in dependency order); return quarantine."""
    todo_rels = {s.rel for s in todo}
    con.execute(
        "CREATE TEMP TABLE q (table_name VARCHAR, source_file VARCHAR, "
        "source_row BIGINT, reason VARCHAR, raw_values VARCHAR)"
    )
    done = 0
    for spec in RAW_TABLES:
        if spec.seasonal and not batch.references_built:
            # Event rules check members and companies as the store will hold them.
            _build_references(con, workspace, state, batch, todo_rels)
            batch.references_built = True
        for source in (s for s in sources if s.table is spec):
            done += 1
            if source.rel not in todo_rels:
                if on_progress:
                    on_progress(IngestProgress(spec.name, source.rel, done, len(sources), True))
                continue
            out = batch.out_path(workspace, spec.name)
            accepted, quarantined = _load_file(con, source, out, bounds, batch)
            batch.add(workspace, season_dir, source, out, accepted, quarantined)
            if on_progress:
                on_progress(
                    IngestProgress(
                        spec.name, source.rel, done, len(sources), False, accepted, quarantined
                    )
                )
    result: pa.Table = con.sql("SELECT * FROM q ORDER BY source_file, source_row").to_arrow_table()
    return result


def _load_file(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    out: Path,
    bounds: Mapping[int, tuple[str, str]],
    batch: IngestBatch,
) -> tuple[int, int]:
    spec = source.table
    if spec.kind == "parquet":
        relation = (
            f"read_parquet({literal(str(source.path))}, file_row_number = true, "
            "hive_partitioning = false)"
        )
        row_expr = "file_row_number"
        types = {
            str(name): str(sql_type)
            for name, sql_type, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        }
    else:
        con.register("csv_source", read_csv_text(source))
        relation, row_expr, types = "csv_source", CSV_ROW_COLUMN, {}
    events_from, events_to = bounds.get(source.season or 0, ("NULL", "NULL"))
    query = staging_sql(
        spec,
        relation,
        row_expr=row_expr,
        season=source.season,
        events_from=events_from,
        events_to=events_to,
        source_types=types,
    )
    query, suppressed = without_suppressed(con, spec, relation, query, batch.suppression)
    batch.suppressed[spec.name] += suppressed
    accepted, rejected = _split(con, query, spec, out)
    if spec.kind == "csv":
        con.unregister("csv_source")
    if rejected.num_rows:
        con.register("rejected_rows", rejected)
        con.execute(
            f"INSERT INTO q SELECT {literal(spec.name)}, {literal(source.rel)}, * "
            f"FROM ({quarantine_sql(spec, 'rejected_rows', source_types=types)})"
        )
        con.unregister("rejected_rows")
    return accepted, rejected.num_rows


def _split(
    con: duckdb.DuckDBPyConnection, query: str, spec: TableSpec, out: Path
) -> tuple[int, pa.Table]:
    """Stream the validated rows once: accepted ones to ``out``, failing ones returned.

    One pass over the source with no materialisation: DuckDB validates batch by batch (in
    file order) while the accepted rows are written, so ingest costs little more than
    copying the file (bench/bench_ingest.py).
    """
    reader = con.sql(query).to_arrow_reader(_BATCH_ROWS)
    stored = [name for name, _ in spec.stored_columns]
    schema = pa.schema([reader.schema.field(name) for name in stored])
    rejected: list[pa.RecordBatch] = []
    accepted = 0
    with pq.ParquetWriter(out, schema, compression="snappy") as writer:
        for batch in reader:
            ok = pc.is_null(batch.column(REASON_COLUMN))
            good = batch.filter(ok)
            accepted += good.num_rows
            writer.write_batch(good.select(stored))
            if good.num_rows < batch.num_rows:
                rejected.append(batch.filter(pc.invert(ok)))
    return accepted, pa.Table.from_batches(rejected, schema=reader.schema)


def _build_references(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    state: StoreState,
    batch: IngestBatch,
    todo_rels: set[str],
) -> None:
    """Members and companies as the store will hold them once this batch commits."""
    for table, key, sql_type in (
        ("members", "member_id", "BIGINT"),
        ("companies", "company_id", "INTEGER"),
    ):
        files = [
            workspace.parquet_dir / path
            for path, rel in state.files.get(table, ())
            if rel not in todo_rels
        ]
        files += [
            workspace.parquet_dir / f.parquet_path for f in batch.files if f.table_name == table
        ]
        if files:
            listing = ", ".join(literal(str(path)) for path in files)
            select = (
                f"SELECT DISTINCT {key} FROM read_parquet([{listing}], hive_partitioning = false)"
            )
        else:
            select = f"SELECT CAST(NULL AS {sql_type}) AS {key} WHERE false"
        con.execute(f"CREATE OR REPLACE TEMP TABLE ref_{table} AS {select}")
