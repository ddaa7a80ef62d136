"""The served log checked by an independent implementation: Go's sumdb/note and sumdb/tlog.

The log is served by the application on a loopback port (uvicorn, as ``fairfollow serve``)
and also exported as files (``fairfollow log export-tiles``); the Go verifier reads either
with nothing of FairFollow's: the checkpoint signature, every tile against the signed root,
every entry against its leaf hash, an inclusion proof for a release leaf built from tiles.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.ledger.engine import create_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher, publish_checkpoint
from fairfollow.tlog.record import LogRecord
from fairfollow.tlog.tiles import IMMUTABLE
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.tlog.golang import build_goverify, go_refuses, go_verify
from tests.web.browser import serving

T0 = datetime(2020, 4, 1, 1, 0, tzinfo=UTC)
SIZES = (5, 300, 517)  # three signed sizes: level-0 and level-1 tiles, full and partial


@pytest.fixture(scope="module")
def goverify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_goverify(tmp_path_factory.mktemp("go"))


@pytest.fixture
def settings(tmp_path: Path, ledger_url: str) -> Settings:
    settings = Settings(home=tmp_path / "ws", ledger_url=ledger_url)
    workspace = Workspace.from_settings(settings).ensure()
    publisher = LogPublisher.of_workspace(workspace)
    engine = create_ledger(workspace.ledger_url)
    done = 0
    for round_, size in enumerate(SIZES):
        with transaction(engine, "seed log") as conn:
            records = [
                LogRecord("role.granted" if i % 7 else "release", f"r-{i}", {"epsilon": 0.5})
                for i in range(done, size)
            ]
            log_store.append_many(conn, records)
            publish_checkpoint(conn, publisher, T0 + timedelta(hours=round_))
        done = size
    with transaction(engine, "unsigned leaf") as conn:  # not yet signed: never served
        log_store.append(conn, LogRecord("release", "r-late", {}))
    engine.dispose()
    return settings


def _key(settings: Settings) -> tuple[str, str]:
    verifier = LogPublisher.of_workspace(Workspace.from_settings(settings)).verifier
    return verifier.encode(), verifier.name


def test_go_verifies_the_served_log(settings: Settings, goverify: Path) -> None:
    key, origin = _key(settings)
    with serving(create_app(settings)) as base:
        found = go_verify(goverify, f"{base}/log", key, origin)
    assert found["size"] == 517 and found["release_leaf"] == 511  # 7 × 73
    assert found["tiles"] == 3 + 1  # level 0: two full and one partial; level 1: one partial


def test_tiles_are_cached_for_good_and_only_signed_ones_are_served(settings: Settings) -> None:
    client = TestClient(create_app(settings))
    full = client.get("/log/tile/0/001")
    assert full.status_code == 200 and full.headers["cache-control"] == IMMUTABLE
    assert len(full.content) == 256 * 32
    partial = client.get("/log/tile/0/002.p/5")
    assert partial.status_code == 200 and len(partial.content) == 5 * 32
    assert client.get("/log/tile/0/001.p/44").content == full.content[: 44 * 32]
    assert client.get("/log/tile/entries/000.p/5").status_code == 200
    assert client.get("/log/tile/0/002.p/6").status_code == 404  # leaf 517 is unsigned
    assert client.get("/log/tile/0/002").status_code == 404
    assert client.get("/log/tile/0/x000/001").status_code == 404  # not canonical
    assert client.get("/log/tile/data/000").status_code == 404


def test_go_verifies_an_exported_season_and_catches_a_changed_tile(
    settings: Settings, goverify: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tiles"
    if settings.ledger_url:
        monkeypatch.setenv("FAIRFOLLOW_LEDGER_URL", settings.ledger_url)
    result = CliRunner().invoke(
        app, ["--workspace", str(settings.home), "log", "export-tiles", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    # Partial tiles for every signed size, so a reader holding an older checkpoint is served.
    for path in ("tile/0/000.p/5", "tile/0/001.p/44", "tile/1/000.p/1", "tile/1/000.p/2"):
        assert (out / path).is_file(), path
    key, origin = _key(settings)
    assert go_verify(goverify, str(out), key, origin)["size"] == 517

    tile = out / "tile/0/001"
    data = bytearray(tile.read_bytes())
    data[40] ^= 1
    tile.write_bytes(bytes(data))
    assert "level-0" in go_refuses(goverify, str(out), key, origin)
    data[40] ^= 1
    tile.write_bytes(bytes(data))
    bundle = out / "tile/entries/000"
    bundle.write_bytes(bundle.read_bytes().replace(b'"epsilon":0.5', b'"epsilon":0.7', 1))
    assert "entry 0 does not match" in go_refuses(goverify, str(out), key, origin)


@pytest.mark.slow
def test_go_verifies_a_log_with_three_tile_levels(
    tmp_path: Path, goverify: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """70,001 leaves: level-2 tiles (hashes of 65,536-leaf subtrees), a one-leaf edge."""
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    settings = Settings(home=tmp_path / "ws")
    workspace = Workspace.from_settings(settings).ensure()
    publisher = LogPublisher.of_workspace(workspace)
    engine = create_ledger(workspace.ledger_url)
    with transaction(engine, "a large log") as conn:
        log_store.append_many(
            conn, [LogRecord("release", f"r-{i}", {"epsilon": 0.5}) for i in range(70_001)]
        )
        publish_checkpoint(conn, publisher, T0)
    engine.dispose()
    result = CliRunner().invoke(
        app, ["--workspace", str(settings.home), "log", "export-tiles", str(tmp_path / "t")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t/tile/2/000.p/1").is_file()
    found = go_verify(goverify, str(tmp_path / "t"), *_key(settings))
    assert found["size"] == 70_001 and found["release_leaf"] == 70_000
