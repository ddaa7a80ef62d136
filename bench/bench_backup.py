"""Backup benchmark: ``fairfollow backup`` of a 200,000-student workspace against ``cp -r``.

The workspace is the bench season (``FAIRFOLLOW_BENCH_STUDENTS``, default 200,000 per
season) ingested into the analytics store, with its consent ledger (SQLite) and keys. The
backup (:func:`fairfollow.usecases.backup.back_up`) copies the ledger through SQLite's
online backup API, the store as its catalogue lists it, the keys and every other file, then
hashes every file into the manifest and publishes by rename. The baseline, measured in the
same run on the same folder, is a plain ``cp -r`` of it: the cost of copying the bytes and
nothing else. Target: the backup at most 1.5× that. Figures: seconds and bytes of both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_ingest import Report, season
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.events.store import ingest
from fairfollow.intake.desk import matching_key
from fairfollow.ledger.engine import create_ledger
from fairfollow.settings import Settings
from fairfollow.usecases.backup import back_up
from fairfollow.workspace import Workspace

TARGET = 1.5
AT = datetime(2019, 7, 15, tzinfo=UTC)


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _workspace(root: Path, season_dir: Path, settings: Settings) -> Workspace:
    """The season ingested: the store, the consent ledger and the keys."""
    workspace = Workspace(root).ensure()
    ingest(workspace, season_dir, settings=settings, now=AT)
    engine = create_ledger(workspace.ledger_url)
    try:
        ingest_consent_logs(engine, season_dir, key=matching_key(workspace.keys_dir), now=AT)
    finally:
        engine.dispose()
    return workspace


def plain_copy(source: Path, target: Path) -> float:
    """Seconds for ``cp -r`` of the workspace folder."""
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    return time.perf_counter() - started


def run(report: Report) -> None:
    students = int(os.environ.get("FAIRFOLLOW_BENCH_STUDENTS", "200000"))
    rounds = int(os.environ.get("FAIRFOLLOW_BENCH_ROUNDS", "2"))
    settings = Settings.model_construct()
    season_dir = season(students)
    copies: list[float] = []
    backups: list[float] = []
    with tempfile.TemporaryDirectory(prefix="fairfollow-bench-backup-") as tmp:
        workspace = _workspace(Path(tmp) / "ws", season_dir, settings)
        folder_bytes = _size(workspace.root)
        backup_bytes = 0
        for index in range(rounds):  # interleaved, best of each (a shared machine)
            copied = Path(tmp) / f"copy{index}"
            copies.append(plain_copy(workspace.root, copied))
            shutil.rmtree(copied)
            target = Path(tmp) / f"backup{index}"
            started = time.perf_counter()
            manifest = back_up(workspace, target, datetime.now(UTC))
            backups.append(time.perf_counter() - started)
            backup_bytes = _size(target)
            shutil.rmtree(target)
    baseline, best = min(copies), min(backups)
    report("backup.students", students, "students", "per season")
    report("backup.files", len(manifest.files), "files", f"log size {manifest.log_size:,}")
    report("backup.seconds", best, "s", f"best of {rounds}")
    report("backup.bytes", backup_bytes, "B")
    report("backup.baseline_cp_seconds", baseline, "s", f"cp -r, best of {rounds}")
    report("backup.baseline_bytes", folder_bytes, "B")
    ratio = best / baseline
    report(
        "backup.ratio_to_cp",
        ratio,
        "x",
        f"target <= {TARGET}: {'pass' if ratio <= TARGET else 'FAIL'}",
    )


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:32s} {value:14,.3f} {unit:6s} {note}")

    run(_print)
