"""The job seeker's own portal: what a signed-in member sees and does about themselves.

Every call takes the authenticated :class:`~fairfollow.accounts.account.Principal` and
works on ``principal.member_id`` only — never on an id from a request — so a member cannot
reach another member's data through any parameter: an id of a release, a receipt or a
request that is not theirs is simply not found. One call per page of ``/me``:

- :func:`holdings` — what is held about me, by category, with counts (the disclosure core);
- :func:`consents` / :func:`choose` — my standing per purpose; withdraw or grant again
  (:mod:`fairfollow.consent.choice`);
- :func:`receipts` / :func:`receipt` — my signed consent receipts;
- :func:`releases` / :func:`release_proof` — who received my data (APPI Art. 33(5)), and my
  proof from the transparency log for one release (:mod:`fairfollow.rights.receipt`);
- :func:`requests` / :func:`file_request` — my data-subject requests, filed as the logged-in member
  (the session is the identity check, docs/rights.md);
- :func:`export` — the disclosure export of everything held, as one JSON document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.canonical_json import JsonValue
from fairfollow.consent import choice, gpc_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.choice import Choice, ChoiceResult, PurposeStanding
from fairfollow.consent.gpc import GpcStanding
from fairfollow.consent.receipt_book import IssuedReceipt, event_receipt, member_receipts
from fairfollow.consent.receipt_key import load_or_create_receipt_signer
from fairfollow.errors import InputError, RightsError, RoleError
from fairfollow.instants import in_jst, utc
from fairfollow.ledger.transaction import Connection, reading, transaction
from fairfollow.records import provision_store
from fairfollow.records.provision import Provision
from fairfollow.rights import desk as rights_desk
from fairfollow.rights import store
from fairfollow.rights.aftermath import after_erasure, aftermath_json
from fairfollow.rights.desk import Desk
from fairfollow.rights.detail import RequestDetail, correction_of
from fairfollow.rights.disclosure import disclosure_document, held_counts
from fairfollow.rights.receipt import MemberReceipt, member_receipt
from fairfollow.rights.request import (
    IdentityCheck,
    IdentityMethod,
    LegalBasis,
    RequestInput,
    RightKind,
    RightsRequest,
)

# What a member files from the portal (withdrawal has its own buttons on the consent page;
# provision records are on "who received my data").
FILED_HERE = (RightKind.DISCLOSURE, RightKind.CORRECTION, RightKind.STOP, RightKind.ERASURE)


def member_of(me: Principal) -> int:
    """The member the account stands for; a staff or employer account has none."""
    if me.member_id is None:
        raise RoleError("rights.not_a_member_account", login=me.login)
    return me.member_id


@dataclass(frozen=True)
class Category:
    """One kind of data held about the member and how much of it."""

    key: str
    count: int


@dataclass(frozen=True)
class Holdings:
    member_id: int
    categories: tuple[Category, ...]
    first_event: datetime | None
    last_event: datetime | None


def holdings(desk: Desk, me: Principal) -> Holdings:
    """What is held about me, by category (the parts of the disclosure export), counted."""
    member = member_of(me)
    held = held_counts(desk, member)
    rows = held.analytics
    categories = (
        Category("profile", rows.profile_fields if rows else 0),
        Category("attributes", rows.attribute_fields if rows else 0),
        Category("cookies", rows.cookies if rows else 0),
        Category("events", rows.events if rows else 0),
        Category("partner_events", rows.partner_events if rows else 0),
        Category("consent_decisions", held.ledger.consent_decisions),
        Category("intake_matches", held.ledger.intake_matches),
        Category("provisions", held.ledger.provisions),
        Category("feature_rows", held.feature_rows),
        Category("requests", held.ledger.requests),
    )
    return Holdings(
        member,
        categories,
        rows.first_event if rows else None,
        rows.last_event if rows else None,
    )


def consents(desk: Desk, me: Principal, at: datetime) -> list[PurposeStanding]:
    """My standing for every purpose at ``at``: valid or not, why, where I decided (none
    once I was erased: the consent ledger no longer holds me)."""
    if after_erasure(desk, me) is not None:
        return []
    with reading(desk.engine, "member consents") as conn:
        return choice.standings(conn, member_of(me), at)


def choose(
    desk: Desk,
    me: Principal,
    purpose_key: str,
    decision: Choice,
    at: datetime,
    *,
    gpc: bool = False,
) -> ChoiceResult:
    """Withdraw or grant again my consent for one purpose, on the settings page (``gpc``:
    my browser sends ``Sec-GPC: 1``; a grant against it is kept and noted as a conflict)."""
    with transaction(desk.engine, f"member {decision.value}") as conn:
        return choice.choose(conn, member_of(me), purpose_key, decision, at, gpc=gpc)


def gpc_signal(desk: Desk, me: Principal, on: bool, at: datetime) -> GpcStanding:
    """Note my browser's GPC signal (written only when it changes) and where it stands."""
    with transaction(desk.engine, "member gpc") as conn:
        gpc_store.note_signal(conn, member_of(me), on, utc(at))
        return gpc_store.standing(conn, member_of(me))


def receipts(desk: Desk, me: Principal) -> list[IssuedReceipt]:
    """Signed receipts of every consent decision I made, oldest first (none once erased)."""
    if after_erasure(desk, me) is not None:
        return []
    signer = load_or_create_receipt_signer(desk.workspace.keys_dir)
    with reading(desk.engine, "member receipts") as conn:
        return member_receipts(conn, member_of(me), signer)


def receipt(desk: Desk, me: Principal, event_id: int) -> IssuedReceipt:
    """The signed receipt of one of my decisions (another member's is not found)."""
    signer = load_or_create_receipt_signer(desk.workspace.keys_dir)
    with reading(desk.engine, "member receipt") as conn:
        event = consent_store.load_event(conn, event_id)
        if event is None or event.member_id != member_of(me):
            raise InputError("rights.consent_decision_not_yours", event=event_id)
        return event_receipt(conn, event_id, signer)


@dataclass(frozen=True)
class Release:
    """A release made from a list that named me, and its provision record if I was in it."""

    decision_id: int
    recipient: str
    provided_at: datetime
    record: Provision | None

    def as_json(self) -> dict[str, JsonValue]:
        found: dict[str, JsonValue] = {
            "decision_id": self.decision_id,
            "recipient": self.recipient,
            "provided_at": in_jst(self.provided_at),
        }
        if self.record is not None:
            found.update(
                items=self.record.items,
                consent_basis=self.record.consent_basis,
                provision_id=self.record.provision_id,
            )
        return found


def _releases(conn: Connection, member_id: int) -> list[Release]:
    provided = {p.decision_id: p for p in provision_store.provisions_for_member(conn, member_id)}
    intake_ids = {m.intake_id for m in store.intake_matches(conn, member_id)}
    found = {d: (e, a) for d, e, a in store.releases_of_intakes(conn, intake_ids)}
    for p in provided.values():
        found.setdefault(p.decision_id, (p.recipient, p.provided_at))
    return [
        Release(decision_id, recipient, utc(at), provided.get(decision_id))
        for decision_id, (recipient, at) in sorted(found.items())
    ]


def releases(desk: Desk, me: Principal) -> list[Release]:
    """Every release from an employer's list that named me (APPI Art. 33(5)), oldest first;
    a provision record where my data was among its contributors."""
    with reading(desk.engine, "member releases") as conn:
        return _releases(conn, member_of(me))


def release_proof(desk: Desk, me: Principal, decision_id: int, at: datetime) -> MemberReceipt:
    """My proof for one of those releases: inclusion or exclusion, with the log receipt.
    Once I was erased there is none: it was destroyed with my secret, at my request."""
    member = member_of(me)
    after = after_erasure(desk, me)
    if after is not None:
        raise RightsError(
            "rights.proof_destroyed_by_erasure", release=decision_id, request=after.request_id
        )
    with transaction(desk.engine, "member provision proof") as conn:
        mine = {r.decision_id: r for r in _releases(conn, member)}
        release = mine.get(decision_id)
        if release is None:
            raise InputError("rights.release_not_about_you", release=decision_id)
        return member_receipt(conn, member, decision_id, release.as_json(), desk.log_publisher, at)


def requests(desk: Desk, me: Principal) -> list[RightsRequest]:
    """My data-subject requests, newest first."""
    found = rights_desk.member_requests(desk, member_of(me))
    return sorted(found, key=lambda r: r.request_id, reverse=True)


def file_request(
    desk: Desk,
    me: Principal,
    kind: RightKind,
    at: datetime,
    *,
    basis: LegalBasis = LegalBasis.APPI,
    session: str,
    detail: RequestDetail | None = None,
) -> RightsRequest:
    """File a request as the signed-in member: verified by the authenticated session."""
    if kind not in FILED_HERE:
        raise InputError("rights.kind_has_own_page", kind=kind)
    identity = IdentityCheck(
        IdentityMethod.LOGGED_IN_MEMBER,
        actor_of(me),
        f"signed-in web session of account {me.account_id} ({session})",
    )
    item = RequestInput(kind, member_of(me), utc(at), basis, identity, detail)
    return rights_desk.file_request(desk, item, actor=actor_of(me))


def export(desk: Desk, me: Principal, at: datetime) -> str:
    """Everything held about me (the disclosure export's ``data.json``), UTF-8 JSON text;
    once I was erased, what was kept by law and why (:func:`aftermath_json`)."""
    after = after_erasure(desk, me)
    if after is not None:
        return aftermath_json(after)
    return disclosure_document(desk, member_of(me), at)


def export_name(me: Principal, at: datetime) -> str:
    return f"fairfollow-my-data-{member_of(me)}-{utc(at):%Y%m%dT%H%M%SZ}.json"


def receipts_bundle(found: list[IssuedReceipt]) -> str:
    """Receipts as the CLI's verify-receipt reads them: one compact JWS per line."""
    return "".join(f"{r.jws}\n" for r in found)


def receipt_json(found: IssuedReceipt) -> str:
    return json.dumps(found.document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def request_detail(kind: RightKind, fields: Mapping[str, str]) -> RequestDetail | None:
    """What a request filed here needs besides its kind: a correction's fields (the one
    parser, :func:`~fairfollow.rights.detail.correction_of`); None for the others."""
    if kind is not RightKind.CORRECTION:
        return None
    return correction_of(fields)
