"""``fairfollow plan offers|arrivals``: staff only, one use-case call, the door decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairfollow.workspace import Workspace
from tests.cli.test_governance import people, run


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_HOME", raising=False)
    return Workspace(tmp_path / "ws").ensure().root


def test_a_plan_is_asked_by_staff_and_refused_by_the_door_without_a_service(ws: Path) -> None:
    t = people(ws, ana="analyst", r1="reviewer")
    offers = ["plan", "offers", "--employer", "E0001", "--service", "yield-forecast"]
    code, out = run(ws, *offers, "--target", "5", "--json", token=t["r1"])
    assert code == 2 and "may not" in out
    code, out = run(ws, *offers, "--target", "0", "--json", token=t["ana"])
    assert code == 2  # an input error, before the door
    code, out = run(ws, *offers, "--target", "5", "--json", token=t["ana"])
    found = json.loads(out)
    assert code == 1 and found["reason"] == "unknown_service" and found["plan"] is None


def test_an_arrival_curve_needs_a_season_to_take_its_shape_from(ws: Path) -> None:
    t = people(ws, ana="analyst")
    args = ["plan", "arrivals", "--employer", "E0001", "--service", "yield-forecast"]
    code, out = run(ws, *args, token=t["ana"])
    assert code == 2 and "arrival shape" in out
