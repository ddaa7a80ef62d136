"""CSV exports neutralise formula cells (OWASP CSV injection) and keep data as data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fairfollow.csv_export import safe_cell, write_csv


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+81-3-0000", "'+81-3-0000"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("東京大学", "東京大学"),
        (-3, "-3"),
        (None, ""),
    ],
)
def test_formula_cells_are_neutralised(cell: object, written: str) -> None:
    assert safe_cell(cell) == written


def test_written_file_reads_back_as_text(tmp_path: Path) -> None:
    path = tmp_path / "out" / "x.csv"
    assert write_csv(path, ["member_id", "note"], [[1, "=1+1"], [2, 'say "hi"']]) == 2
    with path.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["member_id", "note"], ["1", "'=1+1"], ["2", 'say "hi"'],
        ]  # fmt: skip
    assert path.read_text(encoding="utf-8").startswith("member_id,note\n1,'=1+1")
