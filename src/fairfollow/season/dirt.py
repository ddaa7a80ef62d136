"""Dirt injected into raw platform logs, each dirty row with exactly one defect and the
quarantine reason code ingest must give it (listed in ``truth/log_dirt.parquet``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fairfollow.season.calendar import DAY_MS, SeasonCalendar

EVENT_REASONS = (
    "missing_member_id",
    "unknown_member",
    "ts_out_of_range",
    "unknown_event_type",
    "unknown_company",
)
PARTNER_REASONS = ("missing_cookie_id", "ts_out_of_range")
CONSENT_REASONS = ("bad_timestamp", "unknown_member", "unknown_purpose", "unknown_action")
UNKNOWN_MEMBER_BASE = 900_000_000  # above any member id the simulator issues
UNKNOWN_COMPANY = 999_999
GARBLED_ID_BASE = 800_000_000  # ids of garbled consent rows, above any real event id


def _mask(n: int, rows: np.ndarray) -> pa.Array:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return pa.array(mask)


def _bad_ts(rng: np.random.Generator, k: int, calendar: SeasonCalendar) -> pa.Array:
    late = rng.random(k) < 0.5
    ts = np.where(late, calendar.events_to + 400 * DAY_MS, calendar.events_from - 400 * DAY_MS)
    return pa.array(ts, type=pa.timestamp("ms", tz="UTC"))


def _replace(column: pa.Array | pa.ChunkedArray, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """``column`` with ``rows`` (ascending) replaced by ``values`` (in order)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return pc.replace_with_mask(column, _mask(len(column), rows), values.cast(column.type))


def dirty_events(
    rng: np.random.Generator, table: pa.Table, rate: float, calendar: SeasonCalendar
) -> tuple[pa.Table, np.ndarray, list[str]]:
    """Return the table with dirt, the dirty row numbers and their reason codes."""
    n = table.num_rows
    k = int(rng.binomial(n, rate)) if n else 0
    rows = np.sort(rng.choice(n, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)
    has_company = ~np.asarray(table["company_id"].is_null().to_numpy(zero_copy_only=False))
    kind = rng.integers(0, len(EVENT_REASONS), k)
    kind[(kind == 4) & ~has_company[rows]] = 3  # only rows naming a company can name a bad one
    columns = {name: table[name] for name in table.column_names}
    sel = {i: rows[kind == i] for i in range(len(EVENT_REASONS))}
    if sel[0].size:
        columns["member_id"] = _replace(
            columns["member_id"], sel[0], pa.nulls(sel[0].size, pa.int64())
        )
    if sel[1].size:
        columns["member_id"] = _replace(
            columns["member_id"],
            sel[1],
            pa.array(UNKNOWN_MEMBER_BASE + np.arange(sel[1].size), type=pa.int64()),
        )
    if sel[2].size:
        columns["ts"] = _replace(columns["ts"], sel[2], _bad_ts(rng, sel[2].size, calendar))
    if sel[3].size:
        columns["event_type"] = _replace(
            columns["event_type"], sel[3], pa.array(["pageveiw"] * sel[3].size)
        )
    if sel[4].size:
        columns["company_id"] = _replace(
            columns["company_id"], sel[4], pa.array([UNKNOWN_COMPANY] * sel[4].size, pa.int32())
        )
    out = pa.table(columns, schema=table.schema)
    return out, rows, [EVENT_REASONS[i] for i in kind]


def dirty_partner_events(
    rng: np.random.Generator, table: pa.Table, rate: float, calendar: SeasonCalendar
) -> tuple[pa.Table, np.ndarray, list[str]]:
    n = table.num_rows
    k = int(rng.binomial(n, rate)) if n else 0
    rows = np.sort(rng.choice(n, size=k, replace=False)) if k else np.zeros(0, dtype=np.int64)
    kind = rng.integers(0, len(PARTNER_REASONS), k)
    columns = {name: table[name] for name in table.column_names}
    missing, late = rows[kind == 0], rows[kind == 1]
    if missing.size:
        columns["cookie_id"] = _replace(
            columns["cookie_id"], missing, pa.array([""] * missing.size)
        )
    if late.size:
        columns["ts"] = _replace(columns["ts"], late, _bad_ts(rng, late.size, calendar))
    return pa.table(columns, schema=table.schema), rows, [PARTNER_REASONS[i] for i in kind]


def garbled_consent_rows(
    rng: np.random.Generator, table: pa.Table, rate: float
) -> tuple[pa.Table, np.ndarray, list[str]]:
    """Insert garbled copies of random consent rows into an all-string table; return the new
    table, the dirty row numbers (0-based data rows) and their reasons. Garbled rows are
    extra rows, so the truth about consent is unaffected."""
    n = table.num_rows
    k = int(rng.binomial(n, rate)) if n else 0
    picks = rng.integers(0, n, k) if n else np.zeros(0, dtype=np.int64)
    positions = np.sort(rng.integers(0, n + 1, k))
    kinds = rng.integers(0, len(CONSENT_REASONS), k)
    pieces: list[pa.Table] = []
    cursor = 0
    for j, (pos, pick, kind) in enumerate(zip(positions, picks, kinds, strict=True)):
        pieces.append(table.slice(cursor, int(pos) - cursor))
        cursor = int(pos)
        row = {name: [table[name][int(pick)].as_py()] for name in table.column_names}
        row["consent_event_id"] = [str(GARBLED_ID_BASE + j)]
        if kind == 0:
            row["occurred_at"] = [str(row["occurred_at"][0])[:5] + "02-30T25:61:00+09:00"]
        elif kind == 1:
            row["member_id"] = [str(UNKNOWN_MEMBER_BASE + j)]
        elif kind == 2:
            row["purpose_key"] = ["employer_forcast"]
        else:
            row["action"] = ["grnat"]
        pieces.append(pa.table(row, schema=table.schema))
    pieces.append(table.slice(cursor))
    out = pa.concat_tables(pieces) if k else table
    dirty_rows = positions + np.arange(k)
    return out, dirty_rows.astype(np.int64), [CONSENT_REASONS[i] for i in kinds]
