"""What completing each kind of request does, as a plan of named steps per kind.

The effect column of :data:`~fairfollow.rights.request.KINDS`, each a
:class:`~fairfollow.rights.plan.Plan` (:data:`PLANS`) whose steps are recorded on the request
as they finish, so a completion that stopped half-way resumes where it stopped:

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

from fairfollow.actor import Actor
from fairfollow.consent import policy_store, suppression_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.policy import Screen
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.errors import RightsError
from fairfollow.events.erasure import rewrite_members
from fairfollow.events.suppression import restrict_members
from fairfollow.ledger.transaction import Connection, transaction
from fairfollow.rights.desk import Completion, Desk, show_request
from fairfollow.rights.detail import CorrectionDetail, DisclosureDetail, WithdrawalDetail
from fairfollow.rights.disclosure import export_disclosure, export_provisions
from fairfollow.rights.erasure import ERASURE_PLAN
from fairfollow.rights.plan import Plan, Run, StepHook, effect_of, run_plan
from fairfollow.rights.request import RightKind

RIGHTS_SCREEN = Screen("rights_desk", "operator", "権利行使の受付窓口", "data-subject request desk")
METHOD = "rights_request"


def withdraw_in(
    conn: Connection, member_id: int, purposes: tuple[str, ...] | None, at: datetime
) -> list[str]:
    """Record, in ``conn``'s transaction, a withdrawal of ``purposes`` (all the member ever
    granted, if None); the purposes withdrawn."""
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


def withdraw_consents(
    desk: Desk, member_id: int, purposes: tuple[str, ...] | None, at: datetime
) -> list[str]:
    """:func:`withdraw_in` in a transaction of its own."""
    with transaction(desk.engine, "rights withdrawal") as conn:
        return withdraw_in(conn, member_id, purposes, at)


def _withdrawal(run: Run, conn: Connection) -> dict[str, object]:
    detail = run.request.detail
    purposes = detail.purposes if isinstance(detail, WithdrawalDetail) and detail.purposes else None
    done = withdraw_in(conn, run.member_id, purposes, run.at)
    return {"withdrawn": done, "citation": run.request.law.gdpr}


def _restrict(run: Run) -> dict[str, object]:
    restricted = 0
    if run.desk.workspace.duckdb_path.exists():
        restricted = restrict_members(
            run.desk.workspace,
            [run.member_id],
            now=run.at,
            batch_id=f"rights-{run.request.request_id}",
        )
    return {"restricted_in_store": bool(restricted)}


def _stop(run: Run, conn: Connection) -> dict[str, object]:
    withdrawn = withdraw_in(conn, run.member_id, None, run.at)
    key = run.desk.suppression_key
    suppression_store.suppress(conn, key, run.member_id, "stop", run.at, run.request.request_id)
    law = run.request.law
    return {
        "withdrawn": withdrawn,
        "suppressed_at_intake": True,
        "citation": f"{law.appi}; {law.gdpr}",
    }


def _correct(run: Run) -> dict[str, object]:
    detail = run.request.detail
    if not isinstance(detail, CorrectionDetail) or not detail.fields:
        raise RightsError("rights.correction_fields_missing", fields=[])
    fields = detail.values
    result = rewrite_members(
        run.desk.workspace, [], {run.member_id: fields}, settings=run.desk.settings, now=run.at
    )
    if result.rows_corrected == 0:
        raise RightsError("rights.member_not_in_store", member=run.member_id)
    return {
        "fields": sorted(fields),
        "rows_corrected": result.rows_corrected,
        "files_rewritten": result.files_rewritten,
        "propagates_to": "the next feature build",
    }


def _recorded(run: Run, conn: Connection) -> dict[str, object]:
    """The ledger step of a kind whose work is all outside the ledger: the done record."""
    law = run.request.law
    return {"citation": f"{law.appi}; {law.gdpr}"}


def _disclosure(run: Run) -> dict[str, object]:
    detail = run.request.detail
    raw = isinstance(detail, DisclosureDetail) and detail.raw_events
    files = export_disclosure(
        run.desk, run.member_id, at=run.at, raw_events=raw, request_id=run.request.request_id
    )
    return {"files": [p.name for p in files], "raw_events": raw}


def _provisions(run: Run) -> dict[str, object]:
    files = export_provisions(run.desk, run.member_id, at=run.at, request_id=run.request.request_id)
    return {"files": [p.name for p in files]}


PLANS: Mapping[RightKind, Plan] = {
    RightKind.DISCLOSURE: Plan((("export", _disclosure),), ("ledger", _recorded)),
    RightKind.PROVISION_RECORDS: Plan((("export", _provisions),), ("ledger", _recorded)),
    RightKind.CORRECTION: Plan((("store", _correct),), ("ledger", _recorded)),
    RightKind.WITHDRAWAL: Plan((), ("ledger", _withdrawal)),
    RightKind.STOP: Plan((("store", _restrict),), ("ledger", _stop)),
    RightKind.ERASURE: ERASURE_PLAN,
}


def complete_request(
    desk: Desk,
    request_id: int,
    *,
    actor: Actor,
    at: datetime,
    on_step: StepHook | None = None,
) -> Completion:
    """Run the request's plan (see :data:`PLANS`) from its first unrecorded step, and
    record it done; an export is written to the workspace's one exports folder."""
    kind = show_request(desk, request_id).kind
    done = run_plan(PLANS[kind], desk, request_id, actor=actor, at=at, on_step=on_step)
    folder = desk.workspace.request_export(request_id)
    files = tuple(sorted(folder.iterdir())) if folder.is_dir() else ()
    return Completion(done, effect_of(done), files)
