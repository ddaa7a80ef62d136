"""The README's examples run, in order, in a fresh directory (STYLE: docs that cannot rot)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
BLOCK = re.compile(r"<!-- example:readme -->\n```sh\n(.*?)```", re.S)


def test_readme_has_examples_for_every_capability() -> None:
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    script = "\n".join(blocks)
    for command in (
        "simulate",
        "ingest",
        "consent coverage",
        "policy activate",
        "model train",
        "model evaluate",
        "replay",
        "log verify-receipt",
        "db upgrade",
    ):
        assert command in script, command


@pytest.mark.slow
def test_readme_examples_run(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    script = "set -euo pipefail\n" + "\n".join(blocks).replace(".venv/bin/", f"{bin_dir}/")
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "refused, exit 3" in done.stdout
    assert (tmp_path / "ff-lacking.csv").stat().st_size > 0
    assert "valid" in done.stdout
