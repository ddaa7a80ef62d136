"""What completing each kind of request does.

The effect column of :data:`~fairfollow.rights.request.KINDS`:

- **withdrawal** (GDPR Art. 7(3)): a ``withdraw`` consent event per purpose, recorded on the
  ``rights_desk`` screen; the release door evaluates consent at each release, so the next
  release for any employer leaves the member out;
- **stop** (APPI Art. 35(1), (3), (5); GDPR Art. 18, 21): withdrawal of every purpose, the
  member restricted in the analytics store (features and so training and scoring leave them
  out from that instant) and put on the ledger's suppression list (intake leaves them out);
- **correction** (APPI Art. 34; GDPR Art. 16): the profile fields rewritten in the store, so
  the next feature build reads them; the request keeps which fields changed;
- **disclosure** and **provision records**: the export (:mod:`fairfollow.rights.disclosure`);
- **erasure**: :mod:`fairfollow.rights.erasure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from fairfollow.actor import Actor
from fairfollow.consent import policy_store, suppression_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.policy import Screen
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.errors import RightsError
from fairfollow.events.erasure import CORRECTABLE, rewrite_members
from fairfollow.events.suppression import restrict_members
from fairfollow.ledger.transaction import reading, transaction
from fairfollow.rights import store
from fairfollow.rights.desk import Completion, Desk, Effect
from fairfollow.rights.disclosure import export_disclosure, export_provisions
from fairfollow.rights.erasure import erase_member
from fairfollow.rights.request import RightKind, RightsRequest, Status

RIGHTS_SCREEN = Screen("rights_desk", "operator", "権利行使の受付窓口", "data-subject request desk")
METHOD = "rights_request"

Result = tuple[dict[str, object], tuple[Path, ...]]


def withdraw_consents(
    desk: Desk, member_id: int, purposes: tuple[str, ...] | None, at: datetime
) -> list[str]:
    """Record a withdrawal of ``purposes`` (all the member ever granted, if None)."""
    with transaction(desk.engine, "rights withdrawal") as conn:
        policy_store.add_screens(conn, [RIGHTS_SCREEN])
        history = consent_store.load_events(conn, member_id=member_id)
        granted = sorted({e.purpose_key for e in history if e.action is ConsentAction.GRANT})
        wanted = sorted(set(purposes)) if purposes else granted
        known = policy_store.load_purposes(conn)
        unknown = [p for p in wanted if p not in known]
        if unknown:
            raise RightsError("rights.purpose_unknown", purposes=unknown)
        if not [m for m in consent_store.load_members(conn) if m.member_id == member_id]:
            return []
        for purpose in wanted:
            consent_store.record_event(
                conn,
                ConsentEvent(
                    0,
                    member_id,
                    purpose,
                    ConsentAction.WITHDRAW,
                    RIGHTS_SCREEN.screen_id,
                    None,
                    at,
                    METHOD,
                ),
            )
        return wanted


def _withdrawal(
    desk: Desk, request: RightsRequest, member: int, at: datetime, _: Path | None
) -> Result:
    raw = request.detail.get("purposes")
    purposes = tuple(str(p) for p in raw) if isinstance(raw, list) and raw else None
    done = withdraw_consents(desk, member, purposes, at)
    return {"withdrawn": done, "citation": request.law.gdpr}, ()


def _stop(desk: Desk, request: RightsRequest, member: int, at: datetime, _: Path | None) -> Result:
    withdrawn = withdraw_consents(desk, member, None, at)
    restricted = 0
    if desk.workspace.duckdb_path.exists():
        restricted = restrict_members(
            desk.workspace, [member], now=at, batch_id=f"rights-{request.request_id}"
        )
    with transaction(desk.engine, "rights stop") as conn:
        suppression_store.suppress(
            conn, desk.suppression_key, member, "stop", at, request.request_id
        )
    return {
        "withdrawn": withdrawn,
        "restricted_in_store": bool(restricted),
        "suppressed_at_intake": True,
        "citation": f"{request.law.appi}; {request.law.gdpr}",
    }, ()


def corrections_of(detail: Mapping[str, object]) -> dict[str, str]:
    fields = detail.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise RightsError("rights.correction_fields_missing", fields=list(CORRECTABLE))
    return {str(k): str(v) for k, v in fields.items()}


def _correction(
    desk: Desk, request: RightsRequest, member: int, at: datetime, _: Path | None
) -> Result:
    fields = corrections_of(request.detail)
    result = rewrite_members(desk.workspace, [], {member: fields}, settings=desk.settings, now=at)
    if result.rows_corrected == 0:
        raise RightsError("rights.member_not_in_store", member=member)
    return {
        "fields": sorted(fields),
        "rows_corrected": result.rows_corrected,
        "files_rewritten": result.files_rewritten,
        "propagates_to": "the next feature build",
        "citation": f"{request.law.appi}; {request.law.gdpr}",
    }, ()


def _out(out: Path | None) -> Path:
    if out is None:
        raise RightsError("rights.disclosure_needs_out")
    return out


def _disclosure(
    desk: Desk, request: RightsRequest, member: int, at: datetime, out: Path | None
) -> Result:
    raw = bool(request.detail.get("raw_events", False))
    files = export_disclosure(
        desk, member, _out(out), at=at, raw_events=raw, request_id=request.request_id
    )
    return {"files": [p.name for p in files], "raw_events": raw}, files


def _provisions(
    desk: Desk, request: RightsRequest, member: int, at: datetime, out: Path | None
) -> Result:
    files = export_provisions(desk, member, _out(out), at=at, request_id=request.request_id)
    return {"files": [p.name for p in files]}, files


def _erasure(
    desk: Desk, request: RightsRequest, member: int, at: datetime, _: Path | None
) -> Result:
    return erase_member(desk, member, request.request_id, at).as_dict(), ()


EFFECTS: Mapping[RightKind, Effect] = {
    RightKind.DISCLOSURE: _disclosure,
    RightKind.PROVISION_RECORDS: _provisions,
    RightKind.CORRECTION: _correction,
    RightKind.WITHDRAWAL: _withdrawal,
    RightKind.STOP: _stop,
    RightKind.ERASURE: _erasure,
}


def complete_request(
    desk: Desk, request_id: int, *, actor: Actor, at: datetime, out: Path | None = None
) -> Completion:
    """Run the request's effect and record it as done (see :data:`EFFECTS`)."""
    with reading(desk.engine, "rights complete") as conn:
        request = store.load_request(conn, request_id)
        member = store.member_of(conn, request_id)
    if request.status is not Status.VERIFIED or request.identity is None:
        raise RightsError("rights.request_not_verified", request=request_id, status=request.status)
    if member is None:
        raise RightsError("rights.member_erased", request=request_id)
    effect, files = EFFECTS[request.kind](desk, request, member, at, out)
    with transaction(desk.engine, "rights done") as conn:
        store.add_action(
            conn, request_id, Status.DONE, f"{request.kind.value}_done", actor, at, effect
        )
        done = store.load_request(conn, request_id)
    return Completion(done, effect, files)
