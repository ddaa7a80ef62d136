"""Consent receipts: schema, standard field names, DPV terms, signing and tampering."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from fairfollow.consent.receipt import (
    DEFAULT_CONTROLLER,
    build_receipt,
    canonical,
    open_jws,
    receipt_id,
    schema,
    schema_problems,
    sign,
)
from fairfollow.consent.receipt_key import ReceiptSigner, b64url
from fairfollow.errors import ReceiptError
from tests.consent.test_receipt_key import rfc_signer
from tests.consent_season import DEPLOYMENTS, EVENTS, PURPOSES, SCREENS, VERSIONS

PURPOSE = {p.key: p for p in PURPOSES}
SCREEN = {s.screen_id: s for s in SCREENS}
VERSION = {v.version_id: v for v in VERSIONS}
SCHEMA_FILE = Path(__file__).parents[2] / "src/fairfollow/data/consent_receipt.schema.json"


def receipt_of(index: int) -> dict[str, object]:
    event = EVENTS[index]
    return build_receipt(
        event, PURPOSE[event.purpose_key], SCREEN[event.screen_id], VERSION, DEPLOYMENTS
    )


def test_the_published_schema_is_valid_and_is_the_one_used_at_runtime() -> None:
    published = json.loads(SCHEMA_FILE.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(published)
    assert schema() == published


@pytest.mark.parametrize("index", range(len(EVENTS)))
def test_every_receipt_validates_against_the_schema(index: int) -> None:
    document = receipt_of(index)
    jsonschema.validate(document, schema(), cls=jsonschema.Draft202012Validator)
    assert schema_problems(document) == []


def test_a_grant_receipt_carries_27560_sections_kantara_names_and_dpv_terms() -> None:
    document = receipt_of(0)  # member 1, granted on pc_registration showing v2
    assert set(document) == {"header", "processing", "parties", "events"}
    header = document["header"]
    assert header["version"] == "KI-CR-v1.1.0" and header["jurisdiction"] == "JP"
    assert header["consentReceiptID"] == receipt_id(1)
    assert header["consentTimestamp"] == int(EVENTS[0].occurred_at.timestamp())
    assert header["policyUrl"] == DEFAULT_CONTROLLER.policy_url + "v2"
    assert header["piiPrincipalId"] == "1" == document["parties"]["piiPrincipalId"]
    controller = document["parties"]["piiControllers"][0]
    assert controller["piiController"] == DEFAULT_CONTROLLER.name
    processing = document["processing"]
    purpose = processing["services"][0]["purposes"][0]
    assert purpose["purposeCategory"] == ["dpv:SellInsightsFromData"]
    assert purpose["thirdPartyDisclosure"] is True
    assert purpose["thirdPartyName"] == "client employer"
    assert processing["legalBasis"] == purpose["legalBasis"] == "dpv:Consent"
    event = document["events"][0]
    assert event["consentStatus"] == "dpv:ConsentGiven"
    assert event["effectiveAtCollection"] is True and event["validityReason"] == "valid"


def test_a_grant_on_the_stale_screen_is_receipted_as_given_but_not_effective() -> None:
    document = receipt_of(1)  # member 2 on entry_form, which still showed v1
    assert document["processing"]["policyVersion"] == {
        "shown": "v1",
        "recorded": "v2",
        "coversPurpose": False,
    }
    assert document["events"][0]["consentStatus"] == "dpv:ConsentGiven"
    assert document["events"][0]["effectiveAtCollection"] is False
    assert document["events"][0]["validityReason"] == "stale_screen_version"


def test_a_withdrawal_receipt_says_consent_withdrawn() -> None:
    assert receipt_of(3)["events"][0]["consentStatus"] == "dpv:ConsentWithdrawn"
    assert receipt_of(4)["events"][0]["consentStatus"] == "dpv:ConsentRefused"


def test_receipts_are_deterministic() -> None:
    assert canonical(receipt_of(0)) == canonical(receipt_of(0))
    assert receipt_id(1) != receipt_id(2)


def test_a_signed_receipt_opens_and_any_change_breaks_it() -> None:
    signer = rfc_signer()
    token = sign(receipt_of(0), signer)
    header, _, signature = token.split(".")
    opened = open_jws(token, signer.verifier)
    assert opened.signature_valid and opened.document == receipt_of(0)
    assert opened.header == {"alg": "EdDSA", "kid": signer.verifier.kid, "typ": "JOSE"}
    forged = receipt_of(0)
    forged["events"][0]["action"] = "refuse"  # type: ignore[index]
    tampered = f"{header}.{b64url(canonical(forged))}.{signature}"
    assert not open_jws(tampered, signer.verifier).signature_valid
    assert not open_jws(token, ReceiptSigner.generate().verifier).signature_valid


def test_malformed_tokens_and_other_algorithms_are_refused() -> None:
    verifier = rfc_signer().verifier
    with pytest.raises(ReceiptError):
        open_jws("only.two", verifier)
    with pytest.raises(ReceiptError):
        open_jws("bm90IGpzb24.bm90IGpzb24.AA", verifier)
    none_header = b64url(b'{"alg":"none"}')
    with pytest.raises(ReceiptError, match=r"consent\.receipt_algorithm"):
        open_jws(f"{none_header}.{b64url(canonical(receipt_of(0)))}.", verifier)


def test_facts_that_do_not_belong_together_are_refused() -> None:
    event = EVENTS[0]
    with pytest.raises(ReceiptError):
        build_receipt(event, PURPOSE["platform_service"], SCREEN[event.screen_id], VERSION, ())
    with pytest.raises(ReceiptError, match=r"consent\.receipt_schema"):
        build_receipt(
            event,
            PURPOSE[event.purpose_key],
            SCREEN[event.screen_id],
            VERSION,
            DEPLOYMENTS,
            replace(DEFAULT_CONTROLLER, url="http://insecure.example"),
        )
