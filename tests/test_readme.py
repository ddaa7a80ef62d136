"""The README's examples run, in order, in a fresh directory (STYLE: docs that cannot rot)."""

from __future__ import annotations

import json
import os
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


RIGHTS = Path(__file__).parents[1] / "docs" / "rights.md"
RIGHTS_BLOCK = re.compile(r"<!-- example:rights -->\n```sh\n(.*?)```", re.S)


def test_rights_doc_covers_every_kind_with_its_articles() -> None:
    from fairfollow.rights.request import KINDS

    text = RIGHTS.read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `{kind.kind.value}` |" in text, kind.kind
        assert kind.label_ja in text and kind.gdpr.removeprefix("GDPR ") in text


@pytest.mark.slow
def test_rights_examples_run(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    blocks = RIGHTS_BLOCK.findall(RIGHTS.read_text(encoding="utf-8"))
    script = "set -euo pipefail\n" + "\n".join(blocks).replace(".venv/bin/", f"{bin_dir}/")
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "you were among the contributors" in done.stdout
    assert "you were NOT among the contributors" in done.stdout
    assert "log verified" in done.stdout
    erasure = json.loads((tmp_path / "rr-erasure.json").read_text(encoding="utf-8"))
    assert (
        erasure["status"] == "done" and erasure["effect"]["store"]["rows_removed"]["members"] == 1
    )
    assert json.loads((tmp_path / "rr-withdrawal.json").read_text())["effect"]["withdrawn"]
    data = json.loads(
        (tmp_path / "rr-ws" / "reports" / "rights-request-3" / "data.json").read_text()
    )
    certificate = json.loads((tmp_path / "rr-certificate.json").read_text(encoding="utf-8"))
    assert certificate["log_leaf"] is not None and certificate["pending"] == []
    assert data["profile"]["member_id"] == data["member_id"] and data["events"]
