"""``fairfollow serve --site-accounts`` as a person runs it: a real process on a loopback
port over a replayed workspace, whose printed one-time secrets sign in — every account,
both reviewers included — and whose member account sees its own member."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.conftest import copy_workspace

ROW = re.compile(r"^[│|]\s*(\w+)\s*[│|]\s*(\S+)\s*[│|]\s*(\S+)\s*[│|]\s*(\S*)\s*[│|]\s*$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until_serving(process: subprocess.Popen[str], deadline: float) -> list[str]:
    """The lines printed before the server says where it listens."""
    assert process.stdout is not None
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("FairFollow on http://"):
            return lines
    raise AssertionError("serve never said it was serving:\n" + "\n".join(lines))


def _healthy(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{base} never answered")


def test_the_printed_site_accounts_sign_in(replayed_workspace: Path, tmp_path: Path) -> None:
    workspace = copy_workspace(replayed_workspace, tmp_path / "ws")
    port = _free_port()
    env = {**os.environ, "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fairfollow", "--workspace", str(workspace), "serve",
         "--site-accounts", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        printed = _until_serving(process, deadline)
        rows = [m.groups() for m in map(ROW.match, printed) if m and m.group(1) != "who"]
        kinds = sorted(kind for kind, *_ in rows)
        assert kinds == sorted(
            ["member", "employer", "analyst", "privacy_officer", "reviewer", "reviewer",
             "auditor"]
        ), printed  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _healthy(base, deadline)
        for kind, login, secret, totp in rows:
            assert (totp != "") == (kind in ("privacy_officer", "reviewer")), (kind, totp)
            if totp:
                continue  # staff with a second factor: covered by the web sign-in tests
            answer = httpx2.post(
                f"{base}/api/v1/token", json={"login": login, "password": secret}, timeout=10
            )
            assert answer.status_code == 200, (kind, answer.text)
            me = httpx2.get(
                f"{base}/api/v1/me",
                headers={"authorization": f"Bearer {answer.json()['token']}"}, timeout=10,
            )  # fmt: skip
            assert me.status_code == 200 and me.json()["login"] == login
            if kind == "member":
                assert me.json()["member_id"] == int(login.removeprefix("member-"))
            again = httpx2.post(
                f"{base}/api/v1/token", json={"login": login, "password": secret}, timeout=10
            )
            assert again.status_code == 401  # a one-time secret is used up
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_starts_on_a_workspace_that_only_holds_a_ledger(tmp_path: Path) -> None:
    """As an operator follows ingest with serve: no `make demo`, no key made by hand."""
    from fairfollow.ledger.engine import create_ledger
    from fairfollow.settings import Settings
    from fairfollow.tlog.keys import SIGNER_FILE
    from fairfollow.workspace import Workspace

    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    create_ledger(workspace.ledger_url).dispose()
    port = _free_port()
    env = {**os.environ, "COLUMNS": "200", "FAIRFOLLOW_LANGUAGE": "en"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fairfollow", "--workspace", str(workspace.root), "serve",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        printed = _until_serving(process, deadline)
        assert any("transparency-log key" in line for line in printed), printed
        _healthy(f"http://127.0.0.1:{port}", deadline)
        assert httpx2.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        assert (workspace.keys_dir / SIGNER_FILE).exists()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
