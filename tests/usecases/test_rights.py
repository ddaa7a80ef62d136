"""The rights use cases: each checks the caller first; the queue keeps closed requests with
their history and filters by kind, due date and state; preview and certificate."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from fairfollow.accounts.account import Principal, Role
from fairfollow.errors import RightsError, RoleError
from fairfollow.rights.detail import correction_of
from fairfollow.rights.request import LegalBasis, RightKind, Status
from fairfollow.usecases import rights
from fairfollow.usecases.rights import DueFilter, QueueAsk, StateFilter
from tests.rights.world import AT, LATER, World, make_world

OFFICER = Principal("acc-0123456789abcdef", "po", frozenset({Role.PRIVACY_OFFICER}))
ANALYST = Principal("acc-24d4b96f58da6d4a", "ana", frozenset({Role.ANALYST}))


def member(world: World, index: int) -> Principal:
    return Principal(f"acc-{index:016x}", f"m{index}", frozenset(), member_id=world.members[index])


@pytest.fixture
def world(
    tmp_path: Path, ledger_url: str, simulated_season: Callable[..., Path]
) -> Iterator[World]:
    made = make_world(tmp_path, ledger_url, simulated_season(students=400, seed=3))
    yield made
    made.engine.dispose()


def test_each_use_case_checks_the_caller(world: World) -> None:
    me = member(world, 0)
    mine = rights.file_own(me, world.desk, RightKind.DISCLOSURE, AT, session="test")
    assert mine.status is Status.VERIFIED
    for call in (
        lambda: rights.complete(me, world.desk, mine.request_id, LATER),
        lambda: rights.queue(ANALYST, world.desk, LATER),
        lambda: rights.preview_request(me, world.desk, mine.request_id),
        lambda: rights.file_own(OFFICER, world.desk, RightKind.STOP, AT, session="test"),
        lambda: rights.show(member(world, 1), world.desk, mine.request_id),
    ):
        with pytest.raises(RoleError):
            call()
    assert rights.show(me, world.desk, mine.request_id).request.request_id == mine.request_id


def test_the_queue_keeps_closed_requests_and_filters(world: World) -> None:
    erase = rights.file(
        OFFICER, world.desk, RightKind.ERASURE, world.members[2], AT, evidence="passport"
    )
    late = rights.file(
        OFFICER, world.desk, RightKind.STOP, world.members[3], AT - timedelta(days=30),
        evidence="passport",
    )  # fmt: skip
    fix = rights.file(
        OFFICER, world.desk, RightKind.CORRECTION, world.members[4], AT, evidence="passport",
        basis=LegalBasis.GDPR, detail=correction_of({"email": "new@example.jp"}),
    )  # fmt: skip
    rights.refuse(OFFICER, world.desk, fix.request_id, "identity not confirmed", LATER)
    now = AT + timedelta(days=1)
    every = rights.queue(OFFICER, world.desk, now)
    order = [i.view.request.request_id for i in every]
    assert order == [late.request_id, erase.request_id, fix.request_id]  # open, then closed
    assert every[0].overdue and every[0].days_left < 0 and not every[1].overdue
    closed = rights.queue(OFFICER, world.desk, now, QueueAsk(state=StateFilter.CLOSED))
    assert [i.view.request.request_id for i in closed] == [fix.request_id]
    assert [a.action for a in closed[0].view.request.actions][-1] == "refused"
    overdue = rights.queue(OFFICER, world.desk, now, QueueAsk(due=DueFilter.OVERDUE))
    assert [i.view.request.request_id for i in overdue] == [late.request_id]
    erasures = rights.queue(OFFICER, world.desk, now, QueueAsk(kind=RightKind.ERASURE))
    assert [i.view.request.request_id for i in erasures] == [erase.request_id]


def test_preview_confirmation_and_certificate_of_an_erasure(world: World) -> None:
    person = world.consenting[0]
    world.release()
    filed = rights.file(OFFICER, world.desk, RightKind.ERASURE, person, AT, evidence="passport")
    preview = rights.preview_request(OFFICER, world.desk, filed.request_id)
    assert preview.steps[0] == "store" and preview.steps[-1] == "compaction"
    assert {h.key for h in preview.affected} >= {"profile", "events", "consent_decisions"}
    assert "provisions" not in {h.key for h in preview.affected}  # kept, not erased
    (kept,) = preview.kept
    assert kept.retain_until > kept.provided_at
    with pytest.raises(RightsError) as unconfirmed:
        rights.ready_to_complete(OFFICER, world.desk, filed.request_id, confirmed=False)
    assert unconfirmed.value.code == "rights.confirmation_needed"
    rights.ready_to_complete(OFFICER, world.desk, filed.request_id, confirmed=True)
    seen: list[str] = []
    rights.complete(OFFICER, world.desk, filed.request_id, LATER, on_step=seen.append)
    assert tuple(seen) == preview.steps
    certificate = rights.certificate_of(OFFICER, world.desk, filed.request_id)
    assert certificate.complete and certificate.log_leaf is not None
    assert [s.name for s in certificate.steps] == list(preview.steps)
    assert certificate.counts["ledger.member_secrets_shredded"] == 1
    assert certificate.kept[0]["provision_id"] == kept.provision_id
    assert '"member_id"' not in json.dumps(certificate.as_json())  # no person in it
    with pytest.raises(RightsError) as closed:
        rights.ready_to_complete(OFFICER, world.desk, filed.request_id, confirmed=True)
    assert closed.value.code == "rights.request_closed"
