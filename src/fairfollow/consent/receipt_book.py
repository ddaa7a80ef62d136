"""Receipts issued from the ledger, and receipts checked against it.

Receipts are derived documents: the ledger's consent events are the record, and a receipt
is rebuilt from them on demand (deterministically, so a receipt issued earlier verifies
byte for byte). ``verify`` checks the signature, the schema and that the ledger still
holds exactly the decision the receipt describes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from fairfollow.consent import policy_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.leaf import deployment_in_effect
from fairfollow.consent.policy import Deployment
from fairfollow.consent.receipt import (
    DEFAULT_CONTROLLER,
    Controller,
    build_receipt,
    canonical,
    open_jws,
    schema_problems,
    sign,
)
from fairfollow.consent.receipt_key import ReceiptSigner, ReceiptVerifier
from fairfollow.consent.validity import ConsentEvent
from fairfollow.errors import InputError, ReceiptError
from fairfollow.ledger.transaction import Connection


@dataclass(frozen=True)
class IssuedReceipt:
    member_id: int
    event_id: int
    receipt_id: str
    document: dict[str, object]
    jws: str
    # The deployment that set the screen's state at the decision: its transparency-log leaf
    # (``screen.deployed``) proves what the screen displayed (usecases.log.screen_state_receipt).
    screen_deploy_id: int | None = None

    @property
    def filename(self) -> str:
        return f"receipt-{self.member_id}-{self.event_id}.jws"


def _issue(
    conn: Connection, events: list[ConsentEvent], signer: ReceiptSigner, controller: Controller
) -> list[IssuedReceipt]:
    purposes = policy_store.load_purposes(conn)
    screens = policy_store.load_screens(conn)
    versions = policy_store.load_versions(conn)
    deployments = policy_store.load_deployments(conn)
    issued = []
    for event in events:
        document = build_receipt(
            event,
            purposes[event.purpose_key],
            screens[event.screen_id],
            versions,
            deployments,
            controller,
        )
        issued.append(
            IssuedReceipt(
                event.member_id,
                event.event_id,
                str(document["header"]["consentReceiptID"]),
                document,
                sign(document, signer),
                _deploy_id(deployments, event),
            )
        )
    return issued


def member_receipts(
    conn: Connection,
    member_id: int,
    signer: ReceiptSigner,
    controller: Controller = DEFAULT_CONTROLLER,
) -> list[IssuedReceipt]:
    """Signed receipts of every decision the member made, oldest first."""
    events = consent_store.load_events(conn, member_id=member_id)
    if not events and member_id not in {m.member_id for m in consent_store.load_members(conn)}:
        raise InputError("consent.member_unknown", member=member_id)
    return _issue(conn, events, signer, controller)


def event_receipt(
    conn: Connection,
    event_id: int,
    signer: ReceiptSigner,
    controller: Controller = DEFAULT_CONTROLLER,
) -> IssuedReceipt:
    """The signed receipt of one decision (given to the member right after it is made)."""
    event = consent_store.load_event(conn, event_id)
    if event is None:
        raise InputError("consent.event_unknown", event=event_id)
    return _issue(conn, [event], signer, controller)[0]


def write_receipts(receipts: list[IssuedReceipt], out_dir: Path) -> list[Path]:
    """One ``.jws`` file per receipt (and its readable ``.json`` beside it)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for receipt in receipts:
        path = out_dir / receipt.filename
        path.write_text(receipt.jws + "\n", encoding="ascii")
        path.with_suffix(".json").write_text(
            json.dumps(receipt.document, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


@dataclass(frozen=True)
class ConsentReceiptCheck:
    """The outcome of checking one receipt; ``ok`` only when every check passed."""

    receipt_id: str | None
    member_id: str | None
    event_id: int | None
    signature_valid: bool
    schema_valid: bool
    matches_ledger: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.signature_valid and self.schema_valid and self.matches_ledger


def verify(
    conn: Connection,
    token: str,
    verifier: ReceiptVerifier,
    controller: Controller = DEFAULT_CONTROLLER,
) -> ConsentReceiptCheck:
    """Check a receipt's signature, its schema and that the ledger holds what it says."""
    try:
        opened = open_jws(token, verifier)
    except ReceiptError as exc:
        return ConsentReceiptCheck(None, None, None, False, False, False, (str(exc),))
    problems: list[str] = []
    if not opened.signature_valid:
        problems.append("signature does not verify with this workspace's receipt key")
    if opened.header.get("kid") not in (None, verifier.kid):
        problems.append("signed with another key (kid differs)")
    shape = schema_problems(opened.document)
    problems += shape
    header = opened.document.get("header", {})
    receipt_id = header.get("consentReceiptID") if isinstance(header, dict) else None
    member = header.get("piiPrincipalId") if isinstance(header, dict) else None
    event_id = _event_id(opened.document)
    matches = False
    if event_id is not None:
        event = consent_store.load_event(conn, event_id)
        if event is None:
            problems.append(f"the ledger holds no consent event {event_id}")
        else:
            rebuilt = _issue_unsigned(conn, event, controller)
            matches = canonical(rebuilt) == canonical(opened.document)
            if not matches:
                problems.append("the receipt differs from the decision the ledger holds")
    return ConsentReceiptCheck(
        str(receipt_id) if receipt_id else None,
        str(member) if member else None,
        event_id,
        opened.signature_valid,
        not shape,
        matches,
        tuple(problems),
    )


def _issue_unsigned(
    conn: Connection, event: ConsentEvent, controller: Controller
) -> dict[str, object]:
    return build_receipt(
        event,
        policy_store.load_purposes(conn)[event.purpose_key],
        policy_store.load_screens(conn)[event.screen_id],
        policy_store.load_versions(conn),
        policy_store.load_deployments(conn),
        controller,
    )


def _event_id(document: object) -> int | None:
    if not isinstance(document, dict):
        return None
    events = document.get("events")
    if not isinstance(events, list) or not events or not isinstance(events[0], dict):
        return None
    value = events[0].get("eventId")
    return value if isinstance(value, int) else None


def _deploy_id(deployments: list[Deployment], event: ConsentEvent) -> int | None:
    found = deployment_in_effect(deployments, event.screen_id, event.occurred_at)
    return None if found is None else found.deploy_id
