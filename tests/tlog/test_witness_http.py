"""C2SP tlog-witness over HTTP on loopback: the log, two ``fairfollow log witness serve``
processes (one a budget witness reading the served tiles) and a quorum policy of both.

The log sends each new checkpoint to the policy's witnesses and keeps their cosignatures;
a receipt passes ``verify-receipt --policy`` only with the quorum. A split view and a
smaller tree are refused as the protocol says (409 with text/x.tlog.size), and a release
leaf inserted by hand that overspends its employer's cap is refused by the budget witness,
which names the leaf, so the quorum fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.canonical_json import JsonValue
from fairfollow.cli.app import app
from fairfollow.ledger.engine import create_ledger
from fairfollow.ledger.transaction import Engine, transaction
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import Checkpoint, sign_checkpoint
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.policy import parse_policy
from fairfollow.tlog.receipt import verify_receipt
from fairfollow.tlog.record import LogRecord
from fairfollow.tlog.witness_http import SIZE_TYPE, encode_request
from fairfollow.usecases import log as log_cases
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.browser import _free_port, serving

T0 = datetime(2020, 4, 1, 1, 0, tzinfo=UTC)
SRC = Path(__file__).parents[2] / "src"


def release(n: int, epsilon: float) -> LogRecord:
    body: dict[str, JsonValue] = {
        "employer": "emp-7f3a", "service": "svc-forecast", "service_version": 1,
        "season": 2020, "epsilon": epsilon, "outcome": "released",
        "members": {"v": 1, "salt": f"{n:032x}", "root": f"{n:064x}", "size": 64},
    }  # fmt: skip
    return LogRecord("release", f"dec-{n}", body)


def approval() -> LogRecord:
    return LogRecord(
        "service.approved", "svc-forecast-v1", {"service": "svc-forecast", "version": 1}
    )


def cap() -> LogRecord:
    body: dict[str, JsonValue] = {"employer": "emp-7f3a", "season": 2020, "epsilon_cap": 4.0}
    return LogRecord("budget-cap", "cap-emp-7f3a-2020", body)


def append(engine: Engine, *records: LogRecord) -> None:
    with transaction(engine, "append by hand") as conn:
        log_store.append_many(conn, list(records))


@pytest.fixture
def witness_process(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(name: str, log_key: str, *extra: str) -> tuple[str, str]:
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        process = subprocess.Popen(
            [sys.executable, "-m", "fairfollow", "log", "witness", "serve",
             "--store", str(tmp_path / name), "--port", str(port), "--log-key", log_key, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        started.append(process)
        assert process.stdout is not None
        key = process.stdout.readline().strip()  # printed once the port is bound
        assert key, process.stderr.read() if process.stderr else ""
        return key, f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


def post(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(f"{url}/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read().decode()


def test_a_quorum_of_two_witnesses_over_http(
    tmp_path: Path, witness_process: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    settings = Settings(home=tmp_path / "ws", log_origin="log.example.jp/fairfollow/2020")
    workspace = Workspace.from_settings(settings).ensure()
    publisher = LogPublisher.of_workspace(workspace)
    log_key = publisher.verifier.encode()
    engine = create_ledger(workspace.ledger_url)
    append(engine, approval(), cap(), release(1, 1.5), release(2, 1.5))
    log_cases.publish(None, engine, publisher, T0, local=True)

    start = witness_process
    assert callable(start)
    with serving(create_app(settings)) as base:
        plain_key, plain_url = start("plain", log_key)
        budget_key, budget_url = start("budget", log_key, "--budget-tiles", f"{base}/log")
        policy_file = tmp_path / "witnesses.policy"
        policy_file.write_text(
            f"log {log_key}\nwitness plain {plain_key} {plain_url}\n"
            f"witness budget {budget_key} {budget_url}\ngroup both 2 plain budget\nquorum both\n"
        )
        policy = parse_policy(policy_file.read_text())

        # Both cosign the first checkpoint, then the next (with a consistency proof).
        first = log_cases.cosign(None, engine, policy, local=True)
        assert first.quorum_met, first.replies
        append(engine, release(3, 0.5))
        second = log_cases.publish(
            None, engine, publisher, T0 + timedelta(hours=1), policy=policy, local=True
        )
        assert second.size == 5 and policy.satisfied(second.note)
        receipt = log_cases.publish_receipt(
            None, engine, workspace, publisher, T0 + timedelta(hours=1), index=4, local=True
        )
        assert verify_receipt(receipt.path.read_text(), publisher.verifier, policy=policy).valid
        result = CliRunner().invoke(
            app, ["log", "verify-receipt", str(receipt.path), "--policy", str(policy_file)]
        )
        assert result.exit_code == 0, result.output

        # A smaller tree: the witness holds 5, the log claims it holds 4.
        status, kind, body = post(plain_url, encode_request(4, [], second.note))
        assert (status, kind, body) == (409, SIZE_TYPE, "5\n")
        # A split view: another root for size 5, signed by the log's own key.
        fork = sign_checkpoint(Checkpoint(publisher.signer.name, 5, b"\x07" * 32), publisher.signer)
        status, kind, body = post(plain_url, encode_request(5, [], fork))
        assert (status, kind, body) == (409, SIZE_TYPE, "5\n")
        # A larger fork whose consistency proof does not hold: 422.
        fork = sign_checkpoint(Checkpoint(publisher.signer.name, 6, b"\x07" * 32), publisher.signer)
        status, _, body = post(plain_url, encode_request(5, [b"\x01" * 32], fork))
        assert status == 422 and body.startswith("tlog.log_rewritten")
        # A malformed request.
        status, _, _ = post(plain_url, b"old x\n\n" + second.note.encode())
        assert status == 400

        # A release leaf inserted by hand that overspends the employer's cap of 4.0.
        append(engine, release(4, 1.0))
        third = log_cases.publish(
            None, engine, publisher, T0 + timedelta(hours=2), policy=policy, local=True
        )
        done = log_cases.cosign(None, engine, policy, local=True)
        replies = {r.name: r for r in done.replies}
        assert replies["plain"].cosigned
        assert not replies["budget"].cosigned and replies["budget"].status == 422
        assert replies["budget"].detail.startswith("tlog.budget_employer_overspent")
        assert "leaf=5" in replies["budget"].detail
        assert not done.quorum_met and not policy.satisfied(third.note)
        late = log_cases.publish_receipt(
            None, engine, workspace, publisher, T0 + timedelta(hours=2), index=5, local=True
        )
        check = verify_receipt(late.path.read_text(), publisher.verifier, policy=policy)
        assert not check.valid and "tlog.policy_quorum_unmet" in check.reason
        result = CliRunner().invoke(
            app, ["log", "verify-receipt", str(late.path), "--policy", str(policy_file)]
        )
        assert result.exit_code == 1
    engine.dispose()
