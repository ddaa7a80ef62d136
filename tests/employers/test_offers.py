"""The offers table: employer rows matched to members (the rule itself: test_matching.py),
and every row kept out counted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairfollow.employers.file import EmployerFile, parse_employer_bytes
from fairfollow.employers.matching import MemberIdentity
from fairfollow.employers.offers import (
    build_offer_table,
    member_identities,
    parse_season_files,
    write_offer_table,
)
from fairfollow.errors import InputError

HEADER = "applicant_id,name_kanji,name_kana,email,birth_date,university,entry_date,offer_date"
MEMBERS = [
    MemberIdentity(1, "hanako@example.jp", "ヤマダ ハナコ", date(1997, 4, 1)),
    MemberIdentity(2, "taro@example.jp", "サトウ タロウ", date(1996, 5, 2)),
    MemberIdentity(3, "twin-a@example.jp", "スズキ ユイ", date(1997, 1, 1)),
    MemberIdentity(4, "twin-b@example.jp", "スズキ ユイ", date(1997, 1, 1)),
]
HANAKO = ("山田花子", "ヤマダ ハナコ", "hanako@example.jp", "1997-04-01")


def _row(aid: str, who: tuple[str, str, str, str], offer: str, outcome: str | None) -> str:
    cells = [aid, *who, "東都大学", "2018-04-01", offer]
    if outcome is not None:
        cells.append(outcome)
    return ",".join(cells) + "\n"


def _file(name: str, rows: list[str], season: int = 2019) -> EmployerFile:
    header = HEADER + (",offer_outcome" if season == 2019 else "") + "\n"
    return parse_employer_bytes((header + "".join(rows)).encode("utf-8"), name, season=season)


def test_matching_rules_and_counts() -> None:
    rows = [
        # matched by e-mail (upper case normalised by the parser)
        _row("A1", (*HANAKO[:2], "HANAKO@example.jp", HANAKO[3]), "2018-06-01", "accepted"),
        # e-mail unknown: matched by kana (spaces ignored) and birth date
        _row(
            "A2", ("佐藤太郎", "サトウタロウ", "old@x.jp", "1996-05-02"), "2018-06-02", "declined"
        ),
        # two members share kana and birth date and the e-mail is unknown: ambiguous
        _row("A3", ("鈴木結衣", "スズキ ユイ", "who@x.jp", "1997-01-01"), "2018-06-03", "declined"),
        # nobody
        _row(
            "A4", ("田中一郎", "タナカ イチロウ", "no@x.jp", "1995-01-01"), "2018-06-04", "accepted"
        ),
        # an applicant without an offer is not an offer
        _row("A5", HANAKO, "", ""),
        # the same member twice in one employer's list
        _row("A6", HANAKO, "2018-06-05", "declined"),
        # a bad date: rejected by the parser, counted by rule
        _row("A7", (*HANAKO[:3], "1997-02-30"), "2018-06-01", "accepted"),
    ]
    offers = build_offer_table([_file("E0012.csv", rows)], MEMBERS, 2019)
    table = offers.table.to_pylist()
    assert [(r["offer_id"], r["member_id"], r["accepted"]) for r in table] == [
        ("2019-E0012-A1", 1, True),
        ("2019-E0012-A2", 2, False),
    ]
    assert offers.matched_by == {"email": 1, "name_kana+birth_date": 1}
    assert offers.unmatched_by_reason == {
        "ambiguous_member": 1,
        "duplicate_offer": 1,
        "no_member": 1,
    }
    assert offers.rejected_rows == {"bad_date:birth_date": 1}
    # Offer dates are the employer's JST dates: taken as made at JST midnight.
    assert table[0]["offered_at"] == datetime(2018, 5, 31, 15, 0, tzinfo=UTC)
    assert offers.as_dict()["offers"] == 2


def test_one_member_may_hold_offers_from_two_employers() -> None:
    row = [_row("A1", HANAKO, "2019-06-01", None)]
    files = [_file("E0001.csv", row, 2020), _file("E0002.csv", row, 2020)]
    offers = build_offer_table(files, MEMBERS, 2020)
    assert offers.table.column("company_id").to_pylist() == [1, 2]
    assert offers.table.column("accepted").to_pylist() == [None, None]


def test_a_file_without_company_id_in_its_name_keeps_its_offers_out() -> None:
    row = [_row("A1", HANAKO, "2019-06-01", None)]
    offers = build_offer_table([_file("applicants.csv", row, 2020)], MEMBERS, 2020)
    assert offers.offers == 0
    assert offers.unmatched_by_reason == {"no_company_id": 1}


def test_member_identities_take_one_season(tmp_path: Path) -> None:
    members = pa.table(
        {
            "member_id": pa.array([1, 2], pa.int64()),
            "season": pa.array([2019, 2020], pa.int16()),
            "email": ["a@x.jp", "b@x.jp"],
            "name_kana": ["ア", "イ"],
            "birth_date": [date(1997, 1, 1), date(1998, 1, 1)],
        }
    )
    assert [m.member_id for m in member_identities(members, 2020)] == [2]


def test_season_files_and_writing(tmp_path: Path) -> None:
    folder = tmp_path / "employers" / "season=2019"
    folder.mkdir(parents=True)
    body = HEADER + ",offer_outcome\n" + _row("A1", HANAKO, "2018-06-01", "accepted")
    (folder / "E0007.csv").write_bytes(body.encode("cp932"))
    files = parse_season_files(tmp_path / "employers", 2019)
    offers = build_offer_table(files, MEMBERS, 2019)
    path = write_offer_table(offers, tmp_path / "out" / "offers.parquet")
    assert pq.read_table(path).equals(offers.table)
    with pytest.raises(InputError, match=r"employers\.no_files"):
        parse_season_files(tmp_path / "employers", 2020)
