"""The suppression list of the analytics store: keyed hashes of erased members and cookies.

Erasure (:mod:`fairfollow.events.erasure`) adds the HMAC-SHA256, under the store's key
(the pseudonym key, :mod:`fairfollow.events.pseudonym`), of each erased member id and
of each cookie id linked to them, to the ``suppressed`` table of ``store.duckdb``. Every
later ingest reads the list and keeps those rows out — neither stored nor quarantined — and
counts them per table, so re-ingesting the same season cannot bring an erased member back
(GDPR Art. 17(1), APPI Art. 35). The list holds no id in clear: without the key, nobody can
test guesses against it.

A store with an empty list pays nothing; otherwise each file costs one extra scan of its key
columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from fairfollow.events.hash_migration import RESTRICTED as RESTRICTED
from fairfollow.events.pseudonym import KEY_FILE as KEY_FILE
from fairfollow.events.pseudonym import store_key
from fairfollow.events.pseudonym import value_hash as value_hash
from fairfollow.events.schema import TableSpec, literal
from fairfollow.workspace import Workspace

# The columns a suppressed value is looked for in, and what each names.
KEY_COLUMNS = ("member_id", "cookie_id")
SUPPRESSED_DDL = (
    "CREATE TABLE IF NOT EXISTS suppressed (value_hash VARCHAR PRIMARY KEY, "
    "kind VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL, batch_id VARCHAR NOT NULL)"
)


def suppression_key(workspace: Workspace) -> bytes:
    """The workspace's secret for the suppression list: the store's key (created once)."""
    return store_key(workspace)


@dataclass(frozen=True)
class Suppression:
    """The committed list and its key, as an ingest applies it."""

    key: bytes = field(repr=False)
    hashes: frozenset[str] = frozenset()

    def hits(self, column: str, values: Iterable[object]) -> list[object]:
        """The values of ``column`` that are on the list."""
        return [v for v in values if value_hash(self.key, column, v) in self.hashes]


def read_suppression(workspace: Workspace) -> Suppression:
    """The store's list (empty when there is no store or nothing was ever erased)."""
    key = suppression_key(workspace)
    if not workspace.duckdb_path.exists():
        return Suppression(key)
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        present = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND table_name = 'suppressed'"
        ).fetchone()
        if not present or not present[0]:
            return Suppression(key)
        rows = con.execute(
            "SELECT value_hash FROM suppressed WHERE kind IN ('member', 'cookie')"
        ).fetchall()
    finally:
        con.close()
    return Suppression(key, frozenset(str(r[0]) for r in rows))


def _clean(column: str) -> str:
    return f"trim(CAST({column} AS VARCHAR))"


def without_suppressed(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    relation: str,
    query: str,
    suppression: Suppression,
) -> tuple[str, int]:
    """``query`` keeping out the rows of suppressed values, and how many rows that is."""
    columns = [c for c in KEY_COLUMNS if c in spec.column_names]
    if not suppression.hashes or not columns:
        return query, 0
    conditions = []
    for column in columns:
        found = con.execute(
            f"SELECT DISTINCT {_clean(column)} FROM {relation} WHERE {column} IS NOT NULL"
        ).fetchall()
        hits = suppression.hits(column, (row[0] for row in found))
        if hits:
            listing = ", ".join(literal(str(v)) for v in hits)
            conditions.append(f"{_clean(column)} IN ({listing})")
    if not conditions:
        return query, 0
    condition = " OR ".join(conditions)
    ((count,),) = con.execute(f"SELECT count(*) FROM {relation} WHERE {condition}").fetchall()
    kept = f"SELECT * FROM ({query}) WHERE NOT coalesce({condition}, false)"
    return kept, int(count)


def restricted_members(workspace: Workspace, member_ids: Iterable[int]) -> set[int]:
    """The members of ``member_ids`` whose use is stopped (GDPR Art. 18/21, APPI Art. 35)."""
    if not workspace.duckdb_path.exists():
        return set()
    key = suppression_key(workspace)
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        present = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND table_name = 'suppressed'"
        ).fetchone()
        if not present or not present[0]:
            return set()
        hashes = {
            str(r[0])
            for r in con.execute(
                "SELECT value_hash FROM suppressed WHERE kind = 'restricted'"
            ).fetchall()
        }
    finally:
        con.close()
    return {int(m) for m in member_ids if value_hash(key, RESTRICTED, m) in hashes}


def restrict_members(
    workspace: Workspace, member_ids: Iterable[int], *, now: datetime, batch_id: str
) -> int:
    """Record that the members' data may no longer be used; returns how many were added.

    Their rows stay in the store (stopping use is not erasure); every read of features
    leaves them out from now on (:func:`fairfollow.model.feature_source.read_features`).
    """
    from fairfollow.events.catalog import ingest_lock, require_store

    require_store(workspace)
    key = suppression_key(workspace)
    hashes = sorted({value_hash(key, RESTRICTED, m) for m in member_ids})
    with ingest_lock(workspace):
        con = duckdb.connect(str(workspace.duckdb_path))
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(SUPPRESSED_DDL)
            known = {str(r[0]) for r in con.execute("SELECT value_hash FROM suppressed").fetchall()}
            new = [h for h in hashes if h not in known]
            if new:
                con.executemany(
                    "INSERT INTO suppressed VALUES (?, 'restricted', ?, ?)",
                    [[h, now, batch_id] for h in new],
                )
            con.execute("COMMIT")
        finally:
            con.close()
    return len(new)


def without_restricted(workspace: Workspace, table: pa.Table) -> pa.Table:
    """``table`` (with a ``member_id`` column) without the rows of restricted members."""
    if "member_id" not in table.column_names or table.num_rows == 0:
        return table
    ids = {int(m) for m in pc.unique(table["member_id"]).to_pylist() if m is not None}
    stopped = restricted_members(workspace, ids)
    if not stopped:
        return table
    wanted = pa.array(sorted(stopped), type=pa.int64())
    keep = pc.invert(pc.is_in(table["member_id"].cast(pa.int64()), value_set=wanted))
    return table.filter(keep)
