"""A small simulated and ingested season for analysis tests (not a test module)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fairfollow.events.store import ingest
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


def small_season(
    root: Path, *, students: int = 1500, seed: int = 5, defects: frozenset[str] = frozenset()
) -> SmallSeason:
    """Simulate ``students`` per season and ingest them into a fresh workspace."""
    season_dir = root / "season"
    simulate(SimulationConfig(students=students, seed=seed, out=season_dir, defects=defects))
    workspace = Workspace(root / "workspace").ensure()
    ingest(workspace, season_dir)
    return SmallSeason(workspace, season_dir)
