"""``fairfollow log …`` end to end on a workspace's SQLite ledger, and the demo hook."""

from __future__ import annotations

import base64
import json
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.ledger.engine import create_ledger, new_workspace_ledger, open_ledger
from fairfollow.settings import Settings
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.checkpoint_file import LogPublisher, read_notes
from fairfollow.tlog.keys import generate_signer, parse_verifier_key
from fairfollow.tlog.receipt import verify_receipt
from fairfollow.tlog.record import LogRecord
from fairfollow.usecases.log import publish_receipt
from fairfollow.workspace import Workspace

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_HOME", raising=False)
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    engine = create_ledger(workspace.ledger_url)
    with engine.begin() as conn:
        records = [LogRecord("release", f"rel-{i}", {"pool": 100 + i}) for i in range(5)]
        log_store.append_many(conn, records)
    engine.dispose()
    return workspace


def _run(workspace: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(workspace.root), "log", *args])
    return result.exit_code, result.stdout


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_checkpoint_receipt_and_offline_verification(workspace: Workspace, tmp_path: Path) -> None:
    code, key = _run(workspace, "export-key")
    assert code == 0
    verifier = parse_verifier_key(key.strip())
    code, note = _run(workspace, "checkpoint")
    assert code == 0 and open_checkpoint(note, verifier).size == 5
    receipt = tmp_path / "rel-3.tlog-proof"
    code, _ = _run(workspace, "receipt", "--ref", "rel-3", "--out", str(receipt))
    assert code == 0 and receipt.read_text().startswith("c2sp.org/tlog-proof@v1\n")
    key_file = tmp_path / "log.pub"
    key_file.write_text(key)
    for key_argument in (key.strip(), str(key_file)):
        code, out = _run(workspace, "verify-receipt", str(receipt), "--key", key_argument, "--json")
        assert code == 0, out
        payload = json.loads(out)
        assert payload["valid"] and payload["index"] == 3 and payload["record"]["ref"] == "rel-3"
    stranger = generate_signer(verifier.name).verifier.encode()
    code, out = _run(workspace, "verify-receipt", str(receipt), "--key", stranger)
    assert code == 1 and "invalid" in out


def test_proofs_print_as_verifiable_json(workspace: Workspace) -> None:
    code, out = _run(workspace, "prove", "--index", "2", "--size", "5")
    assert code == 0
    proof = json.loads(out)
    assert merkle.verify_inclusion(
        _b64(proof["leaf_hash"]), 2, 5, [_b64(p) for p in proof["proof"]], _b64(proof["root"])
    )
    code, out = _run(workspace, "consistency", "--from", "2", "--to", "5")
    assert code == 0
    step = json.loads(out)
    assert merkle.verify_consistency(
        2, 5, [_b64(p) for p in step["proof"]], _b64(step["root1"]), _b64(step["root2"])
    )


def test_verify_and_audit_report_tampering(workspace: Workspace) -> None:
    assert _run(workspace, "checkpoint")[0] == 0
    code, out = _run(workspace, "verify", "--json")
    assert code == 0 and json.loads(out)["ok"]
    code, out = _run(workspace, "audit", "--json")
    assert code == 0 and json.loads(out)["findings"] == []
    engine = open_ledger(workspace.ledger_url)
    with engine.begin() as conn:
        leaves = log_store.log_leaves
        conn.execute(sa.delete(leaves).where(leaves.c.leaf_index == 1))
    engine.dispose()
    code, out = _run(workspace, "audit", "--json")
    findings = json.loads(out)["findings"]
    assert code == 1 and {"deleted"} <= {f["kind"] for f in findings}
    assert any(f["kind"] == "deleted" and f["index"] == 1 for f in findings)
    code, out = _run(workspace, "verify")
    assert code == 1 and "failed" in out


def test_publish_receipt_publishes_checkpoint_and_verifies_offline(workspace: Workspace) -> None:
    record = LogRecord("release", "dec-1", {"figures": {"expected_acceptances": 12.5}})
    engine = open_ledger(workspace.ledger_url)
    with engine.begin() as conn:
        leaf = log_store.append(conn, record)
    publisher = LogPublisher.of_workspace(workspace)
    at = datetime(2019, 7, 15, tzinfo=UTC)
    demo = publish_receipt(None, engine, workspace, publisher, at, local=True)
    engine.dispose()
    assert demo.index == leaf.index
    assert demo.check.valid and demo.check.record == record
    assert demo.check.tree_size == 6 and demo.path.is_file()
    # The receipt's checkpoint left the database: it is the last note of the outside copy.
    assert read_notes(workspace.checkpoint_file)[-1] == demo.checkpoint_note
    code, out = _run(workspace, "verify-receipt", str(demo.path), "--key", demo.verifier_key)
    assert code == 0 and "valid" in out


def test_publish_receipt_needs_the_workspace_shell(workspace: Workspace) -> None:
    from fairfollow.errors import AuthenticationError

    engine = open_ledger(workspace.ledger_url)
    publisher = LogPublisher.of_workspace(workspace)
    with pytest.raises(AuthenticationError) as refused:
        publish_receipt(None, engine, workspace, publisher, datetime(2019, 7, 15, tzinfo=UTC))
    engine.dispose()
    assert refused.value.code == "accounts.sign_in_required"


def _audit(workspace: Workspace) -> tuple[int, dict[str, object]]:
    code, out = _run(workspace, "audit", "--json")
    return code, json.loads(out)


def test_audit_fails_when_the_checkpoint_copy_is_missing(workspace: Workspace) -> None:
    assert _run(workspace, "checkpoint")[0] == 0
    assert _audit(workspace)[0] == 0
    workspace.checkpoint_file.unlink()
    code, found = _audit(workspace)
    copy = found["checkpoint_copy"]
    assert code == 1 and found["ok"] is False
    assert isinstance(copy, dict) and copy["state"] == "missing" and copy["ledger_size"] == 5
    assert "missing" in str(copy["reason"])
    code, out = _run(workspace, "audit")
    assert code == 1 and "checkpoint copy" in out and "missing" in out


def test_audit_fails_when_the_checkpoint_copy_is_behind_or_cut(workspace: Workspace) -> None:
    assert _run(workspace, "checkpoint")[0] == 0
    first = workspace.checkpoint_file.read_text(encoding="utf-8")
    engine = open_ledger(workspace.ledger_url)
    with engine.begin() as conn:
        log_store.append(conn, LogRecord("release", "rel-9", {"pool": 9}))
    engine.dispose()
    assert _run(workspace, "checkpoint")[0] == 0
    assert len(read_notes(workspace.checkpoint_file)) == 2
    workspace.checkpoint_file.write_text(first, encoding="utf-8")  # the last note removed
    code, found = _audit(workspace)
    copy = found["checkpoint_copy"]
    assert code == 1 and isinstance(copy, dict)
    assert (copy["state"], copy["copy_size"], copy["ledger_size"]) == ("behind", 5, 6)
    workspace.checkpoint_file.write_text(first[:-10], encoding="utf-8")  # cut inside a note
    code, found = _audit(workspace)
    assert code == 1 and isinstance(found["checkpoint_copy"], dict)
    assert found["checkpoint_copy"]["state"] == "truncated"


def test_audit_says_why_in_japanese(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(workspace, "checkpoint")[0] == 0
    workspace.checkpoint_file.unlink()
    monkeypatch.setenv("FAIRFOLLOW_LANGUAGE", "ja")
    code, out = _run(workspace, "audit")
    assert code == 1 and "チェックポイントの写し" in out and "ありません" in out


def _doc_blocks(language: str) -> list[str]:
    text = (Path(__file__).parents[2] / "docs" / "log.md").read_text(encoding="utf-8")
    runnable = text.split("### Runnable example", 1)[1].split("## Commands", 1)[0]
    fence = f"```{language}\n"
    return [part.split("```", 1)[0] for part in runnable.split(fence)[1:]]


def test_docs_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/log.md's runnable example: make a receipt, check it with the CLI and with the
    independent standard-library verifier."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    make, independent = _doc_blocks("python")
    exec(compile(make, "docs/log.md", "exec"), {})
    for line in _doc_blocks("sh")[0].splitlines():
        args = shlex.split(line)
        assert args[0] == "fairfollow"
        result = runner.invoke(app, args[1:])
        assert result.exit_code == 0, (line, result.stdout)
    printed: list[str] = []
    exec(compile(independent, "docs/log.md", "exec"), {"print": printed.append})
    assert printed == ["valid: release rel-2019-07-15-0001 is leaf 0 of 2"]


def test_docs_sample_receipt_verifies() -> None:
    """The receipt and key printed in docs/log.md are real output, not a mock-up."""
    text = (Path(__file__).parents[2] / "docs" / "log.md").read_text(encoding="utf-8")
    sample = text.split("### Receipts", 1)[1].split("```\n", 2)[1]
    key = text.split("and the key `", 1)[1].split("`", 1)[0]
    check = verify_receipt(sample, parse_verifier_key(key))
    assert check.valid and check.record is not None and check.record.ref == "rel-2019-07-15-0001"


def _append(workspace: Workspace, start: int, end: int) -> None:
    engine = open_ledger(workspace.ledger_url)
    with engine.begin() as conn:
        records = [LogRecord("release", f"rel-{i}", {"pool": 100 + i}) for i in range(start, end)]
        log_store.append_many(conn, records)
    engine.dispose()


def test_witness_file_pinned_key_and_audit_through_the_cli(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    witness = tmp_path / "witness"
    assert _run(workspace, "checkpoint")[0] == 0
    code, out = _run(workspace, "witness", "--store", str(witness), "--json")
    assert code == 0 and json.loads(out)["cosigned"] == [5]
    _append(workspace, 5, 9)
    _run(workspace, "checkpoint")
    code, out = _run(workspace, "witness", "--store", str(witness), "--json")
    assert code == 0 and json.loads(out)["size"] == 9
    assert workspace.checkpoint_file.read_text().count("~\n") == 2  # outside the database
    code, witness_key = _run(workspace, "witness-key", "--store", str(witness))
    assert code == 0 and "+" in witness_key
    receipt = tmp_path / "rel-3.tlog-proof"
    _run(workspace, "receipt", "--ref", "rel-3", "--out", str(receipt))
    code, key = _run(workspace, "export-key")
    args = ["verify-receipt", str(receipt), "--key", key.strip()]
    assert _run(workspace, *args, "--witness-key", witness_key.strip())[0] == 0
    assert _run(workspace, "audit", "--witness", str(witness))[0] == 0
    engine = open_ledger(workspace.ledger_url)
    with engine.begin() as conn:  # a careless operator drops the older checkpoint
        conn.execute(
            log_store.log_checkpoints.delete().where(log_store.log_checkpoints.c.tree_size == 5)
        )
    engine.dispose()
    assert _run(workspace, "audit")[0] == 1  # the plain checkpoint file still names it
    code, out = _run(workspace, "audit", "--witness", str(witness), "--json")
    assert code == 1 and any(
        "not in the ledger" in f["detail"] for f in json.loads(out)["findings"]
    )
    monkeypatch.setenv("FAIRFOLLOW_LOG_PUBLIC_KEY", generate_signer("other/log").verifier.encode())
    assert _run(workspace, "verify")[0] == 1  # the pinned key is not the workspace's


def test_verify_and_audit_never_pass_on_a_missing_or_empty_log(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws").ensure()
    for command in ("verify", "audit"):  # no ledger at all (or a deleted one): a failure
        result = runner.invoke(app, ["-w", str(workspace.root), "log", command])
        assert result.exit_code == 2 and "no ledger" in result.output
    assert workspace.creates_ledger()  # asking did not recreate it
    create_ledger(workspace.ledger_url).dispose()
    for command in ("verify", "audit"):
        result = runner.invoke(app, ["-w", str(workspace.root), "log", command])
        assert result.exit_code == 2 and "The log is empty" in result.output
        allowed = runner.invoke(app, ["-w", str(workspace.root), "log", command, "--allow-empty"])
        assert allowed.exit_code == 0, allowed.output


def test_verify_on_a_mistyped_workspace_creates_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["log", "verify", "-w", str(tmp_path / "typo")])
    assert result.exit_code == 2 and "no workspace at" in result.output
    assert not (tmp_path / "typo").exists()


def test_a_new_log_takes_the_origin_setting_and_an_existing_one_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    origin = "log.example.jp/fairfollow/2020"
    monkeypatch.setenv("FAIRFOLLOW_LOG_ORIGIN", origin)
    fresh = Workspace.from_settings(Settings(home=tmp_path / "new")).ensure()
    new_workspace_ledger(fresh).dispose()  # commands open a ledger, never make one
    code, key = _run(fresh, "export-key")
    assert code == 0 and parse_verifier_key(key.strip()).name == origin
    code, note = _run(fresh, "checkpoint")
    assert code == 0 and note.startswith(origin + "\n0\n")

    monkeypatch.delenv("FAIRFOLLOW_LOG_ORIGIN")
    old = Workspace.from_settings(Settings(home=tmp_path / "old")).ensure()
    new_workspace_ledger(old).dispose()
    code, key = _run(old, "export-key")
    kept = parse_verifier_key(key.strip()).name
    assert kept.startswith("fairfollow.local/log-")
    monkeypatch.setenv("FAIRFOLLOW_LOG_ORIGIN", origin)
    result = runner.invoke(app, ["--workspace", str(old.root), "log", "export-key"])
    assert result.exit_code == 0 and parse_verifier_key(result.stdout.strip()).name == kept
    assert kept in result.stderr and origin in result.stderr


@pytest.mark.parametrize(
    "origin", ["https://log.example.jp/x", "log.example.jp/x/", "a b", "log+1", "Log.example"]
)
def test_an_origin_that_is_not_a_url_prefix_is_refused(origin: str) -> None:
    from fairfollow.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        Settings(log_origin=origin)
    assert refused.value.code == "foundation.log_origin_invalid"
