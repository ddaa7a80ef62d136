"""Consent receipts: build, check against the schema, sign and open (pure).

A receipt is the member's own record of one consent decision. Its sections follow ISO/IEC
TS 27560 (header, processing, parties, events); field names follow the Kantara Consent
Receipt Specification v1.1 where one applies (version, jurisdiction, consentTimestamp,
collectionMethod, consentReceiptID, piiPrincipalId, piiControllers, policyUrl, services,
purposes, purposeCategory, consentType, piiCategory, primaryPurpose, termination,
thirdPartyDisclosure, thirdPartyName, sensitive, spiCat); purposes, legal basis and status
are W3C DPV terms. The JSON Schema is ``fairfollow/data/consent_receipt.schema.json``.

The receipt says what the screen *really* displayed (deploy log) beside what the consent
service recorded, and whether the decision was effective when made: a grant on a screen
whose version did not cover the purpose is receipted honestly as given but not effective.

Signature: compact JWS (RFC 7515), ``alg`` EdDSA (RFC 8037) over the canonical JSON (keys
sorted, no spaces, UTF-8). Everything here is deterministic (receipt ids are UUIDv5 of the
event), so a receipt rebuilt from the ledger is byte-identical to the one issued.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from fairfollow.consent.policy import Deployment, PolicyVersion, Purpose, Screen, displayed_version
from fairfollow.consent.receipt_key import ReceiptSigner, ReceiptVerifier, b64url, b64url_decode
from fairfollow.consent.validity import ConsentAction, ConsentEvent, evaluate
from fairfollow.errors import ReceiptError

KANTARA_VERSION = "KI-CR-v1.1.0"
STANDARD = "ISO/IEC TS 27560:2023"
STATUS = {
    ConsentAction.GRANT: "dpv:ConsentGiven",
    ConsentAction.REFUSE: "dpv:ConsentRefused",
    ConsentAction.WITHDRAW: "dpv:ConsentWithdrawn",
}
# What FairFollow holds about a member that any purpose may use (no special-care data:
# APPI Art. 20(2); ESA guideline items are refused at intake).
PII_CATEGORIES = ("registration details", "browsing and entry history on the site")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://fairfollow.example/consent-receipts")


@dataclass(frozen=True)
class Controller:
    """The PII controller named in every receipt (Kantara ``piiControllers``)."""

    name: str = "FairFollow K.K."
    contact: str = "Privacy Officer"
    address: str = "1-1 Marunouchi, Chiyoda-ku, Tokyo, Japan"
    email: str = "privacy@fairfollow.example"
    phone: str = "+81-3-0000-0000"
    url: str = "https://fairfollow.example"
    policy_url: str = "https://fairfollow.example/privacy/"
    service: str = "FairFollow job-information service"
    jurisdiction: str = "JP"
    language: str = "ja"


DEFAULT_CONTROLLER = Controller()


@cache
def schema() -> Mapping[str, Any]:
    text = (
        resources.files("fairfollow")
        .joinpath("data/consent_receipt.schema.json")
        .read_text(encoding="utf-8")
    )
    loaded: Mapping[str, Any] = json.loads(text)
    return loaded


def schema_problems(document: object) -> list[str]:
    """Every way ``document`` breaks the receipt schema (empty when it conforms)."""
    validator = jsonschema.Draft202012Validator(schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    ]


def receipt_id(event_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, str(event_id))}"


def build_receipt(
    event: ConsentEvent,
    purpose: Purpose,
    screen: Screen,
    versions: Mapping[str, PolicyVersion],
    deployments: Sequence[Deployment],
    controller: Controller = DEFAULT_CONTROLLER,
) -> dict[str, Any]:
    """The receipt of one decision, checked against the schema (fail closed)."""
    if event.purpose_key != purpose.key or event.screen_id != screen.screen_id:
        raise ReceiptError("consent.receipt_facts_mismatch")
    shown = displayed_version(deployments, event.screen_id, event.occurred_at)
    verdict = evaluate(
        event.member_id, event.purpose_key, event.occurred_at, [event], deployments, versions
    )
    policy_version = shown or event.version_recorded
    covered = shown is not None and shown in versions and versions[shown].covers(purpose.key)
    member = str(event.member_id)
    external = purpose.recipient_class not in ("member", "platform")
    document: dict[str, Any] = {
        "header": {
            "version": KANTARA_VERSION,
            "standard": STANDARD,
            "consentReceiptID": receipt_id(event.event_id),
            "jurisdiction": controller.jurisdiction,
            "consentTimestamp": int(event.occurred_at.timestamp()),
            "collectionMethod": f"{event.method} on screen {screen.screen_id} ({screen.channel})",
            "language": controller.language,
            "policyUrl": controller.policy_url + (policy_version or ""),
            "piiPrincipalId": member,
        },
        "processing": {
            "services": [
                {
                    "service": controller.service,
                    "purposes": [
                        {
                            "purpose": purpose.key,
                            "purposeName": {"ja": purpose.name_ja, "en": purpose.name_en},
                            "purposeDescription": {
                                "ja": purpose.description_ja,
                                "en": purpose.description_en,
                            },
                            "purposeCategory": [purpose.dpv_term],
                            "consentType": "EXPLICIT",
                            "piiCategory": list(PII_CATEGORIES),
                            "primaryPurpose": purpose.recipient_class == "member",
                            "termination": "until withdrawn by the member",
                            "thirdPartyDisclosure": external,
                            "thirdPartyName": purpose.recipient_class,
                            "output": purpose.output,
                            "legalBasis": "dpv:Consent",
                        }
                    ],
                }
            ],
            "legalBasis": "dpv:Consent",
            "policyVersion": {
                "shown": shown,
                "recorded": event.version_recorded,
                "coversPurpose": covered,
            },
            "sensitive": False,
            "spiCat": [],
        },
        "parties": {
            "piiPrincipalId": member,
            "piiControllers": [
                {
                    "piiController": controller.name,
                    "onBehalf": False,
                    "contact": controller.contact,
                    "address": controller.address,
                    "email": controller.email,
                    "phone": controller.phone,
                    "piiControllerUrl": controller.url,
                }
            ],
            "recipients": [{"recipientClass": purpose.recipient_class}] if external else [],
        },
        "events": [
            {
                "eventId": event.event_id,
                "action": event.action.value,
                "consentStatus": STATUS[event.action],
                "eventTime": event.occurred_at.isoformat(),
                "screenId": screen.screen_id,
                "channel": screen.channel,
                "method": event.method,
                "effectiveAtCollection": verdict.valid,
                "validityReason": verdict.reason.value,
            }
        ],
    }
    problems = schema_problems(document)
    if problems:
        raise ReceiptError("consent.receipt_schema", problems=list(problems))
    return document


def canonical(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def sign(document: Mapping[str, Any], signer: ReceiptSigner) -> str:
    """Compact JWS of the receipt: header.payload.signature, all base64url."""
    header = {"alg": "EdDSA", "kid": signer.verifier.kid, "typ": "JOSE"}
    signing_input = f"{b64url(canonical(header))}.{b64url(canonical(document))}"
    return f"{signing_input}.{b64url(signer.sign(signing_input.encode('ascii')))}"


@dataclass(frozen=True)
class OpenedReceipt:
    """A JWS taken apart: its header, its payload and whether the signature holds."""

    header: Mapping[str, Any]
    document: Mapping[str, Any]
    signature_valid: bool


def open_jws(token: str, verifier: ReceiptVerifier) -> OpenedReceipt:
    """Decode a compact JWS and check its EdDSA signature; ReceiptError if malformed."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ReceiptError("consent.receipt_not_jws")
    try:
        header = json.loads(b64url_decode(parts[0]))
        document = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReceiptError("consent.receipt_not_json", reason=str(exc)) from exc
    if not isinstance(header, dict) or not isinstance(document, dict):
        raise ReceiptError("consent.receipt_not_objects")
    if header.get("alg") != "EdDSA":  # never trust the token to pick a weaker algorithm
        raise ReceiptError("consent.receipt_algorithm", algorithm=str(header.get("alg")))
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    valid = verifier.verify(signing_input, b64url_decode(parts[2]))
    return OpenedReceipt(header, document, valid)
