"""The run's configuration, and the table of files built without random draws."""

from __future__ import annotations

import json
from pathlib import Path

from fairfollow.season.config import DEFECTS, Chunk, SimulationConfig
from fairfollow.season.outputs import CSV_FILES, JSON_FILES, PARQUET_FILES
from fairfollow.season.simulator import simulate


def test_chunks_cover_every_student_once() -> None:
    config = SimulationConfig(students=2_500, seed=1, out=Path("unused"), chunk_size=1_000)
    assert config.chunks() == [Chunk(0, 0, 1_000), Chunk(1, 1_000, 1_000), Chunk(2, 2_000, 500)]
    assert SimulationConfig(students=100, seed=1, out=Path("x")).chunks() == [Chunk(0, 0, 100)]


def test_streams_depend_on_their_keys_only() -> None:
    config = SimulationConfig(students=100, seed=3, out=Path("unused"))
    chunk = config.chunks()[0]
    assert config.chunk_rng(2019, chunk).random() == config.chunk_rng(2019, chunk).random()
    assert config.chunk_rng(2019, chunk).random() != config.chunk_rng(2020, chunk).random()
    assert config.companies_rng().random() != config.files_rng().random()


def test_every_built_file_is_written_and_in_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "season"
    simulate(SimulationConfig(students=150, seed=2, out=out, defects=frozenset(DEFECTS)))
    files = json.loads((out / "manifest.json").read_text())["files"]
    built = [name for table in (CSV_FILES, JSON_FILES, PARQUET_FILES) for name, _ in table]
    assert len(built) == len(set(built)) == 12
    assert set(built) <= set(files)
    drawn = {"raw/consent_events.csv", "truth/log_dirt.parquet", "truth/employer_dirt.parquet"}
    assert drawn | {"truth/calibration.json", "employers/survey_links.csv"} <= set(files)
