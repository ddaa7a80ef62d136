"""The typed schema of the raw platform exports, declared once as data, and its SQL.

Each :class:`TableSpec` names the files of one table under ``raw/`` (docs/season-format.md),
its columns with their DuckDB types, and the row rules that send a row to quarantine. From
the spec this module writes the one SQL query that casts every column and gives each row
the reason code of its *first* failing rule (a ``CASE`` chain), so validation runs
vectorised inside DuckDB. Pure: it builds text and imports no database.

Rule order per row: for each column in declared order, a missing required value
(``null_reason``, by default ``missing_field:<column>``) and then a value that does not
cast to the declared type (``bad_value:<column>``); then the table's own rules in order.
The table rules carry the reason codes listed in docs/season-format.md ("Injected log
dirt"); the generic codes only fire on input that is malformed in a way the contract does
not list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["csv", "parquet"]

# Columns the ingest adds to every row it reads; never part of a raw file.
ROW_COLUMN = "__row"
REASON_COLUMN = "__reason"
RAW_COLUMN = "__raw"

EVENT_TYPES = ("page_view", "login", "entry", "seminar_booking", "offer_report")


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its name in the file, its DuckDB type, and what its absence means."""

    name: str
    sql_type: str
    required: bool = False
    # Reason code for a missing value of a required column; default missing_field:<name>.
    null_reason: str | None = None
    # Identifies (or could identify) a person: a quarantined row keeps only its keyed hash.
    identifier: bool = False

    @property
    def missing_reason(self) -> str:
        return self.null_reason or f"missing_field:{self.name}"


@dataclass(frozen=True)
class RuleSpec:
    """A row rule: rows where ``condition`` holds are quarantined with ``reason``.

    ``condition`` is DuckDB SQL over the typed columns; it may use the reference tables
    ``ref_members`` / ``ref_companies`` and the season bounds ``{events_from}`` /
    ``{events_to}`` (TIMESTAMPTZ literals filled in per file). ``column`` is the field the
    rule is about, named beside the reason in every quarantine row.
    """

    reason: str
    condition: str
    column: str


@dataclass(frozen=True)
class TableSpec:
    """One table of the analytics store and the raw files it is loaded from."""

    name: str
    kind: SourceKind
    # Glob under raw/: one CSV file, or Parquet parts in season=YYYY/ folders.
    pattern: str
    columns: tuple[ColumnSpec, ...]
    rules: tuple[RuleSpec, ...] = ()
    # Parquet parts carry their season in the folder name; it becomes a typed column.
    seasonal: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def identifiers(self) -> frozenset[str]:
        """The columns a quarantine row keeps only as keyed hashes."""
        return frozenset(column.name for column in self.columns if column.identifier)

    def field_of(self, reason: str) -> str:
        """The field a reason code of this table is about (``bad_value:ts`` → ``ts``)."""
        for column in self.columns:
            if reason in (column.missing_reason, f"bad_value:{column.name}"):
                return column.name
        for rule in self.rules:
            if rule.reason == reason:
                return rule.column
        raise ValueError(f"{self.name}: no field for reason {reason!r}")

    @property
    def stored_columns(self) -> tuple[tuple[str, str], ...]:
        """(name, type) of the columns written to the store, in order."""
        extra = (("season", "SMALLINT"),) if self.seasonal else ()
        return tuple((column.name, column.sql_type) for column in self.columns) + extra


def _c(
    name: str,
    sql_type: str = "VARCHAR",
    *,
    required: bool = False,
    null_reason: str | None = None,
    identifier: bool = False,
) -> ColumnSpec:
    return ColumnSpec(name, sql_type, required or null_reason is not None, null_reason, identifier)


def _id(
    name: str, sql_type: str = "VARCHAR", *, required: bool = False, null_reason: str | None = None
) -> ColumnSpec:
    """A column that identifies a person (member id, cookie id, name, e-mail, birth date)."""
    return _c(name, sql_type, required=required, null_reason=null_reason, identifier=True)


_TS_RANGE = RuleSpec("ts_out_of_range", "ts < {events_from} OR ts >= {events_to}", "ts")

RAW_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "industries",
        "csv",
        "industries.csv",
        (
            _c("industry_id", "SMALLINT", required=True),
            _c("name_ja"),
            _c("name_en"),
        ),
    ),
    TableSpec(
        "companies",
        "csv",
        "companies.csv",
        (
            _c("company_id", "INTEGER", required=True),
            _c("name"),
            _c("industry_id", "SMALLINT"),
            _c("is_client", "BOOLEAN", required=True),
            _c("client_active", "BOOLEAN", required=True),
        ),
    ),
    TableSpec(
        "members",
        "csv",
        "members.csv",
        (
            _id("member_id", "BIGINT", required=True),
            _c("season", "SMALLINT", required=True),
            _id("name_kanji"),
            _id("name_kana"),
            _id("email"),
            _id("birth_date", "DATE"),
            _c("university"),
            _c("registered_at", "TIMESTAMPTZ"),
            _c("registration_screen"),
        ),
    ),
    TableSpec(
        "member_attributes",
        "csv",
        "member_attributes.csv",
        (
            _id("member_id", "BIGINT", required=True),
            _c("gender"),
            _c("university_tier", "TINYINT"),
            _c("region"),
        ),
    ),
    TableSpec(
        "partner_sources",
        "csv",
        "partner_sources.csv",
        (
            _c("partner_id", required=True),
            _c("name"),
            _c("stated_purposes"),
        ),
    ),
    TableSpec(
        "cookie_links",
        "csv",
        "cookie_links.csv",
        (
            _id("cookie_id", required=True),
            _id("member_id", "BIGINT", required=True),
            _c("linked_at", "TIMESTAMPTZ"),
        ),
    ),
    TableSpec(
        "events",
        "parquet",
        "events/season=*/*.parquet",
        (
            _c("event_id", "BIGINT", required=True),
            _id("member_id", "BIGINT", null_reason="missing_member_id"),
            _c("ts", "TIMESTAMPTZ", null_reason="ts_out_of_range"),
            _c("event_type", null_reason="unknown_event_type"),
            _c("company_id", "INTEGER"),
            _c("industry_id", "SMALLINT"),
            _c("device"),
            _c("dwell_s", "INTEGER"),
        ),
        (
            RuleSpec(
                "unknown_member",
                "member_id NOT IN (SELECT member_id FROM ref_members)",
                "member_id",
            ),
            _TS_RANGE,
            RuleSpec(
                "unknown_event_type",
                "event_type NOT IN (" + ", ".join(f"'{t}'" for t in EVENT_TYPES) + ")",
                "event_type",
            ),
            RuleSpec(
                "unknown_company",
                "company_id IS NOT NULL AND "
                "company_id NOT IN (SELECT company_id FROM ref_companies)",
                "company_id",
            ),
        ),
        seasonal=True,
    ),
    TableSpec(
        "partner_events",
        "parquet",
        "partner_events/season=*/*.parquet",
        (
            _c("partner_id", required=True),
            _id("cookie_id", null_reason="missing_cookie_id"),
            _c("ts", "TIMESTAMPTZ", null_reason="ts_out_of_range"),
            _c("industry_id", "SMALLINT"),
            _c("page_category"),
        ),
        (_TS_RANGE,),
        seasonal=True,
    ),
)

TABLES_BY_NAME = {spec.name: spec for spec in RAW_TABLES}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# DuckDB spells some declared types differently when it describes a file.
_DESCRIBED = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def _raw(column: ColumnSpec) -> str:
    return quote(f"__raw_{column.name}")


def _converted(column: ColumnSpec, kind: SourceKind, source_types: Mapping[str, str]) -> bool:
    """Whether the column must be converted: CSV text, or a Parquet type other than declared.

    Columns already of the declared type are used as they are (no cast, no bad_value rule),
    which keeps the one validation pass over large Parquet parts cheap.
    """
    declared = _DESCRIBED.get(column.sql_type, column.sql_type)
    return kind == "csv" or source_types.get(column.name) != declared


def _typed(column: ColumnSpec, kind: SourceKind) -> str:
    source = quote(column.name)
    if kind == "csv":
        # CSV cells arrive as text: blank means missing.
        source = f"NULLIF(trim({source}), '')"
    if column.sql_type == "VARCHAR":
        return f"CAST({source} AS VARCHAR)"
    return f"TRY_CAST({source} AS {column.sql_type})"


def _present(column: ColumnSpec, kind: SourceKind) -> str:
    """True where the file holds a value (for CSV: a non-blank cell)."""
    if kind == "csv":
        return f"NULLIF(trim({_raw(column)}), '') IS NOT NULL"
    return f"{_raw(column)} IS NOT NULL"


def reason_case(
    spec: TableSpec,
    *,
    events_from: str,
    events_to: str,
    source_types: Mapping[str, str] | None = None,
) -> str:
    """The ``CASE`` expression giving the first failing rule's reason code, or NULL."""
    types = source_types or {}
    branches: list[str] = []
    for column in spec.columns:
        name = quote(column.name)
        if column.required:
            missing = f"{name} IS NULL" + (
                f" OR {name} = ''" if column.sql_type == "VARCHAR" else ""
            )
            branches.append(f"WHEN {missing} THEN {literal(column.missing_reason)}")
        if column.sql_type != "VARCHAR" and _converted(column, spec.kind, types):
            branches.append(
                f"WHEN {_present(column, spec.kind)} AND {name} IS NULL "
                f"THEN {literal('bad_value:' + column.name)}"
            )
    for rule in spec.rules:
        condition = rule.condition.format(events_from=events_from, events_to=events_to)
        branches.append(f"WHEN ({condition}) THEN {literal(rule.reason)}")
    return "CASE " + " ".join(branches) + " END"


def staging_sql(
    spec: TableSpec,
    source: str,
    *,
    row_expr: str,
    season: int | None,
    events_from: str,
    events_to: str,
    source_types: Mapping[str, str],
) -> str:
    """One query over ``source``: typed columns, the row number and each row's reason code.

    ``source`` is a table expression (``read_parquet(...)`` or a registered Arrow table),
    ``row_expr`` the 0-based row number in the file, ``source_types`` the DuckDB type of each
    column in the file. Converted columns also keep their raw value (``__raw_<name>``) so
    that a quarantined row can show what the file held.
    """
    columns = []
    for column in spec.columns:
        if _converted(column, spec.kind, source_types):
            columns.append(f"{_typed(column, spec.kind)} AS {quote(column.name)}")
            columns.append(f"{quote(column.name)} AS {_raw(column)}")
        else:
            columns.append(quote(column.name))
    if spec.seasonal:
        columns.append(f"CAST({season} AS SMALLINT) AS season")
    case = reason_case(
        spec, events_from=events_from, events_to=events_to, source_types=source_types
    )
    return (
        f"SELECT *, {case} AS {REASON_COLUMN} FROM "
        f"(SELECT {', '.join(columns)}, {row_expr} AS {ROW_COLUMN} FROM {source})"
    )


def raw_value_column(
    spec: TableSpec, column: ColumnSpec, *, source_types: Mapping[str, str]
) -> str:
    """The staged column holding what the file had for ``column`` (for quarantine rows)."""
    return f"__raw_{column.name}" if _converted(column, spec.kind, source_types) else column.name


def empty_select(spec: TableSpec) -> str:
    """A typed, empty relation for a table that has no committed files yet."""
    columns = ", ".join(
        f"CAST(NULL AS {sql_type}) AS {quote(name)}" for name, sql_type in spec.stored_columns
    )
    return f"SELECT {columns} WHERE false"
