"""The replay variant with a tied registration screen: the gate refuses it, plainly and
forced, with its citations, and both refusals are in the ledger."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.consent import activation_store, policy_store
from fairfollow.consent.policy import ActivationOutcome, GateReason, PolicyStatus
from fairfollow.ledger.engine import open_ledger
from fairfollow.scenarios.tying import TIED_SCREEN, TIED_VERSION, replay_tied_registration
from fairfollow.workspace import Workspace


def test_the_tied_registration_screen_is_refused_with_citations(
    simulated_season: Callable[..., Path], tmp_path: Path
) -> None:
    season = simulated_season()
    report = replay_tied_registration(season, Workspace(tmp_path / "tied"))
    for decision in (report.decision, report.forced):
        assert decision.outcome is ActivationOutcome.REFUSED
        assert GateReason.TIED_CONSENT in decision.reasons
        assert GateReason.SCREENS_LAG not in decision.reasons  # every screen shows it
        assert [(p.purpose_key, p.screen_id) for p in decision.tied] == [
            ("employer_forecast", TIED_SCREEN)
        ]
        assert "ESA Art. 5-5(1)" in decision.citation and "GDPR Art. 7(4)" in decision.citation
    engine = open_ledger(Workspace(tmp_path / "tied").ledger_url)
    with engine.connect() as conn:
        history = activation_store.activation_history(conn)
        assert policy_store.statuses(conn)[TIED_VERSION] is PolicyStatus.APPROVED
    engine.dispose()
    assert [(d.version_id, d.outcome) for d in history[-2:]] == [(TIED_VERSION, "refused")] * 2
    result = CliRunner().invoke(
        app,
        ["-w", str(tmp_path / "ws"), "replay", str(season), "--out", str(tmp_path / "cli"),
         "--variant", "tied-registration"],
        env={"FAIRFOLLOW_LANGUAGE": "ja"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "職業安定法第5条の5第1項" in result.output and "refused" in result.output
