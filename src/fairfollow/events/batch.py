"""One ingest batch: validate each new raw file on an engine and write its accepted rows.

The work happens on a validation engine (:mod:`fairfollow.events.engines`: an in-memory
DuckDB, or Spark); nothing here touches ``store.duckdb``. Each file is read once: the
engine streams its typed rows, each with the reason code of its first failing rule, writes
the accepted rows to a batch-unique Parquet file and hands back the rejected ones, which
become quarantine rows here — the same rows whichever engine ran — for the caller to commit.
Reference tables (members, companies) go first; the seasonal Parquet parts then run on as
many files at once as the engine takes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from fairfollow.events.catalog import ManifestEntry, StoredFile, StoreState
from fairfollow.events.engines import Bounds, FileCheck, ValidationEngine
from fairfollow.events.pseudonym import keyed_cell
from fairfollow.events.schema import (
    RAW_TABLES,
    REASON_COLUMN,
    ROW_COLUMN,
    raw_value_column,
)
from fairfollow.events.sources import SourceFile
from fairfollow.events.suppression import Suppression
from fairfollow.workspace import Workspace


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
    planned: dict[str, Path] = field(default_factory=dict)  # raw file -> its Parquet file
    suppression: Suppression = field(default_factory=lambda: Suppression(b""))
    suppressed: Counter[str] = field(default_factory=Counter)  # rows kept out, by table

    def out_path(self, workspace: Workspace, table: str, source: SourceFile) -> Path:
        """A batch-unique file for ``source``, numbered in the order files are planned."""
        folder = workspace.parquet_dir / table / self.batch_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{len(self.planned):05d}.parquet"
        self.planned[source.rel] = path
        return path

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


_QUARANTINE_SCHEMA = pa.schema(
    [
        ("table_name", pa.string()),
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("reason", pa.string()),
        ("raw_values", pa.string()),
        ("field", pa.string()),
    ]
)


def empty_quarantine() -> pa.Table:
    return _QUARANTINE_SCHEMA.empty_table()


def load_batch(
    engine: ValidationEngine,
    workspace: Workspace,
    season_dir: Path,
    state: StoreState,
    todo: list[SourceFile],
    sources: list[SourceFile],
    bounds: Bounds,
    batch: IngestBatch,
    on_progress: ProgressCallback | None,
) -> pa.Table:
    """Validate and write every new file (tables in dependency order); return quarantine."""
    todo_rels = {s.rel for s in todo}
    quarantine: list[pa.Table] = []
    done = 0
    for spec in RAW_TABLES:
        if spec.seasonal and not batch.references_built:
            # Event rules check members and companies as the store will hold them.
            _build_references(engine, workspace, state, batch, todo_rels)
            batch.references_built = True
        specs = [s for s in sources if s.table is spec]
        planned = [
            (s, batch.out_path(workspace, spec.name, s)) for s in specs if s.rel in todo_rels
        ]
        with ThreadPoolExecutor(max(1, min(engine.file_workers, len(planned)))) as pool:
            checks = iter(
                [
                    pool.submit(engine.check_file, s, bounds, out, batch.suppression)
                    for s, out in planned
                ]
            )
            for source in specs:
                done += 1
                if source.rel not in todo_rels:
                    if on_progress:
                        on_progress(IngestProgress(spec.name, source.rel, done, len(sources), True))
                    continue
                out = batch.planned[source.rel]
                check = next(checks).result()  # in file order, whatever finished first
                rows = quarantine_rows(source, check, batch.suppression.key)
                quarantine.append(rows)
                batch.suppressed[spec.name] += check.suppressed
                batch.add(workspace, season_dir, source, out, check.accepted, rows.num_rows)
                if on_progress:
                    on_progress(
                        IngestProgress(
                            spec.name,
                            source.rel,
                            done,
                            len(sources),
                            False,
                            check.accepted,
                            rows.num_rows,
                        )
                    )
    if not quarantine:
        return empty_quarantine()
    result = pa.concat_tables(quarantine)
    return result.sort_by([("source_file", "ascending"), ("source_row", "ascending")])


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def quarantine_rows(source: SourceFile, check: FileCheck, key: bytes) -> pa.Table:
    """The rejected rows as quarantine rows: row number, reason, the field it is about, and
    the raw values as JSON — identifiers
    (:attr:`~fairfollow.events.schema.TableSpec.identifiers`) only as keyed hashes under the
    store's key (:func:`keyed_cell`), so that no identifier is kept in clear and an operator
    holding the key can still recognise a row sent again."""
    spec, rejected = source.table, check.rejected
    columns = {
        column.name: rejected.column(
            raw_value_column(spec, column, source_types=check.source_types)
        ).to_pylist()
        for column in spec.columns
    }
    hidden = spec.identifiers
    raw = [
        json.dumps(
            {
                name: keyed_cell(key, name, values[i]) if name in hidden else _plain(values[i])
                for name, values in columns.items()
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for i in range(rejected.num_rows)
    ]
    reasons = rejected.column(REASON_COLUMN).cast(pa.string())
    fields = [spec.field_of(str(r)) for r in reasons.to_pylist()]
    n = rejected.num_rows
    return pa.table(
        {
            "table_name": pa.array([spec.name] * n, pa.string()),
            "source_file": pa.array([source.rel] * n, pa.string()),
            "source_row": rejected.column(ROW_COLUMN).cast(pa.int64()),
            "reason": reasons,
            "raw_values": pa.array(raw, pa.string()),
            "field": pa.array(fields, pa.string()),
        },
        schema=_QUARANTINE_SCHEMA,
    )


def _build_references(
    engine: ValidationEngine,
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
        engine.reference(table, key, sql_type, files)
