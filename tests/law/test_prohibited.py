"""The prohibited-items table and column-name detection."""

from __future__ import annotations

import pytest

from fairfollow.law.prohibited import (
    PROHIBITED_ITEMS,
    find_prohibited,
    match_column,
    normalise_column,
)

# One real-looking header per table row, in English, romaji or Japanese.
POSITIVES = {
    "race": ["Race", "applicant_race", "人種"],
    "ethnicity": ["ethnicity", "Ethnic-Group", "民族"],
    "social_status": ["social status", "shakaiteki_mibun", "社会的身分"],
    "family_origin": ["family_origin", "FAMILY ORIGIN", "門地", "家柄"],
    "domicile_of_origin": ["本籍", "honseki", "birthplace_domicile", "本籍地", "ＨＯＮＳＥＫＩ"],
    "birthplace": ["birthplace", "place_of_birth", "出生地", "出身地"],
    "creed": ["creed", "political_party", "信条", "思想"],
    "religion": ["religion", "member-religion", "宗教", "shukyo"],
    "union_membership": ["union_membership", "labor union", "労働組合", "労働組合加入"],
    "medical_history": ["medical_history", "病歴", "既往歴", "health check"],
    "criminal_record": ["criminal_record", "犯罪歴", "前科"],
    "crime_victim": ["crime_victim", "犯罪被害", "hanzai_higai"],
    "disability": ["disability", "障害", "障がい者手帳", "shogai"],
}

# Columns of the season format and ordinary HR headings: none may be refused.
NEGATIVES = [
    "region",
    "university",
    "university_tier",
    "gender",
    "name_kana",
    "name_kanji",
    "industry_id",
    "page_category",
    "birth_date",
    "member_id",
    "registration_screen",
    "stated_purposes",
    "cookie_id",
    "partner_id",
    "event_type",
    "company_id",
    "device",
    "dwell_s",
    "trace_id",
    "status",
    "offer_outcome",
    "entry_date",
    "email",
    "applicant_id",
    "name_sha256",
    "occurred_at",
    "method",
    "action",
    "purpose_key",
    "version_recorded",
    "is_client",
    "client_active",
    "linked_at",
    "description_ja",
    "channel",
    "出身大学",
    "氏名",
    "フリガナ",
    "生年月日",
    "大学",
    "身分証番号",
    "地域",
    "性別",
    "unionid_hash",
]


def test_every_row_has_a_positive_example_and_a_citation() -> None:
    assert {item.rule_id for item in PROHIBITED_ITEMS} == set(POSITIVES)
    for item in PROHIBITED_ITEMS:
        assert item.citation and item.law and item.summary_ja and item.summary_en
        assert "Art." in item.citation
        assert item.synonyms_en and item.synonyms_ja


def test_rule_ids_are_unique() -> None:
    ids = [item.rule_id for item in PROHIBITED_ITEMS]
    assert len(ids) == len(set(ids))


def test_synonyms_are_stored_normalised() -> None:
    for item in PROHIBITED_ITEMS:
        for synonym in item.synonyms_en + item.synonyms_ja:
            assert normalise_column(synonym) == synonym


@pytest.mark.parametrize(
    ("rule_id", "column"),
    [(rule_id, column) for rule_id, columns in POSITIVES.items() for column in columns],
)
def test_prohibited_column_is_found(rule_id: str, column: str) -> None:
    hit = match_column(column)
    assert hit is not None, column
    assert hit.rule_id == rule_id
    assert hit.column == column


@pytest.mark.parametrize("column", NEGATIVES)
def test_ordinary_column_passes(column: str) -> None:
    assert match_column(column) is None


def test_find_prohibited_returns_first_in_file_order() -> None:
    assert find_prohibited(NEGATIVES) is None
    hit = find_prohibited(["member_id", "name_kana", "本籍", "religion"])
    assert hit is not None
    assert (hit.column, hit.rule_id) == ("本籍", "domicile_of_origin")
    assert "Notice 141 of 1999" in hit.citation


def test_normalisation() -> None:
    assert normalise_column("  Family-Origin ") == "family_origin"
    assert normalise_column("ＲＥＬＩＧＩＯＮ") == "religion"
    assert normalise_column("labor  union") == "labor_union"
