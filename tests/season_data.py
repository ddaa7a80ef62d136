"""A small simulated and ingested season for analysis tests (not a test module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fairfollow.consent.coverage import consented_members
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.events.store import ingest
from fairfollow.intake.desk import matching_key
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.season.config import SimulationConfig
from fairfollow.season.simulator import simulate
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class SmallSeason:
    workspace: Workspace
    season_dir: Path

    @property
    def employers(self) -> Path:
        return self.season_dir / "employers"

    @property
    def truth(self) -> Path:
        return self.season_dir / "truth" / "offers.parquet"

    def consented(self, purpose: str, at: datetime) -> frozenset[int]:
        """The workspace ledger's verdict: members with valid consent for ``purpose``."""
        engine = open_ledger(self.workspace.ledger_url)
        try:
            return consented_members(engine)(purpose, at)
        finally:
            engine.dispose()


def small_season(
    root: Path, *, students: int = 1500, seed: int = 5, defects: frozenset[str] = frozenset()
) -> SmallSeason:
    """Simulate ``students`` per season and ingest them (events and consent log, as
    ``fairfollow ingest`` does) into a fresh workspace."""
    season_dir = root / "season"
    simulate(SimulationConfig(students=students, seed=seed, out=season_dir, defects=defects))
    workspace = Workspace(root / "workspace").ensure()
    ingest(workspace, season_dir)
    engine = create_ledger(workspace.ledger_url)
    try:
        ingest_consent_logs(engine, season_dir, key=matching_key(workspace.keys_dir))
    finally:
        engine.dispose()
    return SmallSeason(workspace, season_dir)
