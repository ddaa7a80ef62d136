"""What a simulation run is asked for: its size, seed and output directory, the 2019 case's
defects to switch on and the dirt rates; and what follows from them alone (the chunk plan,
the output folders, the random streams)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fairfollow.errors import InputError

DEFECTS = {
    "a": "a registration screen keeps showing the old policy after the new one goes live",
    "b": "members registered before the revision are never asked again",
    "c": "partner cookies collected for advertising only",
    "d": "employer lists carry hashed names",
    "e": "employer lists keyed only by the employer's own applicant ID",
}


@dataclass(frozen=True)
class Chunk:
    """A slice of one season's students, simulated with its own random stream."""

    index: int  # position in the season; names the chunk's part files
    start: int  # offset of its first student within the season
    size: int


@dataclass(frozen=True)
class SimulationConfig:
    students: int
    seed: int
    out: Path
    defects: frozenset[str] = frozenset()
    dirt_rate: float = 0.02
    log_dirt_rate: float = 0.0005
    chunk_size: int = 10_000

    def check(self) -> None:
        if self.students < 100:
            raise InputError("season.too_few_students", students=self.students, minimum=100)
        unknown = sorted(self.defects - DEFECTS.keys())
        if unknown:
            raise InputError("season.unknown_defects", defects=unknown, known=sorted(DEFECTS))
        for name in ("dirt_rate", "log_dirt_rate"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise InputError("season.rate_out_of_range", name=name, value=getattr(self, name))
        if self.out.exists() and any(self.out.iterdir()):
            raise InputError("season.out_not_empty", path=str(self.out))

    @property
    def raw(self) -> Path:
        """The site's own exports."""
        return self.out / "raw"

    @property
    def truth(self) -> Path:
        """What only the simulator knows."""
        return self.out / "truth"

    @property
    def employers(self) -> Path:
        """The employers' applicant lists."""
        return self.out / "employers"

    def chunks(self) -> list[Chunk]:
        """Every season is cut the same way, so chunk ``i`` of each covers the same offsets."""
        return [
            Chunk(index, start, min(self.chunk_size, self.students - start))
            for index, start in enumerate(range(0, self.students, self.chunk_size))
        ]

    # Separate streams keep each part reproducible on its own: a chunk's draws depend on the
    # seed, its season and its index, never on what was drawn before it.

    def companies_rng(self) -> np.random.Generator:
        return np.random.default_rng([self.seed, 0])

    def files_rng(self) -> np.random.Generator:
        """The stream of the end-of-run files: consent-log garbling, then employer lists."""
        return np.random.default_rng([self.seed, 1])

    def chunk_rng(self, season: int, chunk: Chunk) -> np.random.Generator:
        return np.random.default_rng([self.seed, season, chunk.index])
