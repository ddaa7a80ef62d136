"""Client employers' applicant and offer lists, as their HR systems would export them.

One CSV per active client per season, UTF-8 or Shift_JIS, with realistic dirt. Defect (d)
adds hashed names ("to raise the match rate" — hashed names are still personal data) and
defect (e) keeps only the employer's own applicant IDs, linked to browser cookies by a
contractor's web survey (the 2019 "scheme A").
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fairfollow.employer_ids import EmployerId
from fairfollow.instants import JST

DIRT_KINDS = ("full_width_digits", "stray_spaces", "missing_field", "duplicate_row", "bad_date")
IDENTIFYING = ("name_kanji", "name_kana", "email", "birth_date", "university")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class DirtRecord:
    season: int
    company_id: int
    line: int  # 1-based line in the file; the header is line 1
    kind: str
    column: str


def _dates(ms: pd.Series, fmt: str) -> pd.Series:
    stamp = pd.to_datetime(ms.where(ms >= 0), unit="ms", utc=True).dt.tz_convert(JST)
    return stamp.dt.strftime(fmt).fillna("")


def _dirty(rng: np.random.Generator, row: dict[str, str], columns: list[str]) -> tuple[str, str]:
    """Apply one kind of dirt to ``row`` in place; return (kind, column)."""
    kinds = [
        k
        for k in DIRT_KINDS
        if k != "bad_date" or "birth_date" in columns or "entry_date" in columns
    ]
    kind = kinds[int(rng.integers(0, len(kinds)))]
    if kind == "full_width_digits":
        column = "birth_date" if "birth_date" in columns else "applicant_id"
        row[column] = row[column].translate(FULL_WIDTH)
    elif kind == "stray_spaces":
        column = "email" if "email" in columns else "applicant_id"
        row[column] = f"  {row[column]} "
    elif kind == "missing_field":
        options = [c for c in ("email", "birth_date", "name_kana", "entry_date") if c in columns]
        column = options[int(rng.integers(0, len(options)))]
        row[column] = ""
    elif kind == "bad_date":
        column = "birth_date" if "birth_date" in columns else "entry_date"
        sep = "/" if "/" in row[column] else "-"
        row[column] = sep.join([row[column][:4], "02", "30"])
    else:
        column = ""
    return kind, column


def write_employer_files(
    rng: np.random.Generator,
    applicants: pd.DataFrame,
    season: int,
    has_outcomes: bool,
    out_dir: Path,
    defects: frozenset[str],
    dirt_rate: float,
) -> tuple[list[Path], list[DirtRecord], list[tuple[int, str, str]]]:
    """Write one CSV per client. ``applicants`` has one row per (company, member) with
    identity columns, ``entry_at``/``offered_at`` (ms, -1 for none), ``accepted`` and
    ``cookie_id`` (empty when the member has no linked cookie)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    dirt: list[DirtRecord] = []
    survey: list[tuple[int, str, str]] = []
    for position, (_, group) in enumerate(applicants.groupby("company_id", sort=True)):
        company_id = int(group["company_id"].iloc[0])
        fmt = "%Y/%m/%d" if position % 2 else "%Y-%m-%d"
        group = group.iloc[rng.permutation(len(group))]
        prefix = "ARJKSTNM"[position % 8]
        frame = pd.DataFrame(
            {
                "applicant_id": [
                    f"{prefix}{i:06d}"
                    for i in rng.choice(900_000, size=len(group), replace=False) + 100_000
                ],
            }
        )
        for column in IDENTIFYING:
            frame[column] = group[column].to_numpy()
        frame["birth_date"] = pd.to_datetime(frame["birth_date"]).dt.strftime(fmt)
        frame["entry_date"] = _dates(group["entry_at"].reset_index(drop=True), fmt)
        frame["offer_date"] = _dates(group["offered_at"].reset_index(drop=True), fmt)
        if has_outcomes:
            offered = group["offered_at"].to_numpy() >= 0
            outcome = np.where(group["accepted"].to_numpy(dtype=bool), "accepted", "declined")
            frame["offer_outcome"] = np.where(offered, outcome, "")
        if "d" in defects:
            frame["name_sha256"] = [
                hashlib.sha256(n.replace(" ", "").encode()).hexdigest() for n in frame["name_kanji"]
            ]
        if "e" in defects:
            cookies = group["cookie_id"].to_numpy()
            survey += [
                (company_id, a, c) for a, c in zip(frame["applicant_id"], cookies, strict=True) if c
            ]
            frame = frame.drop(columns=list(IDENTIFYING))
        columns = list(frame.columns)
        values = frame.astype(str).to_numpy(dtype=object)
        dirty = np.flatnonzero(rng.random(len(values)) < dirt_rate)
        kinds: list[tuple[str, str]] = []
        copies = np.ones(len(values), dtype=np.int64)
        for i in dirty:
            row = dict(zip(columns, values[i], strict=True))
            kind, column = _dirty(rng, row, columns)
            values[i] = [row[c] for c in columns]
            kinds.append((kind, column))
            copies[i] += kind == "duplicate_row"
        lines = values[np.repeat(np.arange(len(values)), copies)].tolist()
        first_line = np.cumsum(copies) - copies + 2  # header is line 1
        for i, (kind, column) in zip(dirty, kinds, strict=True):
            line_no = int(first_line[i]) + (1 if kind == "duplicate_row" else 0)
            dirt.append(DirtRecord(season, company_id, line_no, kind, column))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows(lines)
        encoding = "cp932" if position % 3 == 0 else "utf-8"
        path = out_dir / EmployerId(int(company_id)).file_name
        path.write_bytes(buffer.getvalue().encode(encoding))
        written.append(path)
    return written, dirt, survey
