"""Typed request details per kind, and the one parser of corrections."""

from __future__ import annotations

import pytest

from fairfollow.errors import InputError
from fairfollow.rights.detail import (
    CorrectionDetail,
    DisclosureDetail,
    ErasureDetail,
    WithdrawalDetail,
    correction_lines,
    correction_of,
    detail_of,
)
from fairfollow.rights.request import RequestInput, RightKind
from tests.rights.world import LATER


def test_a_correction_keeps_only_the_fields_typed_in_the_forms_order() -> None:
    found = correction_of({"university": " 東都大学 ", "email": "a@example.jp", "name_kana": ""})
    assert found.fields == (("email", "a@example.jp"), ("university", "東都大学"))
    assert correction_lines(["email=a@example.jp", "university=東都大学"]) == found


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"religion": "none"}, "rights.correction_field_not_allowed"),
        ({"email": " "}, "rights.correction_fields_missing"),
        ({"birth_date": "2001/04/02"}, "rights.correction_date_malformed"),
        ({"email": "x" * 201}, "rights.correction_value_too_long"),
    ],
)
def test_a_correction_outside_what_may_be_corrected_is_refused(
    values: dict[str, str], code: str
) -> None:
    with pytest.raises(InputError) as refused:
        correction_of(values)
    assert refused.value.code == code


def test_the_cli_lines_go_through_the_same_parser() -> None:
    with pytest.raises(InputError) as refused:
        correction_lines(["religion=none"])
    assert refused.value.code == "rights.correction_field_not_allowed"
    with pytest.raises(InputError) as malformed:
        correction_lines(["email"])
    assert malformed.value.code == "cli.field_malformed"


def test_details_round_trip_through_their_json_by_kind() -> None:
    for detail, kind in (
        (DisclosureDetail(raw_events=True), "disclosure"),
        (WithdrawalDetail(("employer_forecast",)), "withdrawal"),
        (CorrectionDetail((("email", "a@example.jp"),)), "correction"),
        (ErasureDetail(), "erasure"),
    ):
        assert detail_of(kind, detail.as_json()) == detail
    with pytest.raises(InputError) as malformed:
        detail_of("withdrawal", {"purposes": "employer_forecast"})
    assert malformed.value.code == "rights.detail_malformed"


def test_a_request_takes_only_the_detail_of_its_kind() -> None:
    assert RequestInput(RightKind.STOP, 7, LATER).detail is not None
    with pytest.raises(InputError) as missing:
        RequestInput(RightKind.CORRECTION, 7, LATER)
    assert missing.value.code == "rights.correction_fields_missing"
    with pytest.raises(InputError) as other:
        RequestInput(RightKind.ERASURE, 7, LATER, detail=DisclosureDetail())
    assert other.value.code == "rights.detail_of_another_kind"
