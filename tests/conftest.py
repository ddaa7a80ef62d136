"""Shared fixtures: ledger URLs for SQLite and the private PostgreSQL server of `make test`."""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("FAIRFOLLOW_TEST_PG_URL", "")
# The command line speaks Japanese by default; the suite reads its messages in English
# unless a test asks for Japanese (FAIRFOLLOW_LANGUAGE=ja in that test's environment).
os.environ.setdefault("FAIRFOLLOW_LANGUAGE", "en")
# `make test` runs every ledger test on both backends; `make test-fast` on SQLite alone.
BACKENDS = os.environ.get("FAIRFOLLOW_TEST_BACKENDS", "sqlite,postgresql").split(",")


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh ledger at the current schema on each backend (one PostgreSQL database per test)."""
    from fairfollow.ledger.engine import create_ledger

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        create_ledger(url).dispose()
        yield url
        return
    if not PG_URL:
        pytest.fail("FAIRFOLLOW_TEST_PG_URL is not set: run the suite with `make test`")
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    create_ledger(url).dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def simulated_season(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Factory of simulated seasons, each made once per test run and shared by xdist workers
    (a file lock guards creation; the manifest is written last, so it marks completion)."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is <run>/popen-gwN: share <run>, never older runs.
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "seasons"
    root.mkdir(parents=True, exist_ok=True)

    def make(
        students: int = 2000, seed: int = 1, defects: str = "", dirt_rate: float = 0.02
    ) -> Path:
        from fairfollow.season.config import SimulationConfig
        from fairfollow.season.simulator import simulate

        key = f"n{students}-s{seed}-d{defects.replace(',', '')}-r{dirt_rate}"
        out = root / key
        with (root / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (out / "manifest.json").exists():
                shutil.rmtree(out, ignore_errors=True)
                simulate(
                    SimulationConfig(
                        students=students,
                        seed=seed,
                        out=out,
                        dirt_rate=dirt_rate,
                        defects=frozenset(d for d in defects.split(",") if d),
                    )
                )
        return out

    return make


@pytest.fixture(scope="session")
def replayed_workspace(
    simulated_season: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A workspace the replay of a 2,000-student season left behind (pools, consents,
    releases, the log), made once per test run and shared by xdist workers. Read-only:
    a test that changes anything works on a copy (:func:`copy_workspace`)."""
    from typer.testing import CliRunner

    from fairfollow.cli.app import app

    season = simulated_season(students=2000, seed=1, defects="a,b")
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "replays"
    root.mkdir(parents=True, exist_ok=True)
    out = root / "n2000-s1-dab"
    with (root / "replay.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "replayed").exists():
            shutil.rmtree(out, ignore_errors=True)
            result = CliRunner().invoke(
                app, ["--workspace", str(root / "home"), "replay", str(season), "--out", str(out)]
            )
            assert result.exit_code == 0, result.output
            (out / "replayed").write_text("done\n")
    return out


def copy_workspace(source: Path, target: Path) -> Path:
    """A private copy of a workspace (ledger, analytics store, keys) to change freely."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("replayed", "*.lock"))
    return target
