from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fairfollow.accounts.account import Role
from fairfollow.actor import Actor
from fairfollow.errors import GovernanceError, RoleError
from fairfollow.law.packs import RULES, example_review
from fairfollow.law.rules import RuleConfig, evaluate
from fairfollow.services import approval
from fairfollow.services.approval import EventKind, State, WorkflowConfig, fold
from tests.actors import as_actor

AT = datetime(2026, 1, 1, tzinfo=UTC)
PO = frozenset({Role.PRIVACY_OFFICER})
REV = frozenset({Role.REVIEWER})
OWNER = as_actor("owner")


def _state(*events: approval.WorkflowEvent) -> approval.ServiceState:
    return fold("svc", "owner", OWNER, events)


def _in_committee() -> approval.ServiceState:
    s = _state(*approval.register(None, "svc", 1, OWNER, AT, ()))
    s = fold("svc", "owner", OWNER, [*s.history, *approval.submit(s, as_actor("owner"), AT)])
    allow = evaluate(RULES, example_review(), RuleConfig())
    s = fold("svc", "owner", OWNER, [*s.history, *approval.rules_checked(s, allow, AT)])
    assert s.state is State.PRIVACY_REVIEW
    return fold("svc", "owner", OWNER, [*s.history, *approval.sign_off(s, as_actor("po"), PO, AT)])


def test_happy_path_reaches_approved_with_quorum() -> None:
    s = _in_committee()
    assert s.state is State.COMMITTEE_REVIEW and s.privacy_officer == as_actor("po")
    config = WorkflowConfig(quorum=2)
    first = approval.approve(s, as_actor("r1"), REV, AT, config)
    assert [e.kind for e in first] == [EventKind.REVIEWER_APPROVED]
    s = fold("svc", "owner", OWNER, [*s.history, *first])
    second = approval.approve(s, as_actor("r2"), REV, AT, config)
    assert [e.kind for e in second] == [EventKind.REVIEWER_APPROVED, EventKind.APPROVED]
    s = fold("svc", "owner", OWNER, [*s.history, *second])
    assert (
        s.state is State.APPROVED and s.current and s.approvals == {as_actor("r1"), as_actor("r2")}
    )


def test_roles_are_enforced() -> None:
    s = _state(*approval.register(None, "svc", 1, OWNER, AT, ()))
    with pytest.raises(RoleError, match=r"services\.owner_submits"):
        approval.submit(s, as_actor("someone"), AT)
    c = _in_committee()
    with pytest.raises(RoleError, match=r"services\.own_service"):
        approval.approve(c, as_actor("owner"), REV, AT, WorkflowConfig())
    with pytest.raises(RoleError, match=r"services\.role_missing.*reviewer"):
        approval.approve(c, as_actor("r1"), PO, AT, WorkflowConfig())
    with pytest.raises(RoleError, match=r"services\.officer_not_approver"):
        approval.approve(c, as_actor("po"), REV | PO, AT, WorkflowConfig())
    first = approval.approve(c, as_actor("r1"), REV, AT, WorkflowConfig(quorum=3))
    c2 = fold("svc", "owner", OWNER, [*c.history, *first])
    with pytest.raises(GovernanceError, match=r"services\.already_approved"):
        approval.approve(c2, as_actor("r1"), REV, AT, WorkflowConfig(quorum=3))


def test_owner_cannot_sign_as_privacy_officer() -> None:
    s = _state(*approval.register(None, "svc", 1, OWNER, AT, ()))
    s = fold("svc", "owner", OWNER, [*s.history, *approval.submit(s, as_actor("owner"), AT)])
    allow = evaluate(RULES, example_review(), RuleConfig())
    s = fold("svc", "owner", OWNER, [*s.history, *approval.rules_checked(s, allow, AT)])
    with pytest.raises(RoleError, match=r"services\.owner_not_officer"):
        approval.sign_off(s, as_actor("owner"), PO, AT)
    with pytest.raises(RoleError):
        approval.sign_off(s, as_actor("r1"), REV, AT)


def test_any_veto_rejects_and_the_reason_stays() -> None:
    c = _in_committee()
    c = fold(
        "svc",
        "owner",
        OWNER,
        [*c.history, *approval.approve(c, as_actor("r1"), REV, AT, WorkflowConfig(quorum=3))],
    )
    with pytest.raises(GovernanceError, match=r"services\.veto_needs_reason"):
        approval.veto(c, as_actor("r2"), REV, AT, "  ")
    s = fold(
        "svc",
        "owner",
        OWNER,
        [*c.history, *approval.veto(c, as_actor("r2"), REV, AT, "students cannot refuse")],
    )
    assert s.state is State.REJECTED
    assert s.vetoes[0].reason == "students cannot refuse" and s.vetoes[0].actor == as_actor("r2")
    with pytest.raises(GovernanceError):
        approval.approve(s, as_actor("r3"), REV, AT, WorkflowConfig())


Q2 = WorkflowConfig(quorum=2)


def test_material_change_reopens_review_and_minor_change_keeps_approval() -> None:
    c = _in_committee()
    c = fold("svc", "owner", OWNER, [*c.history, *approval.approve(c, as_actor("r1"), REV, AT, Q2)])
    c = fold("svc", "owner", OWNER, [*c.history, *approval.approve(c, as_actor("r2"), REV, AT, Q2)])
    assert c.current
    minor = approval.register(c, "svc", 2, OWNER, AT, ())
    assert [e.kind for e in minor] == [EventKind.REGISTERED, EventKind.AMENDED]
    m = fold("svc", "owner", OWNER, [*c.history, *minor])
    assert m.current and m.approved_version == 2
    major = approval.register(m, "svc", 3, OWNER, AT, ("recipients",))
    assert [e.kind for e in major] == [EventKind.REGISTERED, EventKind.REVIEW_REOPENED]
    r = fold("svc", "owner", OWNER, [*m.history, *major])
    assert r.state is State.SUBMITTED and not r.current and r.approvals == frozenset()
    assert "recipients" in r.last_reason


def test_quorum_is_at_least_two() -> None:
    """Finding: one person set the quorum herself and approved her own service alone."""
    for quorum in (0, 1):
        with pytest.raises(GovernanceError, match=r"services\.quorum_too_small"):
            WorkflowConfig(quorum=quorum)


def test_reviewers_are_told_apart_by_account_and_owners_by_login_whatever_the_case() -> None:
    c = _in_committee()
    c = fold("svc", "owner", OWNER, [*c.history, *approval.approve(c, as_actor("r1"), REV, AT, Q2)])
    renamed = Actor(as_actor("r1").account_id, "r1-renamed")  # one account, a later login
    with pytest.raises(GovernanceError, match=r"services\.already_approved"):
        approval.approve(c, renamed, REV, AT, Q2)
    with pytest.raises(RoleError, match=r"services\.own_service"):
        approval.approve(c, as_actor("OWNER"), REV, AT, Q2)
