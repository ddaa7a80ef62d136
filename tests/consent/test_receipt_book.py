"""Receipts issued from the ledger and checked against it, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fairfollow.consent import receipt_book
from fairfollow.consent import store as consent_store
from fairfollow.consent.receipt import canonical, schema_problems, sign
from fairfollow.consent.receipt_key import ReceiptSigner, b64url
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.errors import InputError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from tests.consent_season import FORECAST, load_ledger


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
    yield engine
    engine.dispose()


def test_a_member_gets_one_verifiable_receipt_per_decision(engine: Engine, tmp_path: Path) -> None:
    signer = ReceiptSigner.generate()
    with engine.connect() as conn:
        receipts = receipt_book.member_receipts(conn, 3, signer)
        checks = [receipt_book.verify(conn, r.jws, signer.verifier) for r in receipts]
        single = receipt_book.event_receipt(conn, 4, signer)
    assert [r.event_id for r in receipts] == [3, 4]
    assert all(check.ok for check in checks), checks
    assert single.jws == receipts[1].jws  # rebuilt from the ledger, byte for byte
    assert all(schema_problems(r.document) == [] for r in receipts)
    paths = receipt_book.write_receipts(receipts, tmp_path / "out")
    assert [p.name for p in paths] == ["receipt-3-3.jws", "receipt-3-4.jws"]
    document = json.loads(paths[0].with_suffix(".json").read_text("utf-8"))
    assert document == receipts[0].document


def test_a_receipt_that_differs_from_the_ledger_or_the_key_does_not_verify(
    engine: Engine,
) -> None:
    signer = ReceiptSigner.generate()
    with engine.connect() as conn:
        issued = receipt_book.event_receipt(conn, 1, signer)
        forged_doc = json.loads(json.dumps(issued.document))
        forged_doc["events"][0]["eventTime"] = "2019-03-01T00:00:00+00:00"
        forged = receipt_book.verify(conn, sign(forged_doc, signer), signer.verifier)
        other_key = receipt_book.verify(conn, issued.jws, ReceiptSigner.generate().verifier)
        header, _, signature = issued.jws.split(".")
        swapped = f"{header}.{b64url(canonical(forged_doc))}.{signature}"
        tampered = receipt_book.verify(conn, swapped, signer.verifier)
        garbage = receipt_book.verify(conn, "garbage", signer.verifier)
    assert forged.signature_valid and not forged.matches_ledger and not forged.ok
    assert not other_key.signature_valid and other_key.matches_ledger and not other_key.ok
    assert not tampered.ok and not garbage.ok and garbage.problems


def test_a_receipt_for_a_decision_the_ledger_lacks_does_not_verify(engine: Engine) -> None:
    signer = ReceiptSigner.generate()
    with engine.connect() as conn:
        issued = receipt_book.event_receipt(conn, 1, signer)
    ghost = json.loads(json.dumps(issued.document))
    ghost["events"][0]["eventId"] = 4242
    with engine.connect() as conn:
        check = receipt_book.verify(conn, sign(ghost, signer), signer.verifier)
        with pytest.raises(InputError):
            receipt_book.member_receipts(conn, 999, signer)
        with pytest.raises(InputError):
            receipt_book.event_receipt(conn, 999, signer)
    assert not check.ok and any("4242" in p for p in check.problems)


def test_a_decision_recorded_now_has_a_receipt_at_once(engine: Engine) -> None:
    signer = ReceiptSigner.generate()
    with transaction(engine) as conn:
        event = consent_store.record_event(
            conn,
            ConsentEvent(
                0,
                4,
                FORECAST,
                ConsentAction.GRANT,
                "pc_registration",
                "v2",
                consent_store.load_members(conn)[3].registered_at.replace(year=2019, month=8),
                "reconsent_dialog",
            ),
        )
        receipt = receipt_book.event_receipt(conn, event.event_id, signer)
    assert receipt.document["events"][0]["effectiveAtCollection"] is True  # type: ignore[index]
