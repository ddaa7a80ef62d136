"""Data services and their review: register, submit, sign off, approve, veto, show, queue.

Each use case checks its action against the one action table before the workflow runs, so
the command line and the review console refuse the same callers with the same code.
"""

from __future__ import annotations

from datetime import datetime

from fairfollow.accounts.account import Principal, same_person
from fairfollow.accounts.actions import Action, require
from fairfollow.ledger.transaction import Engine
from fairfollow.services import docket
from fairfollow.services import workflow as wf
from fairfollow.services.approval import ServiceState
from fairfollow.services.registry import ServiceSpec


def register(
    principal: Principal | None, engine: Engine, spec: ServiceSpec, now: datetime
) -> wf.Registration:
    """The product owner registers a declaration as a new version of its service."""
    me = require(principal, Action.SERVICE_REGISTER)
    return wf.register_service(engine, spec, actor=me, now=now)


def submit(
    principal: Principal | None, engine: Engine, service_id: str, now: datetime
) -> wf.Submission:
    """The product owner submits the latest version; the rule engine decides at once."""
    me = require(principal, Action.SERVICE_SUBMIT)
    return wf.submit_service(engine, service_id, actor=me, now=now)


def sign_off(
    principal: Principal | None,
    engine: Engine,
    service_id: str,
    now: datetime,
    *,
    reject: str | None = None,
) -> ServiceState:
    """The privacy officer signs the service off, or rejects it with ``reject``."""
    me = require(principal, Action.SERVICE_SIGN_OFF)
    return wf.sign_off_service(engine, service_id, actor=me, now=now, reject=reject)


def approve(
    principal: Principal | None, engine: Engine, service_id: str, now: datetime
) -> ServiceState:
    """A committee reviewer approves (approved once the quorum is reached)."""
    me = require(principal, Action.SERVICE_APPROVE)
    return wf.approve_service(engine, service_id, actor=me, now=now)


def veto(
    principal: Principal | None, engine: Engine, service_id: str, reason: str, now: datetime
) -> ServiceState:
    """A committee reviewer's veto rejects the service."""
    me = require(principal, Action.SERVICE_VETO)
    return wf.veto_service(engine, service_id, actor=me, reason=reason, now=now)


def show(principal: Principal | None, engine: Engine, service_id: str) -> docket.ServiceCase:
    """One service's case: declaration, state, verdict, history (staff and the auditor)."""
    require(principal, Action.SERVICE_SHOW)
    return docket.service_case(engine, service_id)


def view(principal: Principal | None, engine: Engine, service_id: str) -> wf.ServiceView:
    """One service's declaration and state, as the command line prints it."""
    require(principal, Action.SERVICE_SHOW)
    return wf.show_service(engine, service_id)


def queue(principal: Principal | None, engine: Engine) -> list[docket.ServiceCase]:
    """Every service's case, for the reviewers and the privacy officer."""
    require(principal, Action.REVIEW_QUEUE)
    return docket.docket(engine)


def cases(principal: Principal | None, engine: Engine) -> list[docket.ServiceCase]:
    """Every service's case, for any staff member or the auditor (the API's listing)."""
    require(principal, Action.SERVICE_SHOW)
    return docket.docket(engine)


def approve_case(
    principal: Principal | None, engine: Engine, service_id: str, now: datetime
) -> docket.ServiceCase:
    """Approve, and the service's case as it stands after (the API's answer)."""
    approve(principal, engine, service_id, now)
    return docket.service_case(engine, service_id)


def veto_case(
    principal: Principal | None, engine: Engine, service_id: str, reason: str, now: datetime
) -> docket.ServiceCase:
    """Veto, and the service's case as it stands after (the API's answer)."""
    veto(principal, engine, service_id, reason, now)
    return docket.service_case(engine, service_id)


def owned(principal: Principal | None, engine: Engine) -> list[docket.ServiceCase]:
    """The cases of the services the product owner owns or registered (their web page)."""
    me = require(principal, Action.SERVICE_REGISTER)
    return [
        case
        for case in docket.docket(engine)
        if same_person(me.login, case.state.owner)
        or case.state.registered_by.account_id == me.account_id
    ]
