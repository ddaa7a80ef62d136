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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fairfollow.employers.encoding import DEFAULT_MAX_BYTES
from fairfollow.employers.file import (
    MAX_FIELD_CHARS,
    OUTCOMES,
    Opened,
    RejectedRow,
    date_rule,
    normalise_cell,
    open_list,
    refuse_if_no_rows,
)
from fairfollow.errors import SchemaError

IDENTIFYING = ("name_kanji", "name_kana", "email", "birth_date")
REQUIRED = ("applicant_id", "offer_date")
KNOWN = ("applicant_id", "entry_date", "offer_date", "offer_outcome")


@dataclass(frozen=True)
class IdOnlyRow:
    line: int
    applicant_id: str
    entry_date: date | None
    offer_date: date | None
    offer_outcome: str | None = None  # "accepted" / "declined", in a previous season's list


@dataclass(frozen=True)
class IdOnlyFile:
    name: str
    encoding: str
    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[IdOnlyRow, ...]
    rejected: tuple[RejectedRow, ...]


def is_id_only(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
    """A header with the employer's applicant IDs and none of the identifying columns."""
    return header_is_id_only(open_list(data, name, max_bytes).header)


def header_is_id_only(header: Sequence[str]) -> bool:
    """:func:`is_id_only` of a header already read (:func:`open_list`)."""
    return "applicant_id" in header and not any(c in header for c in IDENTIFYING)


def parse_id_only(
    data: bytes,
    name: str,
    *,
    today: date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    opened: Opened | None = None,
) -> IdOnlyFile:
    """Parse an ID-only list (pure); whole-file problems raise as for any employer list.
    ``opened``: ``data`` already opened by :func:`open_list` and not yet read from (saves
    decoding the file a second time)."""
    opened = opened or open_list(data, name, max_bytes)
    header = list(opened.header)
    for column in REQUIRED:
        if column not in header:
            raise SchemaError("employers.column_missing", file=name, column=column)
    rows: list[IdOnlyRow] = []
    rejected: list[RejectedRow] = []
    seen: set[tuple[str, ...]] = set()
    for raw in opened.reader:
        line = opened.line()
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) > len(header):
            rejected.append(RejectedRow(line, "", "extra_cells", tuple(raw)))
            continue
        padded = list(raw) + [""] * (len(header) - len(raw))
        long = next(
            (c for c, v in zip(header, padded, strict=True) if len(v) > MAX_FIELD_CHARS), None
        )
        if long is not None:
            rejected.append(RejectedRow(line, long, f"field_too_long:{long}", tuple(raw)))
            continue
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
        broken: tuple[str, str] | None = None
        for column in ("entry_date", "offer_date"):
            dates[column], rule = date_rule(column, clean.get(column, ""), today)
            if rule is not None:
                broken = (column, rule)
                break
        outcome = clean.get("offer_outcome", "").lower() or None
        if broken is None and outcome is not None and outcome not in OUTCOMES:
            broken = ("offer_outcome", "bad_value:offer_outcome")
        if broken is not None:
            rejected.append(RejectedRow(line, broken[0], broken[1], tuple(raw)))
            continue
        rows.append(
            IdOnlyRow(
                line, clean["applicant_id"], dates["entry_date"], dates["offer_date"], outcome
            )
        )
    refuse_if_no_rows(name, len(rows) + len(rejected))
    return IdOnlyFile(
        name=name,
        encoding=opened.encoding,
        columns=tuple(header),
        ignored_columns=tuple(c for c in header if c not in KNOWN),
        rows=tuple(rows),
        rejected=tuple(rejected),
    )
