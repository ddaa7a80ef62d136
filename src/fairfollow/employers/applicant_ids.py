"""Employer lists keyed only by the employer's own applicant IDs (scheme A of 2019).

In 2019 a contractor's web survey linked each student's browser cookie to the employer's
applicant ID, and scores keyed by that ID went back to the employer, who resolved them to
names. FairFollow accepts such a list *for matching*: the survey's links and the platform's
cookie sync identify the member (by keyed hash of the cookie), consent is checked as for any
list, and the offers join the employer's pool. Nothing keyed by those IDs, cookies or hashes
ever leaves (APPI Art. 31): the release door sends only noised aggregates.

Parsing mirrors :mod:`fairfollow.employers.file` (same decoding, normalisation, prohibited
columns and row rules) for the columns such a list has: ``applicant_id``, ``entry_date``,
``offer_date`` (and ``offer_outcome`` in a previous season).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from fairfollow.employers.file import RejectedRow, decode, normalise_cell, parse_date
from fairfollow.errors import ProhibitedItemError, SchemaError
from fairfollow.law.prohibited import find_prohibited, normalise_column

IDENTIFYING = ("name_kanji", "name_kana", "email", "birth_date")
REQUIRED = ("applicant_id", "offer_date")
KNOWN = ("applicant_id", "entry_date", "offer_date", "offer_outcome")


@dataclass(frozen=True)
class IdOnlyRow:
    line: int
    applicant_id: str
    entry_date: date | None
    offer_date: date | None


@dataclass(frozen=True)
class IdOnlyFile:
    name: str
    encoding: str
    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[IdOnlyRow, ...]
    rejected: tuple[RejectedRow, ...]


def _header(data: bytes, name: str) -> tuple[str, list[str]]:
    text, encoding = decode(data, name)
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return encoding, [normalise_column(cell) for cell in first]


def is_id_only(data: bytes, name: str) -> bool:
    """A header with the employer's applicant IDs and none of the identifying columns."""
    _, header = _header(data, name)
    return "applicant_id" in header and not any(c in header for c in IDENTIFYING)


def parse_id_only(data: bytes, name: str) -> IdOnlyFile:
    """Parse an ID-only list (pure); whole-file problems raise as for any employer list."""
    text, encoding = decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""))
    cells = next(reader, None)
    if not cells:
        raise SchemaError(f"{name}: empty file, no header line")
    hit = find_prohibited(cells)
    if hit is not None:
        raise ProhibitedItemError(name, hit.column, hit.rule_id, hit.citation)
    header = [normalise_column(c) for c in cells]
    for column in REQUIRED:
        if column not in header:
            raise SchemaError(f"{name}: missing required column {column!r}")
    rows: list[IdOnlyRow] = []
    rejected: list[RejectedRow] = []
    seen: set[tuple[str, ...]] = set()
    for raw in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) > len(header):
            rejected.append(RejectedRow(line, "", "extra_cells", tuple(raw)))
            continue
        padded = list(raw) + [""] * (len(header) - len(raw))
        clean = {c: normalise_cell(c, v)[0] for c, v in zip(header, padded, strict=True)}
        key = tuple(clean[c] for c in header)
        if key in seen:
            rejected.append(RejectedRow(line, "", "duplicate_row", tuple(raw)))
            continue
        seen.add(key)
        if not clean["applicant_id"]:
            rejected.append(
                RejectedRow(line, "applicant_id", "missing_field:applicant_id", tuple(raw))
            )
            continue
        dates: dict[str, date | None] = {}
        bad = None
        for column in ("entry_date", "offer_date"):
            value = clean.get(column, "")
            dates[column] = parse_date(value) if value else None
            if value and dates[column] is None:
                bad = column
                break
        if bad is not None:
            rejected.append(RejectedRow(line, bad, f"bad_date:{bad}", tuple(raw)))
            continue
        rows.append(
            IdOnlyRow(line, clean["applicant_id"], dates["entry_date"], dates["offer_date"])
        )
    return IdOnlyFile(
        name=name,
        encoding=encoding,
        columns=tuple(header),
        ignored_columns=tuple(c for c in header if c not in KNOWN),
        rows=tuple(rows),
        rejected=tuple(rejected),
    )
