"""An employer's applicant/offer list (``employers/season=YYYY/E<company_id>.csv``), parsed.

Decoding is :mod:`fairfollow.employers.encoding` (UTF-8 or a plausible Shift_JIS; empty,
oversized, NUL-bearing or non-comma files refused). A header naming an item the law bars
from collection refuses the whole file (:class:`~fairfollow.errors.ProhibitedItemError`),
and so do a header without the columns that identify an applicant, a header naming a column
twice, and a list with no applicant row (:class:`~fairfollow.errors.SchemaError`): a
refused file replaces nothing.

Cells are normalised: NFKC (full-width digits and symbols such as ``＠`` and ``．`` become
ASCII), trimmed, e-mail lower-cased. Three kinds of dirt are *repaired* by that and the row
is accepted, with the repair listed: ``full_width_digits``, ``full_width_symbols`` and
``stray_spaces``. These reject the row, each with its rule code: ``missing_field:<column>``,
``bad_date:<column>`` (not ``YYYY-MM-DD`` or ``YYYY/MM/DD``, or no such day),
``date_in_future:<column>`` (after the intake's day), ``date_before_1940:<column>``,
``field_too_long:<column>`` (over :data:`MAX_FIELD_CHARS`), ``duplicate_row`` (the same
cells, after normalisation, as an earlier line), ``bad_value`` and ``extra_cells``. Cells
starting with ``=``, ``+``, ``-``, ``@``, a tab or CR are kept as data; every CSV export
neutralises them (:mod:`fairfollow.csv_export`). Line numbers are 1-based with
the header on line 1. Pure apart from reading the file (:func:`parse_employer_file`).
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from fairfollow.employer_ids import EmployerId
from fairfollow.employers.encoding import DEFAULT_MAX_BYTES, check_bytes, check_delimiter, decode
from fairfollow.errors import InputError, ProhibitedItemError, SchemaError
from fairfollow.law.prohibited import find_prohibited, normalise_column

REQUIRED_COLUMNS = (
    "applicant_id",
    "name_kanji",
    "name_kana",
    "email",
    "birth_date",
    "university",
    "entry_date",
    "offer_date",
)
OPTIONAL_COLUMNS = ("offer_outcome",)
# Cells every applicant row must fill; offer_date and offer_outcome are empty without offer.
REQUIRED_FIELDS = (
    "applicant_id",
    "name_kanji",
    "name_kana",
    "email",
    "birth_date",
    "university",
    "entry_date",
)
DATE_COLUMNS = ("birth_date", "entry_date", "offer_date")
OUTCOMES = ("accepted", "declined")
REPAIRED_KINDS = ("full_width_digits", "full_width_symbols", "stray_spaces")
REJECTED_KINDS = (
    "missing_field",
    "bad_date",
    "date_in_future",
    "date_before_1940",
    "field_too_long",
    "duplicate_row",
    "bad_value",
    "extra_cells",
)
MAX_FIELD_CHARS = 1_000  # the longest cell a row may hold; longer rows are quarantined
EARLIEST_DATE = date(1940, 1, 1)

_DATE = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$")
_FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
_FULL_WIDTH_SYMBOL = re.compile(
    "[\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff5e\uff21-\uff3a\uff41-\uff5a]"
)
_SEASON_DIR = re.compile(r"^season=(\d{4})$")

RepairKind = Literal["full_width_digits", "full_width_symbols", "stray_spaces"]


@dataclass(frozen=True)
class EmployerRow:
    """An accepted applicant row, typed."""

    line: int
    applicant_id: str
    name_kanji: str
    name_kana: str
    email: str
    birth_date: date
    university: str
    entry_date: date
    offer_date: date | None
    offer_outcome: str | None


@dataclass(frozen=True)
class RejectedRow:
    """A row kept out, with the first rule it broke (``rule`` is the reason code)."""

    line: int
    column: str  # empty for duplicate_row and extra_cells
    rule: str
    cells: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.rule.split(":", 1)[0]


@dataclass(frozen=True)
class Repair:
    """A cell that normalisation fixed; its row was accepted unless rejected for another rule."""

    line: int
    column: str
    kind: RepairKind


@dataclass(frozen=True)
class EmployerFile:
    """The parsed file: accepted rows, rejected rows and repairs, by line."""

    name: str
    company_id: int | None
    season: int | None
    encoding: str
    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[EmployerRow, ...]
    rejected: tuple[RejectedRow, ...]
    repairs: tuple[Repair, ...]


def read_upload(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of an uploaded list: a regular file, under the size cap (checked before
    reading, so an oversized upload is never held in memory)."""
    if not path.exists():
        raise InputError("employers.no_such_file", path=str(path))
    if not path.is_file():
        raise InputError("employers.not_a_file", path=str(path))
    size = path.stat().st_size
    if size > max_bytes:
        raise SchemaError("employers.file_too_large", file=path.name, size=size, cap=max_bytes)
    return path.read_bytes()


def parse_employer_file(path: Path) -> EmployerFile:
    """Read and parse one employer upload (the only I/O of this module)."""
    season = _SEASON_DIR.match(path.parent.name)
    return parse_employer_bytes(
        path.read_bytes(), path.name, season=int(season.group(1)) if season else None
    )


@dataclass(frozen=True)
class Opened:
    """A decoded file's header, normalised, and a reader positioned on its first row."""

    encoding: str
    header: tuple[str, ...]
    reader: Iterator[list[str]]
    line: Callable[[], int]  # the reader's current line number


def open_list(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Opened:
    """Check, decode and read the header of an employer list; whole-file problems raise."""
    check_bytes(data, name, max_bytes)
    text, encoding = decode(data, name)
    check_delimiter(text.split("\n", 1)[0], name)
    reader = csv.reader(io.StringIO(text, newline=""))
    header_cells = _next(reader, name, 1)
    if not header_cells or not any(cell.strip() for cell in header_cells):
        raise SchemaError("employers.file_empty", file=name)
    hit = find_prohibited(header_cells)
    if hit is not None:
        raise ProhibitedItemError(name, hit.column, hit.rule_id, hit.citation, hit.basis)
    header = tuple(normalise_column(cell) for cell in header_cells)
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        raise SchemaError("employers.columns_repeated", file=name, columns=twice)

    def rows() -> Iterator[list[str]]:
        while True:
            cells = _next(reader, name, reader.line_num + 1)
            if cells is None:
                return
            yield cells

    return Opened(encoding, header, rows(), lambda: reader.line_num)


def _next(reader: Iterator[list[str]], name: str, line: int) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as exc:  # a field over the csv limit, a stray quote at end of file
        raise SchemaError(
            "employers.csv_unreadable", file=name, line=line, reason=str(exc)
        ) from exc


def refuse_if_no_rows(name: str, read: int) -> None:
    """A list with a header and no applicant row would empty the employer's pool: refused."""
    if read == 0:
        raise SchemaError("employers.no_rows", file=name)


def parse_employer_bytes(
    data: bytes,
    name: str,
    *,
    season: int | None = None,
    today: date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    opened: Opened | None = None,
) -> EmployerFile:
    """Parse the bytes of an employer CSV named ``name`` (pure); dates after ``today`` (the
    intake's day, when given) are quarantined. ``opened``: ``data`` already opened by
    :func:`open_list` and not yet read from (saves decoding the file a second time)."""
    opened = opened or open_list(data, name, max_bytes)
    header = list(opened.header)
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise SchemaError("employers.applicant_column_missing", file=name, column=column)
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    rows: list[EmployerRow] = []
    rejected: list[RejectedRow] = []
    repairs: list[Repair] = []
    seen: set[tuple[str, ...]] = set()
    for cells in opened.reader:
        line = opened.line()
        if not any(cell.strip() for cell in cells):
            continue  # a blank line holds no applicant
        if len(cells) > len(header):
            rejected.append(RejectedRow(line, "", "extra_cells", tuple(cells)))
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
        long = next(
            (c for c, v in zip(header, padded, strict=True) if len(v) > MAX_FIELD_CHARS), None
        )
        if long is not None:
            rejected.append(RejectedRow(line, long, f"field_too_long:{long}", tuple(cells)))
            continue
        clean: dict[str, str] = {}
        for column, raw in zip(header, padded, strict=True):
            value, kind = normalise_cell(column, raw)
            clean[column] = value
            if kind is not None and column in known:
                repairs.append(Repair(line, column, kind))
        key = tuple(clean[column] for column in header)
        if key in seen:
            rejected.append(RejectedRow(line, "", "duplicate_row", tuple(cells)))
            continue
        seen.add(key)
        result = _typed_row(line, clean, today)
        if isinstance(result, EmployerRow):
            rows.append(result)
        else:
            column, rule = result
            rejected.append(RejectedRow(line, column, rule, tuple(cells)))
    refuse_if_no_rows(name, len(rows) + len(rejected))
    company = EmployerId.of_file(name)
    return EmployerFile(
        name=name,
        company_id=None if company is None else company.number,
        season=season,
        encoding=opened.encoding,
        columns=tuple(header),
        ignored_columns=tuple(column for column in header if column not in known),
        rows=tuple(rows),
        rejected=tuple(rejected),
        repairs=tuple(repairs),
    )


def date_rule(column: str, value: str, today: date | None) -> tuple[date | None, str | None]:
    """The date in ``value`` and the rule it breaks, if any (empty is no date, no rule)."""
    if not value:
        return None, None
    parsed = parse_date(value)
    if parsed is None:
        return None, f"bad_date:{column}"
    if parsed < EARLIEST_DATE:
        return None, f"date_before_1940:{column}"
    if today is not None and parsed > today:
        return None, f"date_in_future:{column}"
    return parsed, None


def normalise_cell(column: str, raw: str) -> tuple[str, RepairKind | None]:
    """The normalised cell and the repair it needed, if one of the known kinds."""
    if raw.isascii():  # most cells: NFKC leaves ASCII as it is and no full-width form occurs
        stripped = raw.strip()
        ascii_kind: RepairKind | None = "stray_spaces" if stripped and stripped != raw else None
        return (stripped.lower() if column == "email" else stripped), ascii_kind
    value = unicodedata.normalize("NFKC", raw)
    stripped = value.strip()
    kind: RepairKind | None = None
    if _FULL_WIDTH_DIGIT.search(raw):
        kind = "full_width_digits"
    elif _FULL_WIDTH_SYMBOL.search(raw):
        kind = "full_width_symbols"
    elif stripped and stripped != value:
        kind = "stray_spaces"
    if column == "email":
        stripped = stripped.lower()
    return stripped, kind


@functools.lru_cache(maxsize=1 << 16)  # a list's dates repeat: birth days, entry days
def parse_date(text: str) -> date | None:
    """``YYYY-MM-DD`` or ``YYYY/MM/DD`` as a date; None when malformed or no such day."""
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    except ValueError:
        return None


def _typed_row(
    line: int, clean: dict[str, str], today: date | None
) -> EmployerRow | tuple[str, str]:
    """The typed row, or (column, rule) of the first rule it breaks, in declared order."""
    dates: dict[str, date | None] = {}
    for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        value = clean.get(column, "")
        if column in REQUIRED_FIELDS and not value:
            return column, f"missing_field:{column}"
        if column in DATE_COLUMNS:
            dates[column], broken = date_rule(column, value, today)
            if broken is not None:
                return column, broken
    outcome = clean.get("offer_outcome", "") or None
    if outcome is not None and outcome.lower() not in OUTCOMES:
        return "offer_outcome", "bad_value:offer_outcome"
    if "offer_outcome" in clean and dates["offer_date"] is not None and outcome is None:
        return "offer_outcome", "missing_field:offer_outcome"
    birth, entry = dates["birth_date"], dates["entry_date"]
    if birth is None or entry is None:  # unreachable: required fields were checked above
        return "birth_date", "missing_field:birth_date"
    return EmployerRow(
        line=line,
        applicant_id=clean["applicant_id"],
        name_kanji=clean["name_kanji"],
        name_kana=clean["name_kana"],
        email=clean["email"],
        birth_date=birth,
        university=clean["university"],
        entry_date=entry,
        offer_date=dates["offer_date"],
        offer_outcome=outcome.lower() if outcome else None,
    )
