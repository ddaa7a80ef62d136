from __future__ import annotations

import pytest

from fairfollow.employers.applicant_ids import is_id_only, parse_id_only
from fairfollow.errors import ProhibitedItemError, SchemaError


def test_detects_lists_keyed_only_by_applicant_ids() -> None:
    assert is_id_only(b"applicant_id,entry_date,offer_date\n", "E1.csv")
    assert not is_id_only(b"applicant_id,email,offer_date\n", "E1.csv")
    assert not is_id_only(b"cookie_id,offer_date\n", "E1.csv")


def test_rows_are_parsed_and_bad_ones_kept_with_their_rule() -> None:
    data = (
        "applicant_id,entry_date,offer_date,score\n"
        "A1,2019-04-01,2019-06-01,3\n"
        ",2019-04-01,2019-06-01,3\n"
        "A3,2019-04-01,2019/13/01,1\n"
        "A1,2019-04-01,2019-06-01,3\n"
        "A5,2019-04-01,,2\n"
    ).encode("cp932")
    parsed = parse_id_only(data, "E1.csv")
    assert parsed.encoding == "utf-8" and parsed.ignored_columns == ("score",)
    assert [(r.line, r.applicant_id, r.offer_date is None) for r in parsed.rows] == [
        (2, "A1", False),
        (6, "A5", True),
    ]
    assert [(r.line, r.rule) for r in parsed.rejected] == [
        (3, "missing_field:applicant_id"),
        (4, "bad_date:offer_date"),
        (5, "duplicate_row"),
    ]


def test_whole_file_problems_refuse_it() -> None:
    with pytest.raises(SchemaError):
        parse_id_only(b"applicant_id,entry_date\n", "E1.csv")
    with pytest.raises(ProhibitedItemError):
        parse_id_only("applicant_id,offer_date,宗教\n".encode(), "E1.csv")
