"""``fairfollow account …`` and ``db upgrade``'s bootstrap, on a workspace's SQLite ledger."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app

runner = CliRunner()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_TOKEN", raising=False)
    return tmp_path / "ws"


def run(ws: Path, *args: str, stdin: str | None = None, token: str = "") -> tuple[int, str]:
    result = runner.invoke(
        app, ["-w", str(ws), *args], input=stdin, env={"FAIRFOLLOW_TOKEN": token}
    )
    code = 2 if result.exception is not None and result.exit_code == 1 else result.exit_code
    return code, result.output + ("" if result.exception is None else str(result.exception))


def test_db_upgrade_bootstraps_the_administrator_once(ws: Path) -> None:
    code, out = run(ws, "db", "upgrade", "--json")
    first = json.loads(out)
    assert code == 0 and first["administrator"]["login"] == "admin"
    assert first["administrator"]["secret"].startswith("ffs_")
    code, out = run(ws, "db", "upgrade", "--json")
    assert code == 0 and "administrator" not in json.loads(out)  # printed once only
    assert run(ws, "account", "bootstrap")[0] == 2  # and never a second one
    code, out = run(
        ws, "account", "login", "admin", "--password-stdin", stdin=first["administrator"]["secret"]
    )
    assert code == 0 and "logged in as admin" in out


def test_login_session_whoami_grant_list_audit_logout(ws: Path) -> None:
    code, secret = run(ws, "account", "bootstrap", "-q")
    assert code == 0 and secret.strip().startswith("ffs_")
    code, out = run(ws, "account", "login", "ADMIN", "--password-stdin", "--json", stdin=secret)
    login = json.loads(out)
    assert login["login"] == "admin" and login["token"].startswith("fft_")
    session = ws / "keys" / "account.token"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert session.read_text().strip() == login["token"]
    code, out = run(ws, "account", "whoami", "--json")
    assert json.loads(out)["roles"] == ["administrator"]
    code, out = run(ws, "account", "create", "Aiko", "--name", "Sato Aiko", "--json")
    aiko = json.loads(out)
    assert code == 0 and aiko["login"] == "aiko" and aiko["account_id"].startswith("acc-")
    assert run(ws, "account", "create", "AIKO")[0] == 2  # logins ignore case
    assert run(ws, "account", "grant", "aiko", "privacy_officer")[1].startswith("granted")
    assert run(ws, "account", "grant", "aiko", "reviewer")[0] == 2  # a different person
    code, out = run(ws, "account", "create", "hr-e0001", "--employer", "E0001", "--json")
    assert code == 0
    assert run(ws, "account", "grant", "hr-e0001", "analyst")[0] == 2  # no staff role
    assert run(ws, "account", "create", "x", "--employer", "E1", "--member", "3")[0] == 2
    code, out = run(ws, "account", "list", "--json")
    listed = {a["login"]: (a["roles"], a["employer"]) for a in json.loads(out)}
    assert listed == {
        "admin": ("administrator", ""),
        "aiko": ("privacy_officer", ""),
        "hr-e0001": ("", "E0001"),
    }
    run(ws, "account", "login", "aiko", "--password-stdin", stdin="wrong")
    code, out = run(ws, "account", "audit", "--login", "aiko", "--json")
    kinds = [e["kind"] for e in json.loads(out)]
    assert kinds == ["account.created", "account.role_granted", "account.login_failed"]
    assert run(ws, "account", "logout")[0] == 0
    assert not session.exists()
    code, out = run(ws, "account", "whoami", token=login["token"])
    assert code == 2 and "revoked" in out


def test_password_then_login_with_it(ws: Path) -> None:
    secret = run(ws, "account", "bootstrap", "-q")[1]
    run(ws, "account", "login", "admin", "--password-stdin", stdin=secret)
    assert run(ws, "account", "password", "--password-stdin", stdin="short")[0] == 2
    code, out = run(ws, "account", "password", "--password-stdin", stdin="a long new password")
    assert code == 0 and "password set" in out
    assert run(ws, "account", "login", "admin", "--password-stdin", stdin=secret)[0] == 2
    code, _ = run(ws, "account", "login", "admin", "--password-stdin", stdin="a long new password")
    assert code == 0
    # Issue 27: once a password is set, the token alone cannot change it.
    code, out = run(
        ws, "account", "password", "--password-stdin", stdin="a guess\nthe thief's password"
    )
    assert code == 2 and "current password" in out.lower()
    both = "a long new password\nan even longer password"
    assert run(ws, "account", "password", "--password-stdin", stdin=both)[0] == 0
    code, _ = run(
        ws, "account", "login", "admin", "--password-stdin", stdin="an even longer password"
    )
    assert code == 0


def test_break_glass_recovers_the_administrator_from_the_command_line(ws: Path) -> None:
    """Issue 27: a locked-out administrator had no way back that did not need them."""
    code, out = run(ws, "account", "bootstrap", "--json")
    made = json.loads(out)
    assert code == 0 and made["break_glass"].startswith("ffg_")
    code, out = run(ws, "account", "break-glass", "admin", "--password-stdin", stdin="ffg_no")
    assert code == 2
    code, out = run(
        ws, "account", "break-glass", "admin", "--password-stdin", "--json",
        stdin=made["break_glass"],
    )  # fmt: skip
    recovered = json.loads(out)
    assert code == 0 and recovered["break_glass"] != made["break_glass"]
    code, out = run(ws, "account", "login", "admin", "--password-stdin", stdin=recovered["secret"])
    assert code == 0 and "logged in as admin" in out
    code, out = run(ws, "account", "audit", "--login", "admin", "--json")
    kinds = [e["kind"] for e in json.loads(out)]
    assert "break_glass.refused" in kinds and "break_glass.used" in kinds
