"""Every rights effect as a plan of named steps, each recorded on the request when done.

A :class:`Plan` is a list of steps that work outside the ledger (the analytics store, the
training sets, the exports folder), each recorded as an action ``step:<name>`` on the
request once it is done, then **the ledger step**, which runs in the same transaction as
the ``<kind>_done`` action, then the steps that need no member any more (the ledger's
compaction), recorded on the done request. A completion that stops anywhere — an error, a
killed process — is resumed by running it again: the recorded steps are skipped, the
first unrecorded one runs again (every step may run twice: each rewrites whole files
atomically or checks before it writes). What a step needs (the member id) stays on the
request until the ledger step clears it in the transaction that records the request done,
so a retry never finds a request half done whose member is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fairfollow.actor import Actor
from fairfollow.errors import RightsError
from fairfollow.ledger.transaction import Connection, reading, transaction
from fairfollow.rights import store
from fairfollow.rights.desk import Desk
from fairfollow.rights.request import RightsRequest, Status

STEP_PREFIX = "step:"


@dataclass(frozen=True)
class Run:
    """What a step works on: the request, its member (None once the ledger step ran)."""

    desk: Desk
    request: RightsRequest
    member: int | None
    at: datetime
    actor: Actor

    @property
    def member_id(self) -> int:
        if self.member is None:  # a step before the ledger step always has the member
            raise RightsError("rights.member_erased", request=self.request.request_id)
        return self.member


Outside = Callable[[Run], Mapping[str, object]]
InLedger = Callable[[Run, Connection], Mapping[str, object]]
StepHook = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """The named steps of one kind's effect, in order (see the module docstring)."""

    before: tuple[tuple[str, Outside], ...]
    ledger: tuple[str, InLedger]
    after: tuple[tuple[str, Outside], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (
            *(n for n, _ in self.before),
            self.ledger[0],
            *(n for n, _ in self.after),
        )


def step_action(name: str) -> str:
    return f"{STEP_PREFIX}{name}"


def done_action(request: RightsRequest) -> str:
    return f"{request.kind.value}_done"


def recorded_steps(request: RightsRequest) -> dict[str, Mapping[str, object]]:
    """The steps recorded on the request, with what each did (the ledger step is the
    ``<kind>_done`` action)."""
    found: dict[str, Mapping[str, object]] = {}
    for action in request.actions:
        if action.action.startswith(STEP_PREFIX):
            found[action.action.removeprefix(STEP_PREFIX)] = action.detail
        elif action.action == done_action(request):
            found[str(action.detail.get("step", "ledger"))] = action.detail
    return found


@dataclass(frozen=True)
class Progress:
    """How far a request's plan went: the steps done and those still to run."""

    done: tuple[str, ...]
    pending: tuple[str, ...]

    @property
    def started(self) -> bool:
        return bool(self.done)


def progress_of(plan: Plan, request: RightsRequest) -> Progress:
    recorded = recorded_steps(request)
    return Progress(
        tuple(n for n in plan.names if n in recorded),
        tuple(n for n in plan.names if n not in recorded),
    )


def _load(desk: Desk, request_id: int) -> tuple[RightsRequest, int | None]:
    with reading(desk.engine, "rights complete") as conn:
        return store.load_request(conn, request_id), store.member_of(conn, request_id)


def _record(run: Run, status: Status, name: str, detail: Mapping[str, object]) -> None:
    with transaction(run.desk.engine, f"rights step {name}") as conn:
        store.add_action(
            conn, run.request.request_id, status, step_action(name), run.actor, run.at, detail
        )


def check_runnable(plan: Plan, request: RightsRequest, member: int | None) -> None:
    """Refuse to run a request that is not verified, or closed with every step done."""
    recorded = recorded_steps(request)
    request_id = request.request_id
    if request.status is Status.DONE and all(n in recorded for n in plan.names):
        raise RightsError("rights.request_closed", request=request_id, status=request.status)
    if request.status is not Status.DONE:
        if request.status is not Status.VERIFIED or request.identity is None:
            raise RightsError(
                "rights.request_not_verified", request=request_id, status=request.status
            )
        if member is None:
            raise RightsError("rights.member_erased", request=request_id)


def run_plan(
    plan: Plan,
    desk: Desk,
    request_id: int,
    *,
    actor: Actor,
    at: datetime,
    on_step: StepHook | None = None,
) -> RightsRequest:
    """Run the steps of ``plan`` not yet recorded on the request; the request after it.

    ``on_step`` is called with each step's name once it is recorded (the progress page,
    and the crash test, which kills the process there)."""
    request, member = _load(desk, request_id)
    check_runnable(plan, request, member)
    recorded = recorded_steps(request)
    if request.status is not Status.DONE:
        run = Run(desk, request, member, at, actor)
        for name, outside in plan.before:
            if name in recorded:
                continue
            _record(run, Status.VERIFIED, name, outside(run))
            if on_step is not None:
                on_step(name)
        name, in_ledger = plan.ledger
        with transaction(desk.engine, f"rights {request.kind.value} done") as conn:
            detail = {**in_ledger(run, conn), "step": name}
            store.add_action(conn, request_id, Status.DONE, done_action(request), actor, at, detail)
        if on_step is not None:
            on_step(name)
    run = Run(desk, request, None, at, actor)
    for name, outside in plan.after:
        if name in recorded:
            continue
        _record(run, Status.DONE, name, outside(run))
        if on_step is not None:
            on_step(name)
    with reading(desk.engine, "rights done") as conn:
        return store.load_request(conn, request_id)


def effect_of(request: RightsRequest) -> dict[str, object]:
    """What the request's completion did: every recorded step's detail, merged in order."""
    merged: dict[str, object] = {}
    for detail in recorded_steps(request).values():
        merged.update({k: v for k, v in detail.items() if k != "step"})
    return merged
