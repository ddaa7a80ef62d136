"""Erasure and correction in the analytics store: Parquet rewritten, catalogue swapped, atomically.

:func:`rewrite_members` is a store operation like an ingest, under the same lock:

1. find, with one scan of the key columns per table, the committed Parquet files that hold
   a row of an erased member (``member_id``) or of a cookie linked to one (``cookie_id``),
   or a member row to correct;
2. rewrite each such file, without those rows (and with the corrected values), to a new
   batch-unique name; files that hold none are left as they are;
3. write a new ``store.duckdb`` holding the catalogue with the new file set, the quarantine
   without the erased members' rows, and the suppression list with their keyed hashes
   (:mod:`fairfollow.events.suppression`), and swap it in with one atomic rename — a fresh
   file, so no freed page of the old one keeps a deleted value;
4. delete the old Parquet files.

A run killed before the rename leaves the store as it was (the new files are orphans the
next ingest sweeps away); after it, the store holds nothing of the erased members.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from fairfollow.errors import InputError, StoreError
from fairfollow.events.catalog import (
    QUARANTINE_FIELD_DDL,
    connect_work,
    delete_files,
    ingest_lock,
    read_state,
    redact_legacy,
    remove_orphans,
    require_store,
    view_select,
)
from fairfollow.events.pseudonym import keyed_cell
from fairfollow.events.schema import RAW_TABLES, TABLES_BY_NAME, TableSpec, literal, quote
from fairfollow.events.suppression import SUPPRESSED_DDL, suppression_key, value_hash
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

# Profile fields a member may have corrected (GDPR Art. 16, APPI Art. 34).
CORRECTABLE = ("name_kanji", "name_kana", "email", "birth_date", "university")


@dataclass(frozen=True)
class StoreRewrite:
    """What one erasure/correction did to the analytics store."""

    batch_id: str
    members_erased: int
    cookies_erased: int
    members_corrected: int
    rows_removed: Mapping[str, int]
    rows_corrected: int
    quarantine_removed: int
    files_rewritten: int
    bytes_rewritten: int
    elapsed_s: float
    suppressed_added: int = 0
    files: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "members_erased": self.members_erased,
            "cookies_erased": self.cookies_erased,
            "members_corrected": self.members_corrected,
            "rows_removed": dict(self.rows_removed),
            "rows_corrected": self.rows_corrected,
            "quarantine_removed": self.quarantine_removed,
            "files_rewritten": self.files_rewritten,
            "bytes_rewritten": self.bytes_rewritten,
            "suppressed_added": self.suppressed_added,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def _check_corrections(corrections: Mapping[int, Mapping[str, str]]) -> None:
    for member, fields in corrections.items():
        for name in fields:
            if name not in CORRECTABLE:
                raise InputError(
                    "events.field_not_correctable",
                    member=member,
                    field=name,
                    correctable=list(CORRECTABLE),
                )


def _listing(paths: Sequence[Path]) -> str:
    return "[" + ", ".join(literal(str(p)) for p in paths) + "]"


def _id_table(
    con: duckdb.DuckDBPyConnection, name: str, sql_type: str, values: Sequence[object]
) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (v {sql_type})")
    if values:
        con.executemany(f"INSERT INTO {name} VALUES (?)", [[v] for v in values])


def _condition(spec: TableSpec) -> str | None:
    parts = []
    if "member_id" in spec.column_names:
        parts.append("member_id IN (SELECT v FROM erase_members)")
    if "cookie_id" in spec.column_names:
        parts.append("cookie_id IN (SELECT v FROM erase_cookies)")
    return " OR ".join(parts) or None


def _select(spec: TableSpec, corrections: Mapping[int, Mapping[str, str]]) -> str:
    """The stored columns, with corrected values for the members table."""
    if spec.name != "members" or not corrections:
        return ", ".join(quote(n) for n, _ in spec.stored_columns)
    out = []
    for name, sql_type in spec.stored_columns:
        cases = [
            f"WHEN member_id = {int(m)} THEN CAST({literal(v[name])} AS {sql_type})"
            for m, v in sorted(corrections.items())
            if name in v
        ]
        out.append(
            f"CASE {' '.join(cases)} ELSE {quote(name)} END AS {quote(name)}"
            if cases
            else quote(name)
        )
    return ", ".join(out)


def rewrite_members(
    workspace: Workspace,
    erase: Sequence[int],
    corrections: Mapping[int, Mapping[str, str]] | None = None,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> StoreRewrite:
    """Erase ``erase`` and apply ``corrections`` (member → field → new value), atomically."""
    started = time.perf_counter()
    settings = settings or Settings.model_construct()
    corrections = {int(m): dict(v) for m, v in (corrections or {}).items() if v}
    _check_corrections(corrections)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    require_store(workspace)
    erased = sorted({int(m) for m in erase})
    batch_id = f"{stamp:%Y%m%dT%H%M%S}-rights-{os.getpid()}"
    key = suppression_key(workspace)
    with ingest_lock(workspace):
        state = read_state(workspace)
        remove_orphans(workspace, state)
        new_files: list[Path] = []
        try:
            with connect_work(settings, workspace.analytics_dir / f".tmp-{batch_id}") as con:
                result = _rewrite(
                    con, workspace, state.files, erased, corrections, batch_id, new_files
                )
                replaced, removed, cookies = result
                swapped = _swap_catalog(
                    con, workspace, replaced, erased, cookies, key, batch_id, stamp
                )
        except BaseException as exc:
            for path in new_files:
                path.unlink(missing_ok=True)
            if isinstance(exc, duckdb.Error | OSError):
                raise StoreError("events.erasure_failed", reason=str(exc)) from exc
            raise
        delete_files(workspace, sorted(replaced))
    return StoreRewrite(
        batch_id=batch_id,
        members_erased=len(erased),
        cookies_erased=len(cookies),
        members_corrected=len(corrections),
        rows_removed={t: n for t, n in sorted(removed.items()) if n},
        rows_corrected=swapped.corrected,
        quarantine_removed=swapped.quarantine_removed,
        files_rewritten=len(replaced),
        bytes_rewritten=sum(p.stat().st_size for p in new_files),
        elapsed_s=time.perf_counter() - started,
        suppressed_added=swapped.suppressed_added,
        files=tuple(sorted(replaced.values())),
    )


def _rewrite(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    files: Mapping[str, tuple[tuple[str, str], ...]],
    erased: Sequence[int],
    corrections: Mapping[int, Mapping[str, str]],
    batch_id: str,
    new_files: list[Path],
) -> tuple[dict[str, str], Counter[str], list[str]]:
    """Rewrite the affected files; returns old → new path, rows removed by table, cookies."""
    _id_table(con, "erase_members", "BIGINT", list(erased))
    links = [workspace.parquet_dir / p for p, _ in files.get("cookie_links", ())]
    cookies: list[str] = []
    if links and erased:
        cookies = [
            str(r[0])
            for r in con.execute(
                f"SELECT DISTINCT cookie_id FROM read_parquet({_listing(links)}, "
                "hive_partitioning = false) WHERE member_id IN (SELECT v FROM erase_members) "
                "ORDER BY 1"
            ).fetchall()
        ]
    _id_table(con, "erase_cookies", "VARCHAR", cookies)
    _id_table(con, "correct_members", "BIGINT", sorted(corrections))
    replaced: dict[str, str] = {}
    removed: Counter[str] = Counter()
    for spec in RAW_TABLES:
        condition = _condition(spec)
        correcting = spec.name == "members" and bool(corrections)
        paths = [p for p, _ in files.get(spec.name, ())]
        if condition is None or not paths:
            continue
        touch = f"({condition})" + (
            " OR member_id IN (SELECT v FROM correct_members)" if correcting else ""
        )
        hits = {
            Path(str(name)).as_posix(): int(count)
            for name, count in con.execute(
                f"SELECT filename, count(*) FILTER (WHERE {condition}) FROM read_parquet("
                f"{_listing([workspace.parquet_dir / p for p in paths])}, filename = true, "
                f"hive_partitioning = false) WHERE {touch} GROUP BY filename"
            ).fetchall()
        }
        for rel in paths:
            source = (workspace.parquet_dir / rel).as_posix()
            if source not in hits:
                continue
            folder = workspace.parquet_dir / spec.name / batch_id
            folder.mkdir(parents=True, exist_ok=True)
            out = folder / f"{len(replaced):05d}.parquet"
            new_files.append(out)
            con.execute(
                f"COPY (SELECT {_select(spec, corrections)} FROM read_parquet({literal(source)}, "
                f"hive_partitioning = false) WHERE NOT coalesce({condition}, false)) "
                f"TO {literal(str(out))} (FORMAT parquet, COMPRESSION snappy)"
            )
            replaced[rel] = out.relative_to(workspace.parquet_dir).as_posix()
            removed[spec.name] += hits[source]
    return replaced, removed, cookies


@dataclass(frozen=True)
class _Swapped:
    corrected: int
    quarantine_removed: int
    suppressed_added: int


def _swap_catalog(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    replaced: Mapping[str, str],
    erased: Sequence[int],
    cookies: Sequence[str],
    key: bytes,
    batch_id: str,
    stamp: datetime,
) -> _Swapped:
    """Write the new catalogue to a fresh file and rename it over ``store.duckdb``."""
    fresh = workspace.analytics_dir / f".store-{batch_id}.duckdb"
    fresh.unlink(missing_ok=True)
    con.execute(f"ATTACH {literal(str(workspace.duckdb_path))} AS old (READ_ONLY)")
    con.execute(f"ATTACH {literal(str(fresh))} AS fresh")
    try:
        con.execute("COPY FROM DATABASE old TO fresh")
        con.execute("DETACH old")
        con.execute("USE fresh")
        con.execute("BEGIN TRANSACTION")
        con.execute(SUPPRESSED_DDL)
        for old, new in replaced.items():
            con.execute(
                "UPDATE store_files SET parquet_path = ?, rows = (SELECT count(*) FROM "
                "read_parquet(?)) WHERE parquet_path = ?",
                [new, str(workspace.parquet_dir / new), old],
            )
        con.execute(QUARANTINE_FIELD_DDL)  # a store from before quarantine rows named a field
        redact_legacy(con, key)
        before = _count(con, "quarantine")
        # Quarantined rows keep identifiers as keyed hashes (events.pseudonym): find the
        # member's rows by the hashes of their id and of their cookies.
        _id_table(
            con,
            "erase_hashes",
            "VARCHAR",
            [keyed_cell(key, "member_id", m) for m in erased]
            + [keyed_cell(key, "cookie_id", c) for c in cookies],
        )
        con.execute(
            "DELETE FROM quarantine WHERE "
            "json_extract_string(raw_values, '$.member_id') IN (SELECT v FROM temp.erase_hashes) "
            "OR json_extract_string(raw_values, '$.cookie_id') IN (SELECT v FROM temp.erase_hashes)"
        )
        quarantine_removed = before - _count(con, "quarantine")
        hashes = [(value_hash(key, "member_id", m), "member") for m in erased]
        hashes += [(value_hash(key, "cookie_id", c), "cookie") for c in cookies]
        known = {str(r[0]) for r in con.execute("SELECT value_hash FROM suppressed").fetchall()}
        new_hashes = [(h, kind) for h, kind in hashes if h not in known]
        if new_hashes:
            con.executemany(
                "INSERT INTO suppressed VALUES (?, ?, ?, ?)",
                [[h, kind, stamp, batch_id] for h, kind in new_hashes],
            )
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
        corrected = int(
            _count(con, "members WHERE member_id IN (SELECT v FROM temp.correct_members)")
        )
        con.execute("COMMIT")
        con.execute("USE memory")
        con.execute("DETACH fresh")
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        with suppress(duckdb.Error):
            con.execute("USE memory")
            con.execute("DETACH fresh")
        fresh.unlink(missing_ok=True)
        raise
    try:
        os.replace(fresh, workspace.duckdb_path)  # the commit: one atomic rename
    except OSError:
        fresh.unlink(missing_ok=True)
        raise
    Path(str(workspace.duckdb_path) + ".wal").unlink(missing_ok=True)
    return _Swapped(corrected, quarantine_removed, len(new_hashes))


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    ((count,),) = con.execute(f"SELECT count(*) FROM {relation}").fetchall()
    return int(count)


__all__ = ["CORRECTABLE", "TABLES_BY_NAME", "StoreRewrite", "rewrite_members"]
