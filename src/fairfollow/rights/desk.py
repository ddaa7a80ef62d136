"""The rights desk: file, verify, refuse and complete data-subject requests; list what is due.

One call per CLI command (``fairfollow rights …``) and, later, per web page. A request is
stored with the member as a keyed hash (``member_ref``, HMAC under the workspace's matching
key) beside the id, which erasure clears. Completing a request runs its effect
(:data:`~fairfollow.rights.effects.PLANS`) and appends what was done; an unverified or
closed request is refused with a :class:`~fairfollow.errors.RightsError`, never acted on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.actor import Actor
from fairfollow.errors import RightsError, RoleError
from fairfollow.intake.desk import matching_key
from fairfollow.intake.keyed_index import keyed_hash
from fairfollow.ledger.transaction import Engine, reading, transaction
from fairfollow.rights import store
from fairfollow.rights.request import (
    IdentityCheck,
    IdentityMethod,
    RequestInput,
    RightKind,
    RightsRequest,
    Status,
    due_at,
)
from fairfollow.settings import Settings
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class Desk:
    """What the rights desk works on: the workspace, its ledger, settings and log key."""

    workspace: Workspace
    engine: Engine
    settings: Settings = field(default_factory=Settings.model_construct)
    publisher: LogPublisher | None = None

    @property
    def log_publisher(self) -> LogPublisher:
        return self.publisher or LogPublisher.of_workspace(self.workspace)

    def member_ref(self, member_id: int) -> str:
        return keyed_hash(matching_key(self.workspace.keys_dir), "rights_member", str(member_id))

    @property
    def suppression_key(self) -> bytes:
        return matching_key(self.workspace.keys_dir)


@dataclass(frozen=True)
class Completion:
    """What completing a request did: the request after it, the effect's record, files."""

    request: RightsRequest
    effect: Mapping[str, object]
    files: tuple[Path, ...] = ()


def file_request(desk: Desk, item: RequestInput, *, actor: Actor) -> RightsRequest:
    """Record a request as received, and as verified when it comes with an identity check."""
    due = due_at(item.kind, item.basis, item.received_at, desk.settings.rights_due_days)
    with transaction(desk.engine, "rights request") as conn:
        request_id = store.add_request(conn, item, desk.member_ref(item.member_id), due)
        store.add_action(
            conn,
            request_id,
            Status.RECEIVED,
            "received",
            actor,
            item.received_at,
            {"kind": item.kind.value, "basis": item.basis.value},
        )
        if item.identity is not None:
            store.add_action(
                conn,
                request_id,
                Status.VERIFIED,
                "identity_verified",
                actor,
                item.received_at,
                {"method": item.identity.method.value, "by": str(item.identity.verified_by)},
            )
        return store.load_request(conn, request_id)


def verify_request(
    desk: Desk, request_id: int, identity: IdentityCheck, *, actor: Actor, at: datetime
) -> RightsRequest:
    with transaction(desk.engine, "rights verify") as conn:
        request = store.load_request(conn, request_id)
        if request.status is not Status.RECEIVED:
            raise RightsError(
                "rights.request_not_received", request=request_id, status=request.status
            )
        store.set_identity(conn, request_id, identity)
        store.add_action(
            conn,
            request_id,
            Status.VERIFIED,
            "identity_verified",
            actor,
            at,
            {"method": identity.method.value, "by": str(identity.verified_by)},
        )
        return store.load_request(conn, request_id)


def refuse_request(
    desk: Desk, request_id: int, reason: str, *, actor: Actor, at: datetime
) -> RightsRequest:
    """Close a request unanswered, with the reason the member is told (APPI Art. 36)."""
    if not reason.strip():
        raise RightsError("rights.refusal_needs_reason")
    with transaction(desk.engine, "rights refuse") as conn:
        request = store.load_request(conn, request_id)
        if not request.status.open:
            raise RightsError("rights.request_closed", request=request_id, status=request.status)
        store.add_action(conn, request_id, Status.REFUSED, "refused", actor, at, {"reason": reason})
        return store.load_request(conn, request_id)


def show_request(desk: Desk, request_id: int) -> RightsRequest:
    with reading(desk.engine, "rights show") as conn:
        return store.load_request(conn, request_id)


def due_requests(desk: Desk) -> list[RightsRequest]:
    """Open requests, soonest due first."""
    with reading(desk.engine, "rights due") as conn:
        found = [r for r in store.load_requests(conn) if r.status.open]
    return sorted(found, key=lambda r: (r.due_at, r.request_id))


def member_requests(desk: Desk, member_id: int) -> list[RightsRequest]:
    with reading(desk.engine, "rights of member") as conn:
        return store.load_requests(conn, desk.member_ref(member_id))


def open_request_of(desk: Desk, member_id: int, kinds: tuple[RightKind, ...]) -> RightsRequest:
    """The member's oldest verified open request of one of ``kinds``."""
    for request in member_requests(desk, member_id):
        if request.kind in kinds and request.status is Status.VERIFIED:
            return request
    raise RightsError(
        "rights.no_verified_request", member=member_id, kinds=list(kinds), kind=kinds[0].value
    )


# Who acts at the desk is an authenticated account, never a typed name: an operator or the
# privacy officer (``rights.act`` in :mod:`fairfollow.accounts.actions`), or the member's
# own account for its own requests. The actions record the account's login and id.
MEMBER_SESSION = "the member's own authenticated account"


def staff_actor(actor: Principal) -> Actor:
    """The actor an operator or the privacy officer acts under (refused for anyone else)."""
    return actor_of(require(actor, Action.RIGHTS_ACT))


def requester_identity(
    actor: Principal, member_id: int, evidence: str | None
) -> IdentityCheck | None:
    """The identity check of a request being filed: the member's own account verifies
    itself; an operator records the check they made (``evidence``), or none yet; any other
    account is refused."""
    if actor.member_id is not None and actor.member_id == member_id:
        return IdentityCheck(IdentityMethod.LOGGED_IN_MEMBER, actor_of(actor), MEMBER_SESSION)
    if actor.member_id is not None:
        raise RoleError("rights.file_own_only", login=actor.login)
    staff_actor(actor)
    if evidence is None or not evidence.strip():
        return None
    return IdentityCheck(IdentityMethod.OPERATOR_VERIFIED, actor_of(actor), evidence)


def filed_by(actor: Principal, identity: IdentityCheck | None) -> Actor:
    """Who filed a request, as its actions record it (the account's login and id)."""
    return identity.verified_by if identity is not None else staff_actor(actor)


def member_or_staff(actor: Principal, member_id: int) -> Actor:
    """The actor of a member acting on their own data, or of staff acting on anyone's."""
    if actor.member_id is not None and actor.member_id == member_id:
        return actor_of(actor)
    if actor.member_id is not None:
        raise RoleError("rights.act_own_only", login=actor.login)
    return staff_actor(actor)


def request_reader(desk: Desk, actor: Principal, request: RightsRequest) -> Actor:
    """Staff read any request; a member's account only its own."""
    if actor.member_id is not None and desk.member_ref(actor.member_id) == request.member_ref:
        return actor_of(actor)
    if actor.member_id is not None:
        raise RoleError("rights.read_own_only", login=actor.login)
    return staff_actor(actor)
