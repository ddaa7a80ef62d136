from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairfollow.errors import GovernanceError, InputError
from fairfollow.law.rules import Granularity
from fairfollow.services.examples import dmp_follow_2019, yield_forecast
from fairfollow.services.registry import load_spec, material_changes, validate_spec


def _data() -> dict[str, object]:
    return json.loads(yield_forecast(["E0001"]).canonical())  # type: ignore[no-any-return]


def test_a_service_without_a_named_owner_is_refused() -> None:
    data = _data()
    data["owner"] = "   "
    with pytest.raises(GovernanceError, match=r"services\.owner_missing"):
        validate_spec(data)


def test_unknown_dpia_question_and_extra_fields_are_refused() -> None:
    data = _data()
    data["dpia"] = {"answers": {"is_it_fine": True}}
    with pytest.raises(InputError, match=r"services\.declaration_invalid.*dpia\.answers"):
        validate_spec(data)
    data = _data()
    data["colour"] = "blue"
    with pytest.raises(InputError):
        validate_spec(data)


def test_bad_service_id_is_refused() -> None:
    data = _data()
    data["service_id"] = "Not A Slug"
    with pytest.raises(InputError, match=r"services\.declaration_invalid.*service_id"):
        validate_spec(data)


def test_round_trip_through_canonical_json_and_files(tmp_path: Path) -> None:
    spec = yield_forecast(["E0002", "E0001", "E0001"])
    assert spec.recipients.named == ("E0001", "E0002")
    path = tmp_path / "svc.json"
    path.write_bytes(spec.canonical())
    again = load_spec(path)
    assert again == spec and again.digest() == spec.digest()
    toml = tmp_path / "svc.toml"
    toml.write_text(
        'service_id = "tiny"\nname = "Tiny"\nowner = "Hanako"\npurposes = []\n'
        'data_categories_in = []\ndata_categories_out = []\ngranularity = "aggregate"\n'
        '[recipients]\nrecipient_class = "platform"\n',
        encoding="utf-8",
    )
    assert load_spec(toml).owner == "Hanako"
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError):
        load_spec(tmp_path / "bad.json")


def test_material_changes_name_the_fields() -> None:
    before = yield_forecast(["E0001"])
    assert material_changes(before, yield_forecast(["E0001"], retention_days=200)) == ()
    assert material_changes(before, yield_forecast(["E0001", "E0002"])) == ("recipients",)
    individual = before.model_copy(update={"granularity": Granularity.INDIVIDUAL})
    assert material_changes(before, individual) == ("granularity",)


def test_facts_carry_what_the_rules_read() -> None:
    facts = dmp_follow_2019().facts()
    assert facts.granularity is Granularity.INDIVIDUAL
    assert "employer_applicant_id" in facts.output_keys
    assert facts.derived_evaluation and facts.retention_days is None


def _changed(**update: object) -> dict[str, object]:
    data = _data()
    for path, value in update.items():
        *parents, leaf = path.split("__")
        target = data
        for part in parents:
            target = target[part]  # type: ignore[assignment]
        target[leaf] = value  # type: ignore[index]
    return data


_YES = {q: True for q in json.loads(yield_forecast(["E0001"]).canonical())["dpia"]["answers"]}
_PURPOSE = json.loads(yield_forecast(["E0001"]).canonical())["purposes"][0]


@pytest.mark.parametrize(
    ("update", "material"),
    [
        # issue 27: safeguards removed or weakened (fail on aa80ea0: not material there)
        ({"packs": ["jp"]}, ("packs",)),
        ({"packs": []}, ("packs",)),
        ({"dpia__answers": {**_YES, "human_review": False}}, ("dpia.answers",)),
        ({"dpia__answers": {k: v for k, v in _YES.items() if k != "member_view"}},
         ("dpia.answers",)),
        ({"dpia__necessity": {"browsing_history": "x", "entry_history": "x",
                              "employer_applicant_list": " "}}, ("dpia.necessity",)),
        ({"retention_days": 900}, ("retention_days",)),
        ({"retention_days": None}, ("retention_days",)),
        ({"legal_basis": "legitimate_interests"}, ("legal_basis",)),
        # what goes out (material before issue 27 too)
        ({"purposes": [{**_PURPOSE, "output": "counts"}]}, ("purposes",)),
        ({"recipients": {"recipient_class": "client_employer", "named": []}}, ("recipients",)),
        ({"granularity": "individual"}, ("granularity",)),
        ({"data_categories_in": ["browsing_history", "employer_applicant_list"]},
         ("data_categories_in",)),
        ({"data_categories_out": []}, ("data_categories_out",)),
        # strengthening a safeguard is not material
        ({"packs": ["eu", "jp", "jp"]}, ()),
        ({"retention_days": 90}, ()),
        ({"name": "Yield forecast"}, ()),
    ],
)  # fmt: skip
def test_materiality_is_computed_from_the_versions(
    update: dict[str, object], material: tuple[str, ...]
) -> None:
    before = yield_forecast(["E0001"])
    assert material_changes(before, validate_spec(_changed(**update))) == material


def test_strengthening_dpia_answers_is_not_material() -> None:
    data = _data()
    data["dpia"]["answers"]["human_review"] = False  # type: ignore[index]
    weaker = validate_spec(data)
    assert material_changes(weaker, yield_forecast(["E0001"])) == ()
