"""The consent demo: coverage for the forecast purpose and a refused lagging rollout."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.consent import activation_store
from fairfollow.consent.policy import ActivationOutcome
from fairfollow.consent.validity import Reason
from fairfollow.errors import SchemaError
from fairfollow.ledger.engine import open_ledger
from fairfollow.scenarios.consent_demo import consent_demo, forecast_date, forecast_purpose
from tests.consent_season import AS_OF, FORECAST, write_season

NOW = datetime(2026, 4, 1, tzinfo=UTC)
KEY = b"k" * 32  # the workspace's matching key


def test_the_demo_finds_the_gap_and_the_gate_refuses_the_lagging_rollout(
    ledger_url: str, tmp_path: Path
) -> None:
    season = write_season(tmp_path / "season")
    (season / "manifest.json").write_text(
        json.dumps(
            {
                "seasons": [
                    {"season": 2019, "forecast_date": "2018-07-15T00:00+09:00"},
                    {"season": 2020, "forecast_date": AS_OF.isoformat()},
                ]
            }
        )
    )
    assert forecast_date(season) == AS_OF and forecast_purpose(season) == FORECAST
    engine = open_ledger(ledger_url)
    demo = consent_demo(engine, season, key=KEY, now=NOW)
    again = consent_demo(engine, season, key=KEY, now=NOW)  # adds nothing but a decision
    with engine.connect() as conn:
        outcomes = [d.outcome for d in activation_store.activation_history(conn)]
    engine.dispose()
    assert demo.coverage.member_ids[Reason.STALE_SCREEN_VERSION] == (2,)
    assert demo.activation.outcome is ActivationOutcome.REFUSED
    assert [(s.screen_id, s.displayed) for s in demo.activation.lagging] == [("entry_form", "v1")]
    assert again.ingest.events == 0 and again.activation.outcome is ActivationOutcome.REFUSED
    assert outcomes == ["activated", "forced", "refused", "refused"]


def test_a_season_without_a_manifest_is_a_schema_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError):
        forecast_date(tmp_path)
    with pytest.raises(SchemaError):
        forecast_purpose(tmp_path)
