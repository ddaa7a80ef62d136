"""Raw export files of a season directory: discovery, header checks, CSV reading.

Everything here happens before the store is touched, so that a prohibited item or a missing
column refuses the whole ingest with nothing written (prohibited items are refused at
intake, never stored).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from fairfollow.errors import EncodingError, ProhibitedItemError, SchemaError
from fairfollow.events.schema import RAW_TABLES, TableSpec, literal
from fairfollow.law.prohibited import find_prohibited

CSV_ROW_COLUMN = "__csv_row"
_SEASON_DIR = re.compile(r"^season=(\d{4})$")


@dataclass(frozen=True)
class SourceFile:
    """One raw file to load into one table."""

    table: TableSpec
    path: Path
    # Path under raw/, POSIX style: the file's identity in the manifest and quarantine.
    rel: str
    season: int | None
    sha256: str


def discover_sources(season_dir: Path) -> list[SourceFile]:
    """Every raw file of the declared tables, checked; refuses the lot on the first fault.

    Every CSV and Parquet file under ``raw/`` is checked for prohibited columns, including
    files other modules load (consent events, screens), because intake refuses the whole
    delivery. Files of declared tables must carry all declared columns.
    """
    raw = season_dir / "raw"
    if not raw.is_dir():
        raise SchemaError("events.no_raw_folder", path=str(season_dir))
    for path in sorted(raw.rglob("*")):
        if path.suffix in (".csv", ".parquet") and path.is_file():
            rel = path.relative_to(raw).as_posix()
            hit = find_prohibited(header_of(path, rel))
            if hit is not None:
                raise ProhibitedItemError(
                    f"raw/{rel}", hit.column, hit.rule_id, hit.citation, hit.basis
                )
    sources: list[SourceFile] = []
    for spec in RAW_TABLES:
        for path in sorted(raw.glob(spec.pattern)):
            rel = path.relative_to(raw).as_posix()
            present = set(header_of(path, rel))
            for column in spec.column_names:
                if column not in present:
                    raise SchemaError(
                        "events.column_missing", file=f"raw/{rel}", column=column, table=spec.name
                    )
            sources.append(SourceFile(spec, path, rel, _season_of(path, rel, spec), _sha256(path)))
    if not sources:
        raise SchemaError("events.no_raw_files", path=str(raw))
    return sources


def header_of(path: Path, rel: str) -> list[str]:
    """Column names of a CSV (UTF-8, optional BOM) or Parquet file."""
    if path.suffix == ".parquet":
        try:
            return list(pq.read_schema(path).names)
        except (pa.ArrowException, OSError) as exc:
            raise SchemaError(
                "events.parquet_unreadable", file=f"raw/{rel}", reason=str(exc)
            ) from exc
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise EncodingError("events.not_utf8", file=f"raw/{rel}", offset=exc.start) from exc
    if not first:
        raise SchemaError("events.file_empty", file=f"raw/{rel}")
    return [name.strip() for name in first]


# DuckDB's names for the Arrow types a Parquet file can hold (what DESCRIBE would say).
_DUCKDB_TYPES = {
    "int8": "TINYINT",
    "int16": "SMALLINT",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "bool": "BOOLEAN",
    "string": "VARCHAR",
    "large_string": "VARCHAR",
    "date32[day]": "DATE",
    "double": "DOUBLE",
    "float": "FLOAT",
}


def parquet_types(path: Path) -> dict[str, str]:
    """Each column's type in DuckDB's spelling, from the file's schema alone: every engine
    decides from it which columns need converting, so they all run the same query."""
    types: dict[str, str] = {}
    for field in pq.read_schema(path):
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_timestamp(kind):
            types[field.name] = "TIMESTAMP WITH TIME ZONE" if kind.tz else "TIMESTAMP"
        else:
            types[field.name] = _DUCKDB_TYPES.get(str(kind), str(kind).upper())
    return types


def read_csv_text(source: SourceFile) -> pa.Table:
    """The declared columns of a CSV as text, plus its 0-based data-row number.

    Cells stay text so that a value which does not parse is quarantined by the SQL rules
    instead of failing the whole read; extra columns are never loaded.
    """
    names = list(source.table.column_names)
    try:
        table = pa_csv.read_csv(
            source.path,
            read_options=pa_csv.ReadOptions(encoding="utf8"),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                include_columns=names,
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise SchemaError(
            "events.csv_unreadable", file=f"raw/{source.rel}", reason=str(exc)
        ) from exc
    rows = pa.array(range(table.num_rows), type=pa.int64())
    return table.append_column(CSV_ROW_COLUMN, rows)


def season_bounds(season_dir: Path, sources: list[SourceFile]) -> dict[int, tuple[str, str]]:
    """Per season, the events window from manifest.json as TIMESTAMPTZ SQL literals."""
    seasons = {s.season for s in sources if s.season is not None}
    if not seasons:
        return {}
    path = season_dir / "manifest.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["seasons"]
        bounds = {
            int(entry["season"]): (
                _ts_literal(entry["events_from"]),
                _ts_literal(entry["events_to"]),
            )
            for entry in entries
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemaError("events.no_seasons_list", path=str(path), reason=str(exc)) from exc
    for season in sorted(seasons - set(bounds)):
        raise SchemaError("events.no_events_window", path=str(path), season=season)
    return bounds


def _ts_literal(text: str) -> str:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without offset: {text!r}")
    return f"CAST({literal(moment.isoformat())} AS TIMESTAMPTZ)"


def _season_of(path: Path, rel: str, spec: TableSpec) -> int | None:
    if not spec.seasonal:
        return None
    match = _SEASON_DIR.match(path.parent.name)
    if match is None:
        raise SchemaError("events.no_season_folder", file=f"raw/{rel}")
    return int(match.group(1))


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
