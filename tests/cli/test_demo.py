from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_runs_end_to_end_and_verifies_a_release_receipt(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairfollow",
            "--workspace",
            str(tmp_path / "ws"),
            "demo",
            "--students",
            "2500",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    for expected in (
        "Calibration targets",
        "Quarantined rows by reason",
        "entry_form",
        "lift ratio",
        "Replay of the 2019 case",
        "✓ valid",
    ):
        assert expected in output, expected
    assert list((tmp_path / "ws" / "reports" / "replays").glob("*/reports/log-leaf-*.tlog-proof"))
