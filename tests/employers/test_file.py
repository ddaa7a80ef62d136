"""Employer uploads: encodings, refusals, normalisation and per-row rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fairfollow.employers.encoding import decode
from fairfollow.employers.file import (
    EmployerFile,
    parse_date,
    parse_employer_bytes,
    parse_employer_file,
)
from fairfollow.errors import EncodingError, ProhibitedItemError, SchemaError

HEADER = (
    "applicant_id,name_kanji,name_kana,email,birth_date,university,entry_date,"
    "offer_date,offer_outcome"
)
CLEAN = "A100001,山田 太郎,ヤマダ タロウ,taro@example.jp,1997-04-01,東京大学,2018-03-05,,"
# One line per kind of dirt, in the order they are written (line numbers in comments).
DIRTY_LINES = [
    CLEAN,  # 2
    "A100002,鈴木 花子,スズキ ハナコ,hanako@example.jp,１９９７-０５-０２,京都大学,"
    "2018-03-06,2018-05-20,accepted",  # 3 full-width digits: repaired
    "A100003,佐藤 一郎,サトウ イチロウ,  Ichiro@Example.jp ,1996-12-31,大阪大学,"
    "2018-03-07,2018-06-01,declined",  # 4 stray spaces (and upper case): repaired
    "A100004,高橋 次郎,,jiro@example.jp,1997-01-01,名古屋大学,2018-03-08,,",  # 5 missing
    "A100005,田中 三郎,タナカ サブロウ,saburo@example.jp,1997-02-30,九州大学,2018-03-09,,",  # 6
    "A100005,田中 三郎,タナカ サブロウ,saburo@example.jp,1997-02-30,九州大学,2018-03-09,,",  # 7
    CLEAN,  # 8 duplicate of line 2
    "A100006,伊藤 四郎,イトウ シロウ,shiro@example.jp,1997/03/03,北海道大学,"
    "2018/03/10,2018/06/02,",  # 9 offer without outcome in the previous season
]


def _file(tmp_path: Path, lines: list[str], encoding: str, name: str = "E0012.csv") -> Path:
    folder = tmp_path / "employers" / "season=2019"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes("\r\n".join([HEADER, *lines]).encode(encoding) + b"\r\n")
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_each_kind_of_dirt_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    parsed = parse_employer_file(_file(tmp_path, DIRTY_LINES, encoding))
    assert parsed.encoding == ("cp932" if encoding in ("cp932", "shift_jis") else encoding)
    assert (parsed.company_id, parsed.season) == (12, 2019)
    assert [row.line for row in parsed.rows] == [2, 3, 4]
    assert [(r.line, r.column, r.rule) for r in parsed.rejected] == [
        (5, "name_kana", "missing_field:name_kana"),
        (6, "birth_date", "bad_date:birth_date"),
        (7, "", "duplicate_row"),
        (8, "", "duplicate_row"),
        (9, "offer_outcome", "missing_field:offer_outcome"),
    ]
    assert [(r.line, r.column, r.kind) for r in parsed.repairs] == [
        (3, "birth_date", "full_width_digits"),
        (4, "email", "stray_spaces"),
    ]
    second, third = parsed.rows[1], parsed.rows[2]
    assert second.birth_date == date(1997, 5, 2) and second.offer_outcome == "accepted"
    assert third.email == "ichiro@example.jp"
    assert parsed.rows[0].name_kanji == "山田 太郎" and parsed.rows[0].offer_date is None


def test_current_season_file_without_outcome_column(tmp_path: Path) -> None:
    header = HEADER.rsplit(",", 1)[0]
    body = "A1,山田 太郎,ヤマダ タロウ,t@example.jp,1997/04/01,東京大学,2019/03/05,2019/06/01"
    parsed = parse_employer_bytes(f"{header}\n{body}\n".encode(), "E7.csv")
    assert parsed.rejected == () and parsed.rows[0].offer_date == date(2019, 6, 1)
    assert parsed.rows[0].offer_outcome is None and parsed.company_id == 7


def test_extra_columns_are_not_kept(tmp_path: Path) -> None:
    header = HEADER + ",name_sha256"
    parsed = parse_employer_bytes(f"{header}\n{CLEAN},ab12\n".encode(), "E1.csv")
    assert parsed.ignored_columns == ("name_sha256",)
    assert len(parsed.rows) == 1


def test_list_without_identifying_columns_is_refused() -> None:
    data = b"applicant_id,entry_date,offer_date\nA1,2018-03-05,\n"
    with pytest.raises(SchemaError, match=r"employers\.applicant_column_missing .*'name_kanji'"):
        parse_employer_bytes(data, "E3.csv")


@pytest.mark.parametrize(
    ("column", "encoding"), [("religion", "utf-8"), ("本籍", "cp932"), ("労働組合", "utf-8-sig")]
)
def test_prohibited_column_refuses_the_file(tmp_path: Path, column: str, encoding: str) -> None:
    path = tmp_path / "E5.csv"
    path.write_bytes(f"{HEADER},{column}\n{CLEAN},x\n".encode(encoding))
    with pytest.raises(ProhibitedItemError) as caught:
        parse_employer_file(path)
    assert caught.value.column == column and caught.value.file == "E5.csv"


def test_undecodable_bytes_are_an_encoding_error() -> None:
    with pytest.raises(EncodingError):
        decode(b"\x81\x00\xff\xfe\xfa", "E9.csv")
    with pytest.raises(EncodingError):
        parse_employer_bytes(HEADER.encode() + b"\n\xff\xfe\x80\x81", "E9.csv")


def test_blank_lines_and_ragged_rows() -> None:
    data = f"{HEADER}\n\n{CLEAN},extra,cells\nA2,x,y\n".encode()
    parsed = parse_employer_bytes(data, "E2.csv")
    assert [(r.line, r.rule) for r in parsed.rejected] == [
        (3, "extra_cells"),
        (4, "missing_field:email"),
    ]


def test_dates() -> None:
    assert parse_date("2019/07/15") == date(2019, 7, 15)
    assert parse_date("2019-7-5") == date(2019, 7, 5)
    for bad in ("2019-02-30", "2019/07-15", "20190715", "2019-13-01", "令和元年"):
        assert parse_date(bad) is None


def test_result_is_frozen(tmp_path: Path) -> None:
    parsed = parse_employer_file(_file(tmp_path, [CLEAN], "utf-8"))
    assert isinstance(parsed, EmployerFile)
    with pytest.raises(AttributeError):
        parsed.rows = ()  # type: ignore[misc]


# --- against the simulator's employer uploads and truth/employer_dirt.parquet ---


def _simulate(out: Path, defects: frozenset[str] = frozenset()) -> Path:
    from fairfollow.season.config import SimulationConfig
    from fairfollow.season.simulator import simulate

    simulate(SimulationConfig(students=200, seed=11, out=out, dirt_rate=0.05, defects=defects))
    return out


@pytest.mark.slow
def test_simulated_uploads_agree_with_truth(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    season = _simulate(tmp_path / "season", frozenset({"d"}))
    found: list[tuple[int, int, int, str, str]] = []
    encodings: set[str] = set()
    accepted = 0
    for path in sorted((season / "employers").rglob("E*.csv")):
        parsed = parse_employer_file(path)
        assert parsed.season is not None and parsed.company_id is not None
        assert parsed.ignored_columns == ("name_sha256",)  # defect (d): never kept
        encodings.add(parsed.encoding)
        accepted += len(parsed.rows)
        found += [
            (parsed.season, parsed.company_id, r.line, r.kind, r.column) for r in parsed.rejected
        ]
        found += [
            (parsed.season, parsed.company_id, r.line, r.kind, r.column) for r in parsed.repairs
        ]
    truth = [
        (int(r["season"]), int(r["company_id"]), int(r["line"]), r["kind"], r["column"])
        for r in pq.read_table(season / "truth/employer_dirt.parquet").to_pylist()
    ]
    assert sorted(found) == sorted(truth)
    kinds = {kind for _, _, _, kind, _ in truth}
    assert kinds == {
        "full_width_digits",
        "stray_spaces",
        "missing_field",
        "duplicate_row",
        "bad_date",
    }
    assert encodings == {"utf-8", "cp932"} and accepted > 0


@pytest.mark.slow
def test_simulated_scheme_a_lists_are_refused(tmp_path: Path) -> None:
    season = _simulate(tmp_path / "season", frozenset({"e"}))
    for path in sorted((season / "employers").rglob("E*.csv"))[:3]:
        with pytest.raises(SchemaError, match=r"employers\.applicant_column_missing"):
            parse_employer_file(path)


def _bytes(lines: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def test_header_only_and_duplicated_headers_refuse_the_file() -> None:
    with pytest.raises(SchemaError, match=r"employers\.no_rows"):
        parse_employer_bytes(_bytes([]), "E1.csv")
    with pytest.raises(SchemaError, match=r"employers\.columns_repeated .*\['email'\]"):
        parse_employer_bytes(_bytes([CLEAN + ",x@y"], HEADER + ",Email"), "E1.csv")


def test_tab_separated_file_is_named_not_blamed_on_a_column() -> None:
    with pytest.raises(SchemaError, match=r"employers\.not_comma_separated .*'tab'"):
        parse_employer_bytes(_bytes([CLEAN.replace(",", "\t")], HEADER.replace(",", "\t")), "E.csv")


def test_dates_out_of_range_and_long_fields_are_quarantined() -> None:
    lines = [
        CLEAN.replace("1997-04-01", "2031-04-01"),  # 2 birth date in the future
        CLEAN.replace("1997-04-01", "1939-12-31").replace("A100001", "A2"),  # 3 before 1940
        CLEAN.replace("2018-03-05", "2019-09-01").replace("A100001", "A3"),  # 4 entry future
        CLEAN.replace("東京大学", "大" * 10_000).replace("A100001", "A4"),  # 5 too long
    ]
    parsed = parse_employer_bytes(_bytes(lines), "E1.csv", today=date(2019, 7, 15))
    assert [(r.line, r.rule) for r in parsed.rejected] == [
        (2, "date_in_future:birth_date"),
        (3, "date_before_1940:birth_date"),
        (4, "date_in_future:entry_date"),
        (5, "field_too_long:university"),
    ]


def test_a_field_beyond_what_csv_reads_refuses_the_file_in_one_line() -> None:
    lines = [CLEAN.replace("東京大学", '"' + "x" * 200_000 + '"')]
    with pytest.raises(SchemaError, match=r"employers\.csv_unreadable .*line=2"):
        parse_employer_bytes(_bytes(lines), "E1.csv")


def test_full_width_symbols_are_repaired_and_formula_cells_kept_as_data() -> None:
    lines = [CLEAN.replace("taro@example.jp", "taro＠example．jp").replace("東京大学", "=1+1")]
    parsed = parse_employer_bytes(_bytes(lines), "E1.csv")
    assert parsed.rows[0].email == "taro@example.jp" and parsed.rows[0].university == "=1+1"
    assert [(r.column, r.kind) for r in parsed.repairs] == [("email", "full_width_symbols")]
