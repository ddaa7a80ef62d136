"""The catalogue inside ``store.duckdb``: manifest, committed files, quarantine, views.

The catalogue is the single source of truth of what the store holds. Its tables::

    ingest_manifest  one row per raw file ever ingested (path under raw/, SHA-256, rows
                     accepted/quarantined, batch, time, active = not superseded)
    store_files      the Parquet files the views list (path under tables/, source file)
    quarantine       rejected rows: table, source file, 0-based source row, reason code,
                     raw values as JSON (identifiers only as keyed hashes,
                     :mod:`fairfollow.events.pseudonym`), batch, the field the reason is about

and one view per table of raw_schema.RAW_TABLES over exactly the files in ``store_files``.
:func:`commit_batch` changes all of it in one DuckDB transaction.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from fairfollow.errors import IngestError, StoreError
from fairfollow.events.pseudonym import redact_row
from fairfollow.events.schema import (
    RAW_TABLES,
    TABLES_BY_NAME,
    TableSpec,
    empty_select,
    literal,
    quote,
)
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

_CATALOG_DDL = (
    "CREATE TABLE IF NOT EXISTS ingest_manifest (source_file VARCHAR NOT NULL, "
    "table_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, season_dir VARCHAR NOT NULL, "
    "rows_accepted BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL, "
    "batch_id VARCHAR NOT NULL, ingested_at TIMESTAMPTZ NOT NULL, active BOOLEAN NOT NULL)",
    "CREATE TABLE IF NOT EXISTS store_files (table_name VARCHAR NOT NULL, "
    "parquet_path VARCHAR NOT NULL PRIMARY KEY, source_file VARCHAR NOT NULL, "
    "batch_id VARCHAR NOT NULL, rows BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS quarantine (table_name VARCHAR NOT NULL, "
    "source_file VARCHAR NOT NULL, source_row BIGINT NOT NULL, reason VARCHAR NOT NULL, "
    "raw_values VARCHAR, batch_id VARCHAR NOT NULL)",
)
# Added when identifiers were first hashed; NULL marks a row written before, which the next
# commit redacts (:func:`redact_legacy`).
QUARANTINE_FIELD_DDL = "ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS field VARCHAR"


@dataclass(frozen=True)
class ActiveSource:
    """The committed version of a raw file: its table and content hash."""

    table: str
    sha256: str


@dataclass(frozen=True)
class StoreState:
    """What the store holds before an ingest: active raw files and the Parquet they made."""

    active: dict[str, ActiveSource] = field(default_factory=dict)
    # table -> ((parquet path under tables/, source file under raw/), ...)
    files: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def files_of_sources(self, sources: Sequence[str]) -> list[str]:
        wanted = set(sources)
        return [path for files in self.files.values() for path, rel in files if rel in wanted]


@dataclass(frozen=True)
class ManifestEntry:
    source_file: str
    table_name: str
    sha256: str
    season_dir: str
    rows_accepted: int
    rows_quarantined: int


@dataclass(frozen=True)
class StoredFile:
    table_name: str
    parquet_path: str
    source_file: str
    rows: int


def read_state(workspace: Workspace) -> StoreState:
    """The committed catalogue, or an empty one when no store exists yet."""
    if not workspace.duckdb_path.exists():
        return StoreState()
    try:
        con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    except duckdb.Error as exc:
        raise IngestError(
            "events.store_unopenable", path=str(workspace.duckdb_path), reason=str(exc)
        ) from exc
    try:
        names = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
        }
        if not {"ingest_manifest", "store_files"} <= names:
            return StoreState()
        active = {
            str(rel): ActiveSource(str(table), str(sha))
            for rel, table, sha in con.execute(
                "SELECT source_file, table_name, sha256 FROM ingest_manifest WHERE active"
            ).fetchall()
        }
        files: dict[str, list[tuple[str, str]]] = {}
        for table, path, rel in con.execute(
            "SELECT table_name, parquet_path, source_file FROM store_files ORDER BY parquet_path"
        ).fetchall():
            files.setdefault(str(table), []).append((str(path), str(rel)))
    finally:
        con.close()
    return StoreState(active, {table: tuple(paths) for table, paths in files.items()})


@contextmanager
def connect_work(settings: Settings, tmp: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB for validation work, spilling to ``tmp`` (removed afterwards)."""
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    try:
        _configure(con, settings)
        con.execute(f"SET temp_directory = {literal(str(tmp))}")
        yield con
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def connect_store(
    workspace: Workspace, settings: Settings, *, read_only: bool
) -> duckdb.DuckDBPyConnection:
    """A configured connection to ``store.duckdb``."""
    try:
        con = duckdb.connect(str(workspace.duckdb_path), read_only=read_only)
    except duckdb.Error as exc:
        # A writer is refused most often because another process holds the file: say so.
        code = "events.store_unopenable" if read_only else "events.store_busy"
        raise StoreError(code, path=str(workspace.duckdb_path), reason=str(exc)) from exc
    _configure(con, settings)
    return con


# One in-memory DuckDB per process and configuration, for short reads of the store: making a
# DuckDB instance costs ~12 ms of CPU, attaching the store file to a live one ~0.7 ms.
_SHARED: dict[tuple[int, int, str], duckdb.DuckDBPyConnection] = {}
_SHARED_LOCK = threading.Lock()
_ALIASES = itertools.count()


def _shared(settings: Settings) -> duckdb.DuckDBPyConnection:
    key = (os.getpid(), int(settings.duckdb_threads), settings.duckdb_memory_limit)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = duckdb.connect(":memory:")
            _configure(found, settings)
            # Cursors take the global settings, not the session's (the time zone is one).
            found.execute("SET GLOBAL TimeZone = 'UTC'")
            # A call must read the files as they are now, as a fresh connection would.
            found.execute("SET GLOBAL enable_external_file_cache = false")
            _SHARED[key] = found
        return found.cursor()


@contextmanager
def attached_store(workspace: Workspace, settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to ``store.duckdb`` for one call, on the process's shared
    in-memory DuckDB.

    The file is attached afresh on entry and detached on exit, never kept: erasure renames
    a new ``store.duckdb`` over the old one, and an ingest needs the file unlocked.
    """
    con = _shared(settings)
    alias = f"store_{next(_ALIASES)}"
    try:
        try:
            con.execute(f"ATTACH {literal(str(workspace.duckdb_path))} AS {alias} (READ_ONLY)")
        except duckdb.Error as exc:
            raise StoreError(
                "events.store_unopenable", path=str(workspace.duckdb_path), reason=str(exc)
            ) from exc
        try:
            con.execute(f"USE {alias}")
            yield con
        finally:
            con.execute("USE memory")
            con.execute(f"DETACH {alias}")  # releases the file's lock
    finally:
        con.close()


def _configure(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    con.execute(f"SET memory_limit = {literal(settings.duckdb_memory_limit)}")
    con.execute("SET TimeZone = 'UTC'")


def commit_batch(
    workspace: Workspace,
    settings: Settings,
    *,
    batch_id: str,
    now: datetime,
    manifest: Sequence[ManifestEntry],
    files: Sequence[StoredFile],
    quarantine: pa.Table,
    superseded: Sequence[str],
    key: bytes,
) -> None:
    """Record a batch and point the views at the new file set, in ONE transaction.

    ``key`` is the store's key (:func:`fairfollow.events.pseudonym.store_key`): quarantine
    rows an older version kept with identifiers in clear are rewritten with it."""
    try:
        con = connect_store(workspace, settings, read_only=False)
    except StoreError as exc:
        raise IngestError(exc.code, **exc.params) from exc
    try:
        con.execute("BEGIN TRANSACTION")
        for ddl in _CATALOG_DDL:
            con.execute(ddl)
        con.execute(QUARANTINE_FIELD_DDL)
        if superseded:
            listing = ", ".join(literal(rel) for rel in superseded)
            con.execute(
                "UPDATE ingest_manifest SET active = false "
                f"WHERE active AND source_file IN ({listing})"
            )
            con.execute(f"DELETE FROM store_files WHERE source_file IN ({listing})")
            con.execute(f"DELETE FROM quarantine WHERE source_file IN ({listing})")
        con.executemany(
            "INSERT INTO ingest_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, true)",
            [
                [
                    e.source_file,
                    e.table_name,
                    e.sha256,
                    e.season_dir,
                    e.rows_accepted,
                    e.rows_quarantined,
                    batch_id,
                    now,
                ]
                for e in manifest
            ],
        )
        con.executemany(
            "INSERT INTO store_files VALUES (?, ?, ?, ?, ?)",
            [[f.table_name, f.parquet_path, f.source_file, batch_id, f.rows] for f in files],
        )
        con.register("batch_quarantine", quarantine)
        con.execute(
            "INSERT INTO quarantine (table_name, source_file, source_row, reason, raw_values, "
            "batch_id, field) SELECT table_name, source_file, source_row, reason, raw_values, "
            f"{literal(batch_id)}, field FROM batch_quarantine"
        )
        con.unregister("batch_quarantine")
        redact_legacy(con, key)
        for spec in RAW_TABLES:
            paths = [
                str(row[0])
                for row in con.execute(
                    "SELECT parquet_path FROM store_files WHERE table_name = ? "
                    "ORDER BY parquet_path",
                    [spec.name],
                ).fetchall()
            ]
            con.execute(
                f"CREATE OR REPLACE VIEW {quote(spec.name)} AS "
                + view_select(spec, [workspace.parquet_dir / p for p in paths])
            )
        con.execute("COMMIT")
    except duckdb.Error as exc:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise IngestError("events.commit_failed", batch=batch_id, reason=str(exc)) from exc
    finally:
        with suppress(duckdb.Error):  # after COMMIT, a failing close must not undo the batch
            con.close()


def redact_legacy(con: duckdb.DuckDBPyConnection, key: bytes) -> int:
    """Rewrite quarantine rows kept before identifiers were hashed (``field`` NULL)."""
    legacy = con.execute(
        "SELECT rowid, table_name, reason, raw_values FROM quarantine WHERE field IS NULL"
    ).fetchall()
    updates = []
    for rowid, table, reason, raw in legacy:
        spec = TABLES_BY_NAME.get(str(table))
        if spec is None:
            continue
        try:
            about = spec.field_of(str(reason))
        except ValueError:
            about = ""
        updates.append([redact_row(key, spec, raw), about, rowid])
    if updates:
        con.executemany("UPDATE quarantine SET raw_values = ?, field = ? WHERE rowid = ?", updates)
    return len(updates)


def view_select(spec: TableSpec, paths: Sequence[Path]) -> str:
    """The typed SELECT a table's view runs: over the given files, or empty."""
    if not paths:
        return empty_select(spec)
    columns = ", ".join(quote(name) for name, _ in spec.stored_columns)
    listing = ", ".join(literal(str(path)) for path in paths)
    return f"SELECT {columns} FROM read_parquet([{listing}], hive_partitioning = false)"


def require_store(workspace: Workspace) -> None:
    if not workspace.duckdb_path.exists():
        raise StoreError("events.no_store", path=str(workspace.root))


@contextmanager
def ingest_lock(workspace: Workspace) -> Iterator[None]:
    """One ingest at a time per workspace (an advisory lock the OS drops if we die)."""
    path = workspace.analytics_dir / ".ingest.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestError("events.ingest_running", path=str(workspace.root)) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_orphans(workspace: Workspace, state: StoreState) -> None:
    """Delete Parquet files and temp folders that no committed view lists (killed runs).

    Only the folders of the raw tables are swept; other modules may keep files beside them.
    """
    committed = {path for files in state.files.values() for path, _ in files}
    for spec in RAW_TABLES:
        folder = workspace.parquet_dir / spec.name
        for path in sorted(folder.rglob("*.parquet")):
            if path.relative_to(workspace.parquet_dir).as_posix() not in committed:
                path.unlink()
        for batch in sorted(folder.glob("*")):
            if batch.is_dir() and not any(batch.iterdir()):
                batch.rmdir()
    for tmp in workspace.analytics_dir.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)


def discard_batch(workspace: Workspace, batch_id: str) -> None:
    for folder in (workspace.parquet_dir / spec.name / batch_id for spec in RAW_TABLES):
        shutil.rmtree(folder, ignore_errors=True)


def delete_files(workspace: Workspace, paths: list[str]) -> None:
    for rel in paths:
        (workspace.parquet_dir / rel).unlink(missing_ok=True)
