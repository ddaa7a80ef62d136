"""What the analytics store has taken in: every ingested file, its quarantine by reason, and
the feature and offer tables built from it (read-only, for the analyst's console).

Quarantine counts come from the ``quarantine`` table, per source file and reason; the rows
themselves (which may carry raw values) stay in the store and never leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from fairfollow.errors import StoreError
from fairfollow.events.schema import literal
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class IngestedFile:
    source_file: str
    table_name: str
    season_dir: str
    rows_accepted: int
    rows_quarantined: int
    batch_id: str
    ingested_at: datetime
    active: bool


@dataclass(frozen=True)
class QuarantineCount:
    source_file: str
    table_name: str
    reason: str
    rows: int


@dataclass(frozen=True)
class BuiltTable:
    """A feature or offer table built for one season (a Parquet file in the store)."""

    kind: str  # "features" or "offers"
    season: int
    rows: int
    built_at: datetime
    path: Path


@dataclass(frozen=True)
class IngestHistory:
    files: tuple[IngestedFile, ...]
    quarantine: tuple[QuarantineCount, ...]
    builds: tuple[BuiltTable, ...]

    @property
    def quarantined(self) -> int:
        return sum(q.rows for q in self.quarantine)


def _builds(con: duckdb.DuckDBPyConnection, workspace: Workspace) -> tuple[BuiltTable, ...]:
    found = []
    for kind in ("features", "offers"):
        for path in sorted((workspace.analytics_dir / kind).glob("season=*/*.parquet")):
            row = con.execute(f"SELECT count(*) FROM read_parquet({literal(str(path))})").fetchone()
            built = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
            season = int(path.parent.name.split("=", 1)[1])
            found.append(BuiltTable(kind, season, int(row[0]) if row else 0, built, path))
    return tuple(found)


def ingest_history(workspace: Workspace) -> IngestHistory:
    """The store's ingest manifest (newest first), quarantine counts and built tables."""
    if not workspace.duckdb_path.exists():
        return IngestHistory((), (), ())
    try:
        con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(
            "events.store_unopenable", path=str(workspace.duckdb_path), reason=str(exc)
        ) from exc
    try:
        files = tuple(
            IngestedFile(str(f), str(t), str(s), int(a), int(q), str(b), at, bool(active))
            for f, t, s, a, q, b, at, active in con.execute(
                "SELECT source_file, table_name, season_dir, rows_accepted, rows_quarantined, "
                "batch_id, ingested_at, active FROM ingest_manifest "
                "ORDER BY ingested_at DESC, source_file"
            ).fetchall()
        )
        quarantine = tuple(
            QuarantineCount(str(f), str(t), str(r), int(n))
            for f, t, r, n in con.execute(
                "SELECT source_file, table_name, reason, count(*) FROM quarantine "
                "GROUP BY ALL ORDER BY 1, 3"
            ).fetchall()
        )
        return IngestHistory(files, quarantine, _builds(con, workspace))
    except duckdb.Error as exc:
        raise StoreError("events.history_unreadable", reason=str(exc)) from exc
    finally:
        con.close()
