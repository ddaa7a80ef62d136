"""What the review room compares: the field-by-field difference of two declarations."""

from __future__ import annotations

from fairfollow.services.docket import spec_diff
from fairfollow.services.examples import yield_forecast
from fairfollow.services.registry import validate_spec


def test_spec_diff_lists_material_fields_first() -> None:
    before = yield_forecast(["E0001"])
    after = validate_spec(
        before.model_dump(mode="json")
        | {"name": "Renamed", "granularity": "individual", "retention_days": 30}
    )
    changes = spec_diff(before, after)
    assert [(c.field, c.material) for c in changes] == [
        ("granularity", True),
        ("name", False),
        ("retention_days", False),
    ]
    assert changes[0].before == "aggregate" and changes[0].after == "individual"
    assert spec_diff(before, before) == ()
