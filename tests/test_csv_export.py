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


def test_a_file_for_a_spreadsheet_carries_a_bom_and_its_instants_in_one_named_zone(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from fairfollow.csv_export import BOM, csv_text, zoned

    at = datetime(2019, 7, 15, 1, 0, tzinfo=UTC)
    header, rows = zoned(
        ["id", "at", "provided_at", "note"],
        [[1, at, at.isoformat(), "2019-07-15"], [2, "", None, "x"]],
        ZoneInfo("Asia/Tokyo"),
    )
    assert header == ["id", "at (Asia/Tokyo)", "provided_at (Asia/Tokyo)", "note"]
    assert rows[0] == [1, "2019-07-15T10:00:00+09:00", "2019-07-15T10:00:00+09:00", "2019-07-15"]
    assert rows[1] == [2, "", None, "x"]  # not an instant: left alone
    text = csv_text(header, rows, bom=True)
    assert text.startswith(BOM + "id,") and text.count(BOM) == 1
    path = tmp_path / "x.csv"
    write_csv(path, header, rows, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,")
    assert not csv_text(header, rows).startswith(BOM)  # a file for a program: no mark
