"""Moving the analytics store's keyed hashes to the one framing under the pseudonym key.

The store used to keep its hashes as HMAC-SHA256 over ``column:value`` under a key of its
own (``keys/suppression.key``): the ``suppressed`` list (erased members and their cookies,
members who stopped the use) and the identifiers of quarantined rows. Every keyed hash is
now :func:`fairfollow.keys.keyed_hash` under the pseudonym key, with the column as domain.

A hash cannot be re-keyed without its value, so the migration hashes candidate values
under the old framing and rewrites every stored hash it recognises: the identifiers of the
raw files the store was ingested from (the workspace's season, or the folders given — an
erased member is still in them, which is what the list is for) and those still in the
store. It runs once, in one transaction, when a key user first finds the old key
(:func:`fairfollow.events.pseudonym.store_key`); if any stored hash is left unrecognised it
changes nothing and fails with a :class:`~fairfollow.errors.StoreError`, since a
suppressed member silently dropped from the list would come back at the next ingest. Once
done, the old key file is deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fairfollow.errors import StoreError
from fairfollow.events.schema import RAW_TABLES, quote
from fairfollow.keyfile import load_or_create_secret
from fairfollow.keys import KeyFile, keyed_hash
from fairfollow.workspace import Workspace

HASH_PREFIX = "hmac:"
RESTRICTED = "restricted_member_id"  # the domain of members who stopped the use
# Which column's values each kind of the suppressed list hashes.
KIND_COLUMNS = {"member": "member_id", "cookie": "cookie_id", "restricted": RESTRICTED}


@dataclass(frozen=True)
class HashMigration:
    suppressed: int = 0  # list entries rewritten
    quarantine_cells: int = 0  # quarantined identifier cells rewritten


def legacy_hash(key: bytes, column: str, value: object) -> str:
    """The store's former framing (``column:value``), kept only to recognise old hashes."""
    text = str(value).strip()
    return hmac.new(key, f"{column}:{text}".encode(), hashlib.sha256).hexdigest()


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
        [name],
    ).fetchone()
    return bool(found and found[0])


def _distinct(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> set[str]:
    rows = con.execute(
        f"SELECT DISTINCT trim(CAST({quote(column)} AS VARCHAR)) FROM {relation} "
        f"WHERE {quote(column)} IS NOT NULL"
    ).fetchall()
    return {str(r[0]) for r in rows}


def candidates(con: duckdb.DuckDBPyConnection, season_dirs: Iterable[Path]) -> dict[str, set[str]]:
    """Identifier values by column: from the raw files of ``season_dirs`` and the store."""
    found: dict[str, set[str]] = {}
    for spec in RAW_TABLES:
        for column in spec.identifiers:
            values = found.setdefault(column, set())
            for season_dir in season_dirs:
                for path in sorted((season_dir / "raw").glob(spec.pattern)):
                    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
                    extra = "" if path.suffix == ".parquet" else ", all_varchar = true"
                    try:
                        values |= _distinct(con, f"{reader}('{path}'{extra})", column)
                    except duckdb.Error:
                        continue  # a file without the column (or unreadable) names nobody
            try:
                values |= _distinct(con, quote(spec.name), column)
            except duckdb.Error:
                continue  # the table was never ingested
    found[RESTRICTED] = set(found.get("member_id", set()))
    return found


def _rehash(old: bytes, new: bytes, known: dict[str, set[str]], needed: set[str]) -> dict[str, str]:
    """Old hash → new hash for every candidate value of the ``needed`` columns."""
    table: dict[str, str] = {}
    for column in needed:
        for value in known.get(column, ()):
            table[legacy_hash(old, column, value)] = keyed_hash(new, column, value)
    return table


def migrate_store_hashes(
    workspace: Workspace, season_dirs: Sequence[Path] | None = None
) -> HashMigration:
    """Rewrite the store's hashes in the one framing under the pseudonym key (see module)."""
    legacy = KeyFile.LEGACY_STORE.at(workspace.keys_dir)
    if not legacy.exists():
        return HashMigration()
    new = load_or_create_secret(KeyFile.PSEUDONYM.at(workspace.keys_dir))
    if not workspace.duckdb_path.exists():
        legacy.unlink()
        return HashMigration()
    old = load_or_create_secret(legacy)
    if season_dirs is None:
        origin = workspace.origin()
        season_dirs = [] if origin is None else [origin.season_dir]
    con = duckdb.connect(str(workspace.duckdb_path))
    try:
        suppressed = (
            con.execute("SELECT value_hash, kind FROM suppressed").fetchall()
            if _exists(con, "suppressed")
            else []
        )
        quarantined = (
            con.execute(
                "SELECT rowid, raw_values FROM quarantine WHERE raw_values LIKE '%hmac:%'"
            ).fetchall()
            if _exists(con, "quarantine")
            else []
        )
        cells = [(rowid, json.loads(raw)) for rowid, raw in quarantined]
        needed = {KIND_COLUMNS.get(str(kind), str(kind)) for _, kind in suppressed} | {
            name
            for _, values in cells
            if isinstance(values, dict)
            for name, cell in values.items()
            if isinstance(cell, str) and cell.startswith(HASH_PREFIX)
        }
        table = _rehash(old, new, candidates(con, season_dirs), needed) if needed else {}
        list_updates = [[table.get(str(h)), str(h)] for h, _ in suppressed]
        row_updates, count = _quarantine_updates(cells, table)
        unresolved = sum(1 for n, _ in list_updates if n is None) + count.unresolved
        if unresolved:
            raise StoreError(
                "events.hash_migration_unmatched",
                count=unresolved,
                seasons=[str(d) for d in season_dirs],
            )
        con.execute("BEGIN TRANSACTION")
        if list_updates:
            con.executemany(
                "UPDATE suppressed SET value_hash = ? WHERE value_hash = ?", list_updates
            )
        if row_updates:
            con.executemany("UPDATE quarantine SET raw_values = ? WHERE rowid = ?", row_updates)
        con.execute("COMMIT")
    finally:
        con.close()
    legacy.unlink()
    return HashMigration(len(list_updates), count.rewritten)


@dataclass(frozen=True)
class _Count:
    rewritten: int
    unresolved: int


def _quarantine_updates(
    cells: Iterable[tuple[object, object]], table: dict[str, str]
) -> tuple[list[list[object]], _Count]:
    updates: list[list[object]] = []
    rewritten = unresolved = 0
    for rowid, values in cells:
        if not isinstance(values, dict):
            continue
        moved: dict[str, object] = {}
        for name, cell in values.items():
            if isinstance(cell, str) and cell.startswith(HASH_PREFIX):
                found = table.get(cell.removeprefix(HASH_PREFIX))
                if found is None:
                    unresolved += 1
                    moved[name] = cell
                else:
                    rewritten += 1
                    moved[name] = HASH_PREFIX + found
            else:
                moved[name] = cell
        updates.append([json.dumps(moved, ensure_ascii=False, separators=(",", ":")), rowid])
    return updates, _Count(rewritten, unresolved)
