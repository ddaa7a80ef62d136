"""CSV files FairFollow writes for people: every cell neutralised against CSV injection.

Employers' files may carry cells such as ``=HYPERLINK(…)`` or ``@SUM(…)``: intake keeps
them as data, unchanged. Any CSV FairFollow *exports* (lists of member ids, data-subject
exports, reports) passes every cell through :func:`safe_cell`, following the OWASP
CSV-injection guidance: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so a spreadsheet shows it as text and
never evaluates it; cells holding separators or quotes are quoted, quotes doubled. Numbers are
written as numbers (a negative number is data, not a formula).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write ``header`` and ``rows`` to ``path`` (UTF-8, every cell neutralised),
    atomically; return the number of rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(cell) for cell in row])
            count += 1
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The same CSV as :func:`write_csv`, as text (for a download served from memory)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
