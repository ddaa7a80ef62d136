"""The employer id: one parser, one formatter, the same text everywhere."""

from __future__ import annotations

import pytest

from fairfollow.employer_ids import EmployerId
from fairfollow.errors import InputError


def test_the_text_is_e_and_four_or_more_digits() -> None:
    assert EmployerId(314).text == str(EmployerId(314)) == "E0314"
    assert EmployerId(12345).text == "E12345"
    assert EmployerId(7).file_name == "E0007.csv"


@pytest.mark.parametrize("typed", ["E314", "314", "e0314", " E0314 ", "E000314"])
def test_typed_ids_parse_to_one_value(typed: str) -> None:
    assert EmployerId.parse(typed) == EmployerId(314)
    assert EmployerId.parse(typed).text == "E0314"


@pytest.mark.parametrize("typed", ["ACME", "", "E", "E-1", "E31a", "F0314", "E1234567890"])
def test_anything_else_is_refused_with_a_code(typed: str) -> None:
    with pytest.raises(InputError) as caught:
        EmployerId.parse(typed)
    assert caught.value.code == "vocabulary.employer_id_malformed"
    assert caught.value.params == {"text": typed}


def test_a_negative_number_is_no_employer() -> None:
    with pytest.raises(InputError):
        EmployerId(-1)


def test_file_names_name_their_employer() -> None:
    assert EmployerId.of_file("E0314.csv") == EmployerId(314)
    assert EmployerId.of_file("e12.CSV") == EmployerId(12)
    assert EmployerId.of_file("employers.csv") is None
    assert EmployerId.of_file("E0314.csv.bak") is None


def test_the_text_round_trips_and_ids_sort_by_number() -> None:
    ids = [EmployerId(n) for n in (12, 3, 1200, 45)]
    assert all(EmployerId.parse(i.text) == i for i in ids)
    assert [i.number for i in sorted(ids)] == [3, 12, 45, 1200]
