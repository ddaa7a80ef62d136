"""CSV files FairFollow writes for people: every cell neutralised against CSV injection.

Employers' files may carry cells such as ``=HYPERLINK(…)`` or ``@SUM(…)``: intake keeps
them as data, unchanged. Any CSV FairFollow *exports* (lists of member ids, data-subject
exports, reports) passes every cell through :func:`safe_cell`, following the OWASP
CSV-injection guidance: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so a spreadsheet shows it as text and
never evaluates it; cells holding separators or quotes are quoted, quotes doubled. Numbers are
written as numbers (a negative number is data, not a formula).

A file for people to open in a spreadsheet starts with a byte-order mark (``bom=True``):
Excel reads UTF-8 — Japanese names and reasons — only with one. Its instants are in one
zone, named in the header (``at (Asia/Tokyo)``), the zone the pages show (:func:`zoned`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet will not evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def zoned(
    header: Sequence[str], rows: Iterable[Sequence[object]], zone: tzinfo
) -> tuple[list[str], list[list[object]]]:
    """The table with every instant column (``at``, ``*_at``) in ``zone`` and the zone named
    in its header; a cell that is not an instant is left as it is."""
    columns = {i for i, name in enumerate(header) if name == "at" or name.endswith("_at")}

    def cell(value: object) -> object:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(zone).isoformat(timespec="seconds")
        return value

    named = [f"{h} ({zone})" if i in columns else h for i, h in enumerate(header)]
    return named, [[cell(v) if i in columns else v for i, v in enumerate(r)] for r in rows]


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False
) -> int:
    """Write ``header`` and ``rows`` to ``path`` (UTF-8, with a byte-order mark for a
    spreadsheet if ``bom``, every cell neutralised), atomically; return the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with tmp.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(cell) for cell in row])
            count += 1
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False) -> str:
    """The same CSV as :func:`write_csv`, as text (for a download served from memory)."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
