"""The public log endpoints answer in the CLI's formats, and their proofs verify."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.keys import load_or_create_log_signer
from fairfollow.tlog.merkle import verify_consistency, verify_inclusion
from fairfollow.web.app import create_app
from tests.web.site import served_workspace


def _b(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture
def client(tmp_path: Path, ledger_url: str) -> TestClient:
    settings = served_workspace(tmp_path / "ws", ledger_url)
    return TestClient(create_app(settings))


def test_the_checkpoint_is_the_latest_signed_note(client: TestClient, tmp_path: Path) -> None:
    answer = client.get("/log/checkpoint")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    verifier = load_or_create_log_signer(tmp_path / "ws" / "keys").verifier
    head = open_checkpoint(answer.text, verifier)
    assert head.size == 15
    assert client.get("/api/v1/log/checkpoint").text == answer.text


def test_every_inclusion_proof_verifies_under_the_signed_root(client: TestClient) -> None:
    for index in range(15):
        body = client.get("/log/proof/inclusion", params={"index": index, "size": 15}).json()
        assert verify_inclusion(
            _b(body["leaf_hash"]), index, 15, [_b(p) for p in body["proof"]], _b(body["root"])
        ), index
    wrong = client.get("/log/proof/inclusion", params={"index": 3, "size": 15}).json()
    assert not verify_inclusion(
        _b(wrong["leaf_hash"]), 4, 15, [_b(p) for p in wrong["proof"]], _b(wrong["root"])
    )


def test_consistency_between_every_pair_of_sizes_verifies(client: TestClient) -> None:
    for size1 in (0, 1, 5, 7, 10):
        body = client.get("/log/proof/consistency", params={"from": size1, "to": 15}).json()
        assert verify_consistency(
            size1, 15, [_b(p) for p in body["proof"]], _b(body["root1"]), _b(body["root2"])
        ), size1


def test_a_leaf_bundle_pages_through_the_log(client: TestClient) -> None:
    first = client.get("/log/leaves", params={"start": 0, "count": 10}).json()
    rest = client.get("/api/v1/log/leaves", params={"start": 10}).json()
    indices = [leaf["index"] for leaf in first["leaves"] + rest["leaves"]]
    assert indices == list(range(15))
    assert '"kind":"release"' in first["leaves"][0]["content"]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/log/proof/inclusion", {"index": 15, "size": 15}, 400),
        ("/log/proof/inclusion", {"index": 0, "size": 99}, 400),
        ("/log/proof/inclusion", {"index": -1}, 422),
        ("/log/proof/inclusion", {"index": "x"}, 422),
        ("/log/proof/consistency", {"from": 10, "to": 5}, 400),
        ("/log/leaves", {"start": 99}, 400),
        ("/api/v1/log/leaves", {"count": 0}, 422),
    ],
)
def test_bad_requests_get_a_typed_json_error(
    client: TestClient, path: str, params: dict[str, object], status: int
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"error", "code", "message"} and body["message"]


def test_a_log_without_checkpoints_answers_404(tmp_path: Path) -> None:
    settings = served_workspace(tmp_path / "ws", rounds=0)
    answer = TestClient(create_app(settings)).get("/log/checkpoint")
    assert answer.status_code == 404
    assert answer.json()["error"] == "HTTPError"


def test_the_log_page_checks_every_head_on_the_server(client: TestClient) -> None:
    page = client.get("/log", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.text.count('class="ok"') == 3
    assert "透明性ログ" in page.text  # Japanese first
    assert "+09:00" in page.text  # times in JST with the offset


def test_log_endpoints_answer_while_a_release_is_being_written(
    tmp_path: Path, ledger_url: str
) -> None:
    import threading

    from fairfollow.ledger.engine import open_ledger
    from fairfollow.ledger.transaction import transaction
    from fairfollow.tlog import store as log_store
    from fairfollow.tlog.record import LogRecord

    settings = served_workspace(tmp_path / "ws", ledger_url)
    client = TestClient(create_app(settings))
    writer = open_ledger(settings.ledger_url or f"sqlite:///{tmp_path / 'ws' / 'ledger.sqlite'}")
    holding, release = threading.Event(), threading.Event()

    def write_release() -> None:  # holds the ledger's write lock mid-release
        with transaction(writer, "release forecast") as conn:
            log_store.append_many(conn, [LogRecord("release", "rel-late", {"pool": 1})])
            holding.set()
            release.wait(20)

    thread = threading.Thread(target=write_release)
    thread.start()
    assert holding.wait(20)
    try:
        assert client.get("/log/checkpoint").status_code == 200
        body = client.get("/log/proof/inclusion", params={"index": 14}).json()
        assert body["tree_size"] == 15  # the committed log, not the release in flight
    finally:
        release.set()
        thread.join(20)
    assert client.get("/log/proof/inclusion", params={"index": 15}).json()["tree_size"] == 16
    writer.dispose()


def test_the_page_checks_heads_against_the_pinned_key(tmp_path: Path) -> None:
    from fairfollow.tlog.keys import generate_signer

    settings = served_workspace(tmp_path / "ws")
    pinned = settings.model_copy(update={"log_public_key": generate_signer().verifier.encode()})
    page = TestClient(create_app(pinned)).get("/log", headers={"accept": "text/html"})
    assert page.text.count('class="bad"') == 3  # signed by a key that is not the pinned one


def _bearer(client: TestClient, login: str, password: str) -> dict[str, str]:
    answer = client.post("/api/v1/token", json={"login": login, "password": password})
    assert answer.status_code == 200, answer.text
    return {"authorization": f"Bearer {answer.json()['token']}"}


def test_the_public_leaves_hide_employers_figures_and_the_opening_needs_an_account(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    """Issue 27: ``/api/v1/log/leaves`` gave anyone each release's pool size, forecast and
    interval. Now the leaves carry a commitment; the employer opens its own release, an
    auditor (how a regulator is given access) any, the public and other employers none."""
    import json
    from datetime import UTC, datetime

    from fairfollow.accounts import authority
    from fairfollow.ledger.engine import open_ledger
    from fairfollow.release.leaf import FiguresOpening
    from tests.web.employer_site import employer_site
    from tests.web.site import PASSWORD

    site = employer_site(replayed_workspace, tmp_path / "ws")
    client = TestClient(create_app(site.settings))
    releases, start = [], 0
    while (page := client.get("/api/v1/log/leaves", params={"start": start})).status_code == 200:
        leaves = page.json()["leaves"]
        start += len(leaves)
        for leaf in leaves:
            assert "pool_offers" not in leaf["content"]
            body = json.loads(leaf["content"])
            if body["kind"] == "release":
                releases.append(body["body"])
    assert releases and all("figures" not in r and "figures_commitment" in r for r in releases)
    mine = next(r for r in releases if r["employer"] == site.employer)
    path = f"/api/v1/log/openings/{mine['decision_id']}"
    assert client.get(path).status_code == 401  # the public
    other = _bearer(client, site.accounts["b"].login, PASSWORD)
    assert client.get(path, headers=other).status_code == 400  # unknown to another employer
    own = client.get(path, headers=_bearer(client, site.accounts["a"].login, PASSWORD))
    assert own.status_code == 200
    opened = own.json()
    opening = FiguresOpening(opened["figures"], bytes.fromhex(opened["salt"]))
    assert opening.opens(mine["figures_commitment"]) and opened["figures"]["pool_offers"] > 0
    engine = open_ledger(site.workspace.ledger_url)
    auditor = authority.principal_for(engine, "auditor")
    authority.set_password(engine, auditor, PASSWORD, datetime.now(UTC))
    engine.dispose()
    audited = client.get(path, headers=_bearer(client, "auditor", PASSWORD))
    assert audited.status_code == 200 and audited.json()["figures"] == opened["figures"]
