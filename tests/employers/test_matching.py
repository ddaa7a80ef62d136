"""The one matching rule: e-mail first, then kana name with birth date; one member or none."""

from __future__ import annotations

from datetime import date

import pytest

from fairfollow.employers.file import EmployerFile, parse_employer_bytes
from fairfollow.employers.matching import (
    Matched,
    MatchRule,
    MemberIdentity,
    MissReason,
    Unmatched,
    index_members,
    kana_birth,
    normalise_email,
    normalise_kana,
)
from fairfollow.employers.offers import build_offer_table
from fairfollow.intake.keyed_index import keyed_index, match_row

MEMBERS = [
    MemberIdentity(1, "hanako@example.jp", "ヤマダ ハナコ", date(1997, 4, 1)),
    MemberIdentity(2, "taro@example.jp", "サトウ タロウ", date(1996, 5, 2)),
    MemberIdentity(3, "twin-a@example.jp", "スズキ ユイ", date(1997, 1, 1)),
    MemberIdentity(4, "twin-b@example.jp", "スズキ ユイ", date(1997, 1, 1)),
    MemberIdentity(5, "shared@example.jp", "タナカ ケン", date(1998, 2, 2)),
    MemberIdentity(6, "shared@example.jp", "キム ミン", date(1998, 3, 3)),
    MemberIdentity(7, "", "ノー メール", date(1999, 9, 9)),
]
HEADER = "applicant_id,name_kanji,name_kana,email,birth_date,university,entry_date,offer_date\n"
# (applicant, kana, e-mail, birth date): what each row should find, by the rule.
ROWS = [
    ("A1", "ヤマダ ハナコ", "HANAKO@example.jp", "1997-04-01"),  # e-mail, case folded
    ("A2", "サトウタロウ", "old@x.jp", "1996-05-02"),  # kana (spaces ignored) + birth
    ("A3", "スズキ ユイ", "who@x.jp", "1997-01-01"),  # two members share kana + birth
    ("A4", "タナカ イチロウ", "no@x.jp", "1995-01-01"),  # nobody
    ("A5", "タナカ ケン", "shared@example.jp", "1998-02-02"),  # e-mail shared: kana decides
    ("A6", "ダレ", "shared@example.jp", "1990-01-01"),  # e-mail shared, kana unknown
    ("A7", "ノー メール", "x@x.jp", "1999-09-09"),  # member without e-mail, by kana
    ("A8", "ヤマダ ハナコ", "hanako@example.jp", "2000-01-01"),  # e-mail wins over kana
]
EXPECTED: list[Matched | Unmatched] = [
    Matched(1, MatchRule.EMAIL),
    Matched(2, MatchRule.KANA_BIRTH),
    Unmatched(MissReason.AMBIGUOUS),
    Unmatched(MissReason.NO_MEMBER),
    Matched(5, MatchRule.KANA_BIRTH),
    Unmatched(MissReason.AMBIGUOUS),
    Matched(7, MatchRule.KANA_BIRTH),
    Matched(1, MatchRule.EMAIL),
]


def _file(rows: list[tuple[str, str, str, str]] = ROWS) -> EmployerFile:
    body = "".join(
        f"{aid},氏名,{kana},{email},{birth},東都大学,2018-04-01,2018-06-01\n"
        for aid, kana, email, birth in rows
    )
    return parse_employer_bytes((HEADER + body).encode("utf-8"), "E0012.csv", season=2020)


def test_normalisation() -> None:
    assert normalise_email(" Ｈanako@Example.JP ") == "hanako@example.jp"
    assert normalise_kana("ﾔﾏﾀﾞ　ﾊﾅｺ") == "ヤマダハナコ"  # half-width kana, ideographic space
    assert kana_birth("ヤマダ ハナコ", date(1997, 4, 1)) == "ヤマダハナコ|1997-04-01"


def test_the_rule_row_by_row() -> None:
    index = index_members(MEMBERS)
    parsed = _file()
    assert [index.match(row) for row in parsed.rows] == EXPECTED


def test_a_member_listed_twice_is_one_member_not_ambiguous() -> None:
    index = index_members([MEMBERS[0], MEMBERS[0]])
    assert index.by_email == {"hanako@example.jp": (1,)}
    assert index.match(MEMBERS[0]) == Matched(1, MatchRule.EMAIL)


def test_a_keyed_index_holds_no_identifier_in_the_clear() -> None:
    index = keyed_index(b"k" * 32, MEMBERS)
    held = " ".join([*index.by_email, *index.by_kana_birth])
    assert "example.jp" not in held and "ヤマダ" not in held
    assert "kkkk" not in repr(index)  # the secret stays out of logs
    assert [index.identities.match(r) for r in _file().rows] == EXPECTED


@pytest.mark.parametrize("key", [b"k" * 32, b"another secret of thirty-two byte"])
def test_offers_and_intake_match_alike(key: bytes) -> None:
    """The two former copies of the rule, run on the same rows, find the same members."""
    rows = [r for r in ROWS if r[0] != "A8"]  # one offer per member: offers drop duplicates
    parsed = _file(rows)
    offers = build_offer_table([parsed], MEMBERS, 2020)
    by_offers: dict[str, object] = {
        str(r["applicant_id"]): r["member_id"] for r in offers.table.to_pylist()
    }
    for u in offers.unmatched:
        by_offers[parsed.rows[u.line - 2].applicant_id] = u.reason
    index = keyed_index(key, MEMBERS)
    by_intake: dict[str, object] = {}
    for row in parsed.rows:
        match = match_row(index, row, {})
        by_intake[row.applicant_id] = match.how if match.member_id is None else match.member_id
    assert by_offers == by_intake
    assert offers.matched_by == {"email": 1, "name_kana+birth_date": 3}
    hows = sorted(match_row(index, row, {}).how for row in parsed.rows)
    assert hows == [
        "ambiguous_member",
        "ambiguous_member",
        "email_hmac",
        "kana_birth_hmac",
        "kana_birth_hmac",
        "kana_birth_hmac",
        "no_member",
    ]
