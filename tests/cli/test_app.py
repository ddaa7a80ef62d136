from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from fairfollow.cli.app import app


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("simulate", "ingest", "demo"):
        assert command in result.output


def test_errors_are_reported_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairfollow",
            "simulate",
            "--students",
            "300",
            "--defects",
            "q",
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown defect" in done.stderr
    assert "Traceback" not in done.stderr
