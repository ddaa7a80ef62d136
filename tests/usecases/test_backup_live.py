"""A backup taken while releases and an ingest run in other processes restores to a log
that passes its audit, is a prefix of the live log, and whose budgets equal its recount —
on SQLite (the online backup API) and on PostgreSQL (``pg_dump`` and ``pg_restore``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.cli.context import clear_session
from fairfollow.ledger.engine import open_ledger
from fairfollow.release.reconciliation import reconcile_budgets
from fairfollow.scenarios.replay import replay
from fairfollow.tlog import store as log_store
from fairfollow.usecases.backup import back_up, restore
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace
from tests.usecases.conftest import is_postgres

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

RELEASES = """
import subprocess, sys
ws, token, *employers = sys.argv[1:]
for i in range(20):
    subprocess.run(
        [sys.executable, "-m", "fairfollow", "-w", ws, "release", "forecast", "--employer",
         employers[i % len(employers)], "--service", "yield-forecast", "--json"],
        env={**__import__("os").environ, "FAIRFOLLOW_TOKEN": token},
        stdout=subprocess.DEVNULL, check=False,
    )
"""


def _analyst(ws: Path) -> str:
    def cli(*args: str, token: str = "", stdin: str | None = None) -> str:
        result = runner.invoke(
            app, ["-w", str(ws), *args], env={"FAIRFOLLOW_TOKEN": token}, input=stdin
        )
        assert result.exit_code == 0, result.output
        return result.output.strip()

    secret = (ws / "keys" / "admin.secret").read_text(encoding="ascii")
    admin = cli("account", "login", "admin", "--password-stdin", "-q", stdin=secret)
    new = cli("account", "create", "ana", "-q", token=admin)
    cli("account", "grant", "ana", "analyst", token=admin)
    token = cli("account", "login", "ana", "--password-stdin", "-q", stdin=new)
    clear_session(Workspace(ws))
    return token


def _head(workspace: Workspace, size: int | None = None) -> tuple[int, bytes]:
    engine = open_ledger(workspace.ledger_url)
    try:
        with engine.connect() as conn:
            at = log_store.tree_size(conn) if size is None else size
            return at, log_store.root_at(conn, at)
    finally:
        engine.dispose()


def _live_workspace(
    ledger_url: str, request: pytest.FixtureRequest, target: Path, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    """The replayed workspace on SQLite (a copy); on PostgreSQL the same replay, run into
    the fixture's database (every CLI process below reads FAIRFOLLOW_LEDGER_URL)."""
    if not is_postgres(ledger_url):
        monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
        return Workspace(copy_workspace(request.getfixturevalue("replayed_workspace"), target))
    monkeypatch.setenv("FAIRFOLLOW_LEDGER_URL", ledger_url)
    live = Workspace(target, ledger_url_override=ledger_url)
    season = request.getfixturevalue("simulated_season")(students=2000, seed=1, defects="a,b")
    replay(season, live)
    return live


@pytest.mark.slow
def test_backup_during_releases_and_an_ingest_restores_to_an_audited_prefix(
    ledger_url: str,
    request: pytest.FixtureRequest,
    empty_ledger: Callable[[], str | None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LOG_PUBLIC_KEY", raising=False)
    live = _live_workspace(ledger_url, request, tmp_path / "ws", monkeypatch)
    ws = live.root
    token = _analyst(ws)
    engine = open_ledger(live.ledger_url)
    with engine.connect() as conn:
        query = sa.text("SELECT DISTINCT employer FROM gov_budget_entries ORDER BY employer")
        employers = [str(r[0]) for r in conn.execute(query)]
    engine.dispose()
    season = json.loads((ws / "season.json").read_text(encoding="utf-8"))["season_dir"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    start_size = _head(live)[0]
    releases = subprocess.Popen(
        [sys.executable, "-c", RELEASES, str(ws), token, *employers[:4]], env=env
    )
    ingest = subprocess.Popen(
        [sys.executable, "-m", "fairfollow", "-w", str(ws), "ingest", season],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while _head(live)[0] < start_size + 3 and time.monotonic() < deadline:
        time.sleep(0.2)  # a few releases are in before the snapshot, more come after
    manifest = back_up(live, tmp_path / "backup", datetime.now(UTC))
    assert manifest.backend == ("postgresql" if is_postgres(ledger_url) else "sqlite")
    assert releases.wait(timeout=900) == 0 and ingest.wait(timeout=300) == 0
    live_size, _ = _head(live)
    assert start_size + 3 <= manifest.log_size <= live_size

    into = empty_ledger()
    outcome = restore(tmp_path / "backup", tmp_path / "restored", ledger_url=into)
    back = Workspace(tmp_path / "restored", ledger_url_override=into)
    size, root = _head(back)
    assert outcome.tree_size == size == manifest.log_size
    assert _head(live, size)[1] == root  # the restored tree is a prefix of the live one
    if into is not None:
        monkeypatch.setenv("FAIRFOLLOW_LEDGER_URL", into)
    result = runner.invoke(app, ["-w", str(back.root), "log", "audit", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    engine = open_ledger(back.ledger_url)
    with engine.connect() as conn:
        recount = reconcile_budgets(conn)
    engine.dispose()
    assert recount.ok  # budget rows equal the log's recount
    assert (back.duckdb_path).exists()
