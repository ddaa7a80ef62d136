"""The receipt check on the server (no script needed): a receipt the log issued verifies, one
byte changed does not, and a file upload answers as the pasted text does."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.receipt import issue_receipt
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import T0, served_workspace

HTML = {"accept": "text/html"}


def _receipt(root: Path) -> tuple[TestClient, str]:
    settings = served_workspace(root)
    workspace = Workspace.from_settings(settings)
    engine = open_ledger(workspace.ledger_url)
    with transaction(engine, "receipt") as conn:
        text = issue_receipt(conn, 3, LogPublisher.of_workspace(workspace), T0).encode()
    engine.dispose()
    return TestClient(create_app(settings), headers=HTML), text


def test_a_receipt_is_checked_on_the_server_in_both_languages(tmp_path: Path) -> None:
    client, text = _receipt(tmp_path / "ws")
    assert client.get("/receipts/check").status_code == 200
    ja = client.post("/receipts/check", data={"receipt": text})
    assert ja.status_code == 200 and 'data-valid="yes"' in ja.text
    assert "受領証は有効です" in ja.text and 'id="receipt-index">3<' in ja.text
    assert "rel-0-3" in ja.text  # the leaf's subject
    en = client.post("/receipts/check?lang=en", files={"file": ("dec-1.tlog-proof", text)})
    assert en.status_code == 200 and "The receipt is valid" in en.text


def test_a_changed_receipt_does_not_verify(tmp_path: Path) -> None:
    client, text = _receipt(tmp_path / "ws")
    forged = text.replace("extra eyJ", "extra eyK", 1)  # one character of the leaf
    assert forged != text
    answer = client.post("/receipts/check?lang=en", data={"receipt": forged})
    assert answer.status_code == 422 and 'data-valid="no"' in answer.text
    junk = client.post("/receipts/check?lang=en", data={"receipt": "not a receipt"})
    assert junk.status_code == 422 and 'data-valid="no"' in junk.text
