"""Go's own transparency-log packages as an independent verifier (``tests/tlog/goverify``).

Built once per session from Debian's ``golang-go`` and ``golang-golang-x-mod-dev``, offline
(GOPATH mode over /usr/share/gocode). Without Go the tests skip on a developer machine but
fail in CI (``FAIRFOLLOW_CI`` set by ``.ci/run``), where it must be installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).with_name("goverify")
GOPATH = Path("/usr/share/gocode")


def build_goverify(out: Path) -> Path:
    """The compiled verifier; skips (or fails in CI) when Go or x/mod is missing."""
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        if os.environ.get("FAIRFOLLOW_CI"):
            pytest.fail("golang-go and golang-golang-x-mod-dev are required in CI")
        pytest.skip("Go or golang.org/x/mod is not installed")
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        # The user's build cache when there is one: a cold build takes ~20 s on two cores.
        "GOCACHE": os.environ.get("GOCACHE") or str(_cache(out)),
        "GOFLAGS": "",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }
    binary = out / "goverify"
    subprocess.run(
        [go, "build", "-o", str(binary), "."], cwd=SOURCE, env=env, check=True, timeout=300
    )
    return binary


def _cache(out: Path) -> Path:
    home = Path.home() / ".cache" / "go-build"
    return home if os.access(home.parent if home.parent.exists() else Path.home(), os.W_OK) else out


def go_verify(binary: Path, prefix: str, key: str, origin: str) -> dict[str, object]:
    """Run the Go verifier; the parsed result, or AssertionError with Go's complaint."""
    done = subprocess.run(
        [str(binary), prefix, key, origin], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout)
    return found


def go_refuses(binary: Path, prefix: str, key: str, origin: str) -> str:
    """Run the Go verifier expecting a refusal; its message."""
    done = subprocess.run(
        [str(binary), prefix, key, origin], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout
    return done.stderr
