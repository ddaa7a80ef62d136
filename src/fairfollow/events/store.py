"""The analytics event store: raw platform exports in, typed Parquet and DuckDB views out.

Layout under ``workspace.analytics_dir``::

    tables/<table>/<batch_id>/<n>.parquet   accepted rows, typed (raw_schema.RAW_TABLES)
    store.duckdb                             views over exactly the committed Parquet files,
                                             ingest_manifest, store_files, quarantine

An ingest validates each raw file in one pass (a ``CASE`` chain gives the first failing
rule's reason code) on a validation engine — an in-memory DuckDB by default, or Spark
(:mod:`fairfollow.events.engines`) — writes the accepted rows under batch-unique names, and then
commits manifest, quarantine and the new view definitions in ONE DuckDB transaction. A run
killed before that commit leaves the store as it was; the Parquet files it wrote are
orphans that no view lists, and the next ingest deletes them. Files are identified by
their path under ``raw/``: the same path with the same SHA-256 is skipped, the same path
with new content supersedes the old rows (a re-export), a new path adds rows.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from fairfollow.errors import IngestError
from fairfollow.events.batch import (
    IngestBatch,
    IngestProgress,
    ProgressCallback,
    TableCounts,
    empty_quarantine,
    load_batch,
)
from fairfollow.events.catalog import (
    ActiveSource,
    attached_store,
    commit_batch,
    connect_store,
    connect_work,
    delete_files,
    discard_batch,
    ingest_lock,
    read_state,
    remove_orphans,
    require_store,
)
from fairfollow.events.engines import DuckDBValidation, ValidationEngine
from fairfollow.events.schema import RAW_TABLES, quote
from fairfollow.events.sources import discover_sources, season_bounds
from fairfollow.events.suppression import read_suppression
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

__all__ = [
    "IngestProgress",
    "IngestSummary",
    "ProgressCallback",
    "StoreSummary",
    "TableCounts",
    "ingest",
    "open_store",
    "reading_store",
    "store_summary",
]


@dataclass(frozen=True)
class IngestSummary:
    """What one ingest added. Counts cover the files ingested, not the skipped ones."""

    batch_id: str
    tables: Mapping[str, TableCounts]
    quarantined_by_reason: Mapping[str, int]
    files_ingested: tuple[str, ...]
    files_skipped: tuple[str, ...]
    files_superseded: tuple[str, ...]
    elapsed_s: float
    # Rows of erased members (and their cookies) kept out by the suppression list, by table.
    suppressed_by_table: Mapping[str, int] = field(default_factory=dict)

    @property
    def rows_accepted(self) -> int:
        return sum(counts.accepted for counts in self.tables.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(counts.quarantined for counts in self.tables.values())

    def as_dict(self) -> dict[str, object]:
        """Plain values for ``--json`` output."""
        return {
            "batch_id": self.batch_id,
            "tables": {
                name: {"accepted": c.accepted, "quarantined": c.quarantined}
                for name, c in self.tables.items()
            },
            "quarantined_by_reason": dict(self.quarantined_by_reason),
            "files_ingested": list(self.files_ingested),
            "files_skipped": list(self.files_skipped),
            "files_superseded": list(self.files_superseded),
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "elapsed_s": round(self.elapsed_s, 3),
            "suppressed_by_table": dict(self.suppressed_by_table),
        }


def ingest(
    workspace: Workspace,
    season_dir: Path,
    *,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    now: datetime | None = None,
    engine: ValidationEngine | None = None,
) -> IngestSummary:
    """Load ``season_dir/raw/`` into the workspace analytics store, atomically.

    Raises ProhibitedItemError or SchemaError before anything is written when a raw file
    carries a prohibited column or lacks a declared one; IngestError when the store could
    not be updated (it is then exactly as before). ``now`` stamps the manifest (default:
    the current time, read here at the edge). ``engine`` validates the files (default: an
    in-memory DuckDB with the settings' threads); the catalogue is committed the same way.
    """
    started = time.perf_counter()
    settings = settings or Settings.model_construct()
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    season_dir = season_dir.resolve()
    sources = discover_sources(season_dir)  # header checks: refuses before any write
    bounds = season_bounds(season_dir, sources)
    workspace.ensure()
    with ingest_lock(workspace):
        state = read_state(workspace)
        remove_orphans(workspace, state)
        todo = [
            s for s in sources if state.active.get(s.rel) != ActiveSource(s.table.name, s.sha256)
        ]
        superseded = tuple(s.rel for s in todo if s.rel in state.active)
        digest = hashlib.sha256("".join(s.sha256 for s in todo).encode()).hexdigest()[:10]
        batch = IngestBatch(
            f"{stamp:%Y%m%dT%H%M%S}-{digest}", suppression=read_suppression(workspace)
        )
        quarantine = empty_quarantine()
        try:
            if todo:
                with _engine(engine, settings, workspace, batch.batch_id) as validation:
                    quarantine = load_batch(
                        validation,
                        workspace,
                        season_dir,
                        state,
                        todo,
                        sources,
                        bounds,
                        batch,
                        on_progress,
                    )
                commit_batch(
                    workspace,
                    settings,
                    batch_id=batch.batch_id,
                    now=stamp,
                    manifest=batch.manifest,
                    files=batch.files,
                    quarantine=quarantine,
                    superseded=superseded,
                    key=batch.suppression.key,
                )
            elif on_progress:
                for done, source in enumerate(sources, start=1):
                    on_progress(
                        IngestProgress(source.table.name, source.rel, done, len(sources), True)
                    )
        except BaseException as exc:
            discard_batch(workspace, batch.batch_id)
            if isinstance(exc, duckdb.Error | OSError):
                raise IngestError(
                    "events.ingest_failed", path=str(season_dir), reason=str(exc)
                ) from exc
            raise
        delete_files(workspace, state.files_of_sources(superseded))
    reasons = Counter(str(r) for r in quarantine.column("reason").to_pylist())
    ingested = {entry.source_file for entry in batch.manifest}
    return IngestSummary(
        batch_id=batch.batch_id,
        tables=batch.counts(),
        quarantined_by_reason=dict(sorted(reasons.items())),
        files_ingested=tuple(entry.source_file for entry in batch.manifest),
        files_skipped=tuple(s.rel for s in sources if s.rel not in ingested),
        files_superseded=superseded,
        elapsed_s=time.perf_counter() - started,
        suppressed_by_table={t: n for t, n in sorted(batch.suppressed.items()) if n},
    )


@contextmanager
def _engine(
    given: ValidationEngine | None, settings: Settings, workspace: Workspace, batch_id: str
) -> Iterator[ValidationEngine]:
    if given is not None:
        yield given
        return
    with connect_work(settings, workspace.analytics_dir / f".tmp-{batch_id}") as con:
        yield DuckDBValidation(con, workers=settings.duckdb_threads)


@dataclass(frozen=True)
class StoreSummary:
    """Headline counts of the committed store (for the demo and ``--json`` output)."""

    rows_by_table: Mapping[str, int]
    students_by_season: Mapping[int, int]
    events_by_type: Mapping[str, int]
    entries: int
    partner_events: int
    quarantined_by_reason: Mapping[str, int]
    files: int
    batches: int

    def as_dict(self) -> dict[str, object]:
        return {
            "rows_by_table": dict(self.rows_by_table),
            "students_by_season": {str(k): v for k, v in self.students_by_season.items()},
            "events_by_type": dict(self.events_by_type),
            "entries": self.entries,
            "partner_events": self.partner_events,
            "quarantined_by_reason": dict(self.quarantined_by_reason),
            "files": self.files,
            "batches": self.batches,
        }


def open_store(
    workspace: Workspace, *, settings: Settings | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only connection; its views cover exactly the committed files.

    Close it before the next ingest in the same process: DuckDB refuses a read-write
    connection to a file that is open read-only.
    """
    require_store(workspace)
    return connect_store(workspace, settings or Settings.model_construct(), read_only=True)


@contextmanager
def reading_store(
    workspace: Workspace, *, settings: Settings | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Like :func:`open_store` for the span of a ``with`` block, cheaper for a short read (a
    web request): the store is attached to a DuckDB kept by the process, not opened anew,
    and detached at the end of the block, so the block sees the store as committed then."""
    require_store(workspace)
    with attached_store(workspace, settings or Settings.model_construct()) as con:
        yield con


def store_summary(workspace: Workspace, *, settings: Settings | None = None) -> StoreSummary:
    """Counts over the committed store: students, events by type, quarantine by reason."""
    con = open_store(workspace, settings=settings)
    try:

        def pairs(sql: str) -> list[tuple[object, int]]:
            return [(key, int(count)) for key, count in con.execute(sql).fetchall()]

        rows = {
            spec.name: int(_scalar(con, f"SELECT count(*) FROM {quote(spec.name)}"))
            for spec in RAW_TABLES
        }
        by_type = dict(pairs("SELECT event_type, count(*) FROM events GROUP BY ALL ORDER BY 1"))
        return StoreSummary(
            rows_by_table=rows,
            students_by_season={
                int(str(k)): v
                for k, v in pairs(
                    "SELECT season, count(DISTINCT member_id) FROM members GROUP BY ALL ORDER BY 1"
                )
            },
            events_by_type={str(k): v for k, v in by_type.items()},
            entries=by_type.get("entry", 0),
            partner_events=rows["partner_events"],
            quarantined_by_reason={
                str(k): v
                for k, v in pairs("SELECT reason, count(*) FROM quarantine GROUP BY ALL ORDER BY 1")
            },
            files=int(_scalar(con, "SELECT count(*) FROM ingest_manifest WHERE active")),
            batches=int(_scalar(con, "SELECT count(DISTINCT batch_id) FROM ingest_manifest")),
        )
    finally:
        con.close()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return 0 if row is None else int(row[0])
