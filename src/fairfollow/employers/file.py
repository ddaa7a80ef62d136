"""An employer's applicant/offer list (``employers/season=YYYY/E<company_id>.csv``), parsed.

Japanese HR systems export UTF-8 (with or without BOM) or Shift_JIS; anything else is
refused (:class:`~fairfollow.errors.EncodingError`). A header naming an item the law bars
from collection refuses the whole file (:class:`~fairfollow.errors.ProhibitedItemError`),
and so does a header without the columns that identify an applicant
(:class:`~fairfollow.errors.SchemaError`): a list keyed only by the employer's own IDs or by
cookies cannot be matched lawfully and is not accepted.

Cells are normalised: NFKC (full-width digits become ASCII), trimmed, e-mail lower-cased.
Two kinds of dirt are *repaired* by that and the row is accepted, with the repair listed:
``full_width_digits`` and ``stray_spaces``. Three kinds reject the row, each with its rule
code: ``missing_field:<column>``, ``bad_date:<column>`` (not ``YYYY-MM-DD`` or
``YYYY/MM/DD``, or no such day) and ``duplicate_row`` (the same cells, after
normalisation, as an earlier line). Line numbers are 1-based with the header on line 1.
Pure apart from reading the file (:func:`parse_employer_file`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from fairfollow.errors import EncodingError, ProhibitedItemError, SchemaError
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
REPAIRED_KINDS = ("full_width_digits", "stray_spaces")
REJECTED_KINDS = ("missing_field", "bad_date", "duplicate_row", "bad_value", "extra_cells")

_DATE = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$")
_FULL_WIDTH_DIGIT = re.compile("[\uff10-\uff19]")
_FILE_NAME = re.compile(r"^E(\d+)\.csv$", re.IGNORECASE)
_SEASON_DIR = re.compile(r"^season=(\d{4})$")

RepairKind = Literal["full_width_digits", "stray_spaces"]


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


def parse_employer_file(path: Path) -> EmployerFile:
    """Read and parse one employer upload (the only I/O of this module)."""
    season = _SEASON_DIR.match(path.parent.name)
    return parse_employer_bytes(
        path.read_bytes(), path.name, season=int(season.group(1)) if season else None
    )


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text and the encoding: UTF-8 (BOM or not), else Shift_JIS (cp932)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise EncodingError(f"{name}: neither UTF-8 nor Shift_JIS; export the list in one of them")


def parse_employer_bytes(data: bytes, name: str, *, season: int | None = None) -> EmployerFile:
    """Parse the bytes of an employer CSV named ``name`` (pure)."""
    text, encoding = decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""))
    header_cells = next(reader, None)
    if not header_cells:
        raise SchemaError(f"{name}: empty file, no header line")
    hit = find_prohibited(header_cells)
    if hit is not None:
        raise ProhibitedItemError(name, hit.column, hit.rule_id, hit.citation)
    header = [normalise_column(cell) for cell in header_cells]
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise SchemaError(
                f"{name}: missing required column {column!r}; an applicant list must identify "
                "applicants by name, e-mail and birth date (lists keyed only by the employer's "
                "IDs or by cookies are refused)"
            )
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    rows: list[EmployerRow] = []
    rejected: list[RejectedRow] = []
    repairs: list[Repair] = []
    seen: set[tuple[str, ...]] = set()
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line holds no applicant
        if len(cells) > len(header):
            rejected.append(RejectedRow(line, "", "extra_cells", tuple(cells)))
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
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
        result = _typed_row(line, clean)
        if isinstance(result, EmployerRow):
            rows.append(result)
        else:
            column, rule = result
            rejected.append(RejectedRow(line, column, rule, tuple(cells)))
    company = _FILE_NAME.match(name)
    return EmployerFile(
        name=name,
        company_id=int(company.group(1)) if company else None,
        season=season,
        encoding=encoding,
        columns=tuple(header),
        ignored_columns=tuple(column for column in header if column not in known),
        rows=tuple(rows),
        rejected=tuple(rejected),
        repairs=tuple(repairs),
    )


def normalise_cell(column: str, raw: str) -> tuple[str, RepairKind | None]:
    """The normalised cell and the repair it needed, if one of the known kinds."""
    value = unicodedata.normalize("NFKC", raw)
    stripped = value.strip()
    kind: RepairKind | None = None
    if _FULL_WIDTH_DIGIT.search(raw):
        kind = "full_width_digits"
    elif stripped and stripped != value:
        kind = "stray_spaces"
    if column == "email":
        stripped = stripped.lower()
    return stripped, kind


def parse_date(text: str) -> date | None:
    """``YYYY-MM-DD`` or ``YYYY/MM/DD`` as a date; None when malformed or no such day."""
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    except ValueError:
        return None


def _typed_row(line: int, clean: dict[str, str]) -> EmployerRow | tuple[str, str]:
    """The typed row, or (column, rule) of the first rule it breaks, in declared order."""
    dates: dict[str, date | None] = {}
    for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        value = clean.get(column, "")
        if column in REQUIRED_FIELDS and not value:
            return column, f"missing_field:{column}"
        if column in DATE_COLUMNS:
            dates[column] = parse_date(value) if value else None
            if value and dates[column] is None:
                return column, f"bad_date:{column}"
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
