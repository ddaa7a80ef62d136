"""Copying the analytics store while it is in use: the catalogue and the files it lists.

The store is ``store.duckdb`` (the catalogue) plus the Parquet files its ``store_files``
table lists; committed Parquet files are never rewritten, only deleted once a later commit
stops listing them. A snapshot copies the catalogue file, reads the list from the *copy*,
and copies exactly those files. If the catalogue changed while it was copied (an ingest or
an erasure committed), or a listed file vanished, it starts again: no lock is taken, so an
ingest running beside a backup is never refused.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

from fairfollow.errors import StoreError
from fairfollow.workspace import Workspace

ATTEMPTS = 20


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def listed_files(catalogue: Path) -> list[str]:
    """The Parquet paths (under ``tables/``) the catalogue file lists."""
    con = duckdb.connect(str(catalogue), read_only=True)
    try:
        names = {
            str(row[0])
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
        }
        if "store_files" not in names:
            return []
        rows = con.execute("SELECT parquet_path FROM store_files ORDER BY parquet_path")
        return [str(row[0]) for row in rows.fetchall()]
    finally:
        con.close()


def _attempt(workspace: Workspace, target: Path) -> bool:
    """One try at a consistent copy into ``target`` (analytics/); False to try again."""
    before = _signature(workspace.duckdb_path)
    wal = workspace.duckdb_path.with_name(workspace.duckdb_path.name + ".wal")
    if before is None or wal.exists():  # a commit is under way
        return False
    shutil.rmtree(target, ignore_errors=True)
    (target / "tables").mkdir(parents=True)
    copy = target / workspace.duckdb_path.name
    try:
        shutil.copyfile(workspace.duckdb_path, copy)
    except FileNotFoundError:  # renamed over by an erasure
        return False
    if _signature(workspace.duckdb_path) != before or wal.exists():
        return False
    try:
        paths = listed_files(copy)
    except duckdb.Error:
        return False
    for rel in paths:
        destination = target / "tables" / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(workspace.parquet_dir / rel, destination)
        except FileNotFoundError:  # superseded since: the catalogue moved on
            return False
    return _signature(workspace.duckdb_path) == before


def snapshot_store(workspace: Workspace, target: Path) -> bool:
    """Copy the committed store into ``target`` (which becomes ``analytics/`` of the copy);
    False when the workspace has no store. ``StoreError`` if it never held still."""
    if not workspace.duckdb_path.exists():
        return False
    for attempt in range(ATTEMPTS):
        if _attempt(workspace, target):
            for path in target.rglob("*"):
                if path.is_file():
                    with path.open("rb") as handle:
                        os.fsync(handle.fileno())
            return True
        time.sleep(min(0.05 * 2**attempt, 2.0))
    raise StoreError("ops.store_busy", attempts=ATTEMPTS)
