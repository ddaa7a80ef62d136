from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from fairfollow.accounts import authority
from fairfollow.accounts.account import Principal, Role, actor_of
from fairfollow.errors import GovernanceError, RoleError
from fairfollow.law.rules import Outcome
from fairfollow.ledger.engine import open_ledger
from fairfollow.records import decision_store
from fairfollow.services import workflow as wf
from fairfollow.services.approval import EventKind, State
from fairfollow.services.examples import dmp_follow_2019, yield_forecast
from fairfollow.services.registry import ServiceSpec, validate_spec
from tests.governance_fixtures import staff

NOW = datetime(2026, 4, 1, tzinfo=UTC)


PEOPLE: dict[str, Principal] = {}


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    roles = {
        "po": Role.PRIVACY_OFFICER,
        "r1": Role.REVIEWER,
        "r2": Role.REVIEWER,
        "r3": Role.REVIEWER,
        "owner": Role.REVIEWER,
    }
    PEOPLE.clear()
    PEOPLE.update(staff(engine, roles, NOW))
    yield engine
    engine.dispose()


def P(login: str) -> Principal:
    """The principal of one of the fixture's accounts."""
    return PEOPLE[login]


def _approved(engine: Engine) -> None:
    wf.register_service(engine, yield_forecast(["E0001"], owner="owner"), actor=P("owner"), now=NOW)
    submission = wf.submit_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    assert submission.decision.outcome is Outcome.ALLOW
    assert submission.state.state is State.PRIVACY_REVIEW
    wf.sign_off_service(engine, "yield-forecast", actor=P("po"), now=NOW)
    wf.approve_service(engine, "yield-forecast", actor=P("r1"), now=NOW)
    state = wf.approve_service(engine, "yield-forecast", actor=P("r2"), now=NOW)
    assert state.state is State.APPROVED and state.current


def test_full_workflow_is_recorded_as_typed_events(engine: Engine) -> None:
    _approved(engine)
    view = wf.show_service(engine, "yield-forecast")
    kinds = [e.kind for e in view.state.history]
    assert kinds == [
        EventKind.REGISTERED,
        EventKind.SUBMITTED,
        EventKind.RULES_ALLOWED,
        EventKind.PRIVACY_SIGNED_OFF,
        EventKind.REVIEWER_APPROVED,
        EventKind.REVIEWER_APPROVED,
        EventKind.APPROVED,
    ]
    assert all(e.actor and e.at == NOW and e.event_id > 0 for e in view.state.history)
    assert view.as_json()["state"] == "approved"
    with engine.connect() as conn:
        reviews = decision_store.load_decisions(conn, request=wf.SERVICE_REVIEW)
    assert [d.outcome for d in reviews] == ["allow"]


def test_2019_service_is_denied_on_submission_with_esa_and_appi_citations(engine: Engine) -> None:
    wf.register_service(engine, dmp_follow_2019(owner="owner"), actor=P("owner"), now=NOW)
    submission = wf.submit_service(engine, "dmp-follow-2019", actor=P("owner"), now=NOW)
    assert submission.decision.outcome is Outcome.DENY
    assert submission.state.state is State.REJECTED
    cited = " ".join(submission.decision.citations)
    assert "ESA Art. 5-5, 51" in cited and "APPI Art. 31(1)" in cited
    assert "APPI Art. 27(5(i))" not in cited  # paragraph rendering sanity
    history = wf.show_service(engine, "dmp-follow-2019").state.history
    assert history[-1].kind is EventKind.RULES_DENIED and history[-1].citations


def test_veto_rejects_with_reason_visible(engine: Engine) -> None:
    wf.register_service(engine, yield_forecast(["E0001"], owner="owner"), actor=P("owner"), now=NOW)
    wf.submit_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    wf.sign_off_service(engine, "yield-forecast", actor=P("po"), now=NOW)
    wf.approve_service(engine, "yield-forecast", actor=P("r1"), now=NOW)
    state = wf.veto_service(
        engine, "yield-forecast", actor=P("r3"), reason="pools too small", now=NOW
    )
    assert state.state is State.REJECTED
    shown = wf.show_service(engine, "yield-forecast").as_json()
    assert shown["vetoes"] == [
        {
            "actor": str(actor_of(P("r3"))),
            "reason": "pools too small",
            "at": NOW.isoformat(),
            "version": 1,
        }
    ]


def test_roles_enforced_against_the_ledger(engine: Engine) -> None:
    wf.register_service(engine, yield_forecast(["E0001"], owner="owner"), actor=P("owner"), now=NOW)
    wf.submit_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    with pytest.raises(RoleError):
        wf.sign_off_service(engine, "yield-forecast", actor=P("r1"), now=NOW)
    wf.sign_off_service(engine, "yield-forecast", actor=P("po"), now=NOW)
    with pytest.raises(RoleError, match=r"services\.own_service"):
        wf.approve_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    authority.change_role(engine, P("admin"), "r1", Role.REVIEWER, grant=False, now=NOW)
    with pytest.raises(RoleError):  # the revocation counts at once, whatever the principal says
        wf.approve_service(engine, "yield-forecast", actor=P("r1"), now=NOW)


def test_privacy_officer_cannot_sign_off_a_service_they_own(engine: Engine) -> None:
    wf.register_service(engine, yield_forecast(["E0001"], owner="PO"), actor=P("po"), now=NOW)
    wf.submit_service(engine, "yield-forecast", actor=P("po"), now=NOW)
    with pytest.raises(RoleError, match=r"services\.owner_not_officer"):
        wf.sign_off_service(engine, "yield-forecast", actor=P("po"), now=NOW)


def test_owner_named_in_another_case_is_still_the_owner(engine: Engine) -> None:
    """Review finding: refused as ``hanako`` but accepted as ``Hanako``. Logins are
    case-folded, so the owner's account stays the owner under any spelling."""
    wf.register_service(engine, yield_forecast(["E0001"], owner="OWNER"), actor=P("r3"), now=NOW)
    wf.submit_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    wf.sign_off_service(engine, "yield-forecast", actor=P("po"), now=NOW)
    with pytest.raises(RoleError, match=r"services\.own_service"):
        wf.approve_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    with pytest.raises(RoleError, match=r"services\.own_service"):  # r3 registered it
        wf.approve_service(engine, "yield-forecast", actor=P("r3"), now=NOW)


def test_material_change_sends_an_approved_service_back_to_review(engine: Engine) -> None:
    _approved(engine)
    minor = wf.register_service(
        engine,
        yield_forecast(["E0001"], owner="owner", retention_days=200),
        actor=P("owner"),
        now=NOW,
    )
    assert minor.material == () and minor.state.current and minor.version == 2
    same = wf.register_service(
        engine,
        yield_forecast(["E0001"], owner="owner", retention_days=200),
        actor=P("owner"),
        now=NOW,
    )
    assert same.unchanged and same.version == 2
    major = wf.register_service(
        engine, yield_forecast(["E0001", "E0009"], owner="owner"), actor=P("owner"), now=NOW
    )
    # the retention goes back from 200 to 365 days as well: longer, so material (issue 27)
    assert major.material == ("recipients", "retention_days")
    assert major.state.state is State.PRIVACY_REVIEW and not major.state.current
    kinds = [e.kind for e in major.state.history[-3:]]
    assert kinds == [EventKind.REGISTERED, EventKind.REVIEW_REOPENED, EventKind.RULES_ALLOWED]


def test_quorum_is_configurable_by_the_administrator_and_at_least_two(engine: Engine) -> None:
    with pytest.raises(GovernanceError, match=r"accounts\.quorum_too_small"):
        wf.set_quorum(engine, P("admin"), 1, NOW)
    with pytest.raises(RoleError, match="administrator"):
        wf.set_quorum(engine, P("po"), 3, NOW)
    wf.set_quorum(engine, P("admin"), 3, NOW)
    wf.register_service(engine, yield_forecast(["E0001"], owner="owner"), actor=P("owner"), now=NOW)
    wf.submit_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    wf.sign_off_service(engine, "yield-forecast", actor=P("po"), now=NOW)
    wf.approve_service(engine, "yield-forecast", actor=P("r1"), now=NOW)
    assert not wf.approve_service(engine, "yield-forecast", actor=P("r2"), now=NOW).current
    assert wf.approve_service(engine, "yield-forecast", actor=P("r3"), now=NOW).current


def test_unknown_service_and_wrong_state(engine: Engine) -> None:
    with pytest.raises(GovernanceError, match=r"services\.service_unknown"):
        wf.submit_service(engine, "nope", actor=P("owner"), now=NOW)
    wf.register_service(engine, yield_forecast(["E0001"], owner="owner"), actor=P("owner"), now=NOW)
    with pytest.raises(GovernanceError, match=r"services\.wrong_state.*draft"):
        wf.approve_service(engine, "yield-forecast", actor=P("r1"), now=NOW)


def _with_purpose(**purpose: str) -> ServiceSpec:
    data = yield_forecast(["E0001"], owner="owner").model_dump(mode="json")
    data["purposes"] = [{**data["purposes"][0], **purpose}]
    return validate_spec(data)


@pytest.mark.parametrize(
    ("purpose", "code"),
    [
        ("statistics", "services.purpose_not_for_recipient"),
        ("hiring_insights", "services.purpose_unregistered"),
    ],
)
def test_a_purpose_not_stated_for_employers_is_refused_at_registration(
    engine: Engine, purpose: str, code: str
) -> None:
    # Issue 27: a service naming `statistics` (stated for the platform) as the purpose of an
    # employer forecast passed review. Fails on aa80ea0 (the registration was stored).
    spec = _with_purpose(key=purpose)
    with pytest.raises(GovernanceError) as refused:
        wf.register_service(engine, spec, actor=P("owner"), now=NOW)
    assert refused.value.code == code and refused.value.params["purpose"] == purpose
    assert [str(c) for c in refused.value.params["citations"]] == [  # type: ignore[attr-defined]
        "APPI Art. 18(1)",
        "APPI Art. 27(1)",
    ]
    with pytest.raises(GovernanceError):  # nothing was stored
        wf.show_service(engine, "yield-forecast")
    with engine.connect() as conn:
        (decision,) = decision_store.load_decisions(conn, request=wf.SERVICE_REGISTRATION)
    assert decision.outcome == "deny" and decision.decision_id == refused.value.params[
        "decision_id"]  # fmt: skip
    assert "jp.purpose_binds_recipient" in decision.rules and "APPI Art. 27(1)" in decision.rules


def test_a_platform_purpose_stated_as_such_is_registered(engine: Engine) -> None:
    spec = _with_purpose(key="statistics", recipient_class="platform")
    registered = wf.register_service(engine, spec, actor=P("owner"), now=NOW)
    assert registered.version == 1
    # …and denied in review: an employer service with no purpose stated for employers
    submission = wf.submit_service(engine, "yield-forecast", actor=P("owner"), now=NOW)
    assert submission.state.state is State.REJECTED
    assert "jp.purpose_binds_recipient" in submission.decision.as_json()["denied_by"]  # type: ignore[operator]


def test_switching_packs_off_and_answering_no_lapses_the_approval(engine: Engine) -> None:
    # Issue 27: amending an approved service with packs=[] and every DPIA answer "no" was
    # not material; the approval stayed. Fails on aa80ea0 (the amendment was approved).
    _approved(engine)
    data = yield_forecast(["E0001"], owner="owner").model_dump(mode="json")
    data["packs"] = []
    data["dpia"]["answers"] = {q: False for q in data["dpia"]["answers"]}
    amended = wf.register_service(engine, validate_spec(data), actor=P("owner"), now=NOW)
    assert amended.material == ("packs", "dpia.answers")
    assert not amended.state.current and amended.state.state is not State.APPROVED
    kinds = [e.kind for e in amended.state.history if e.version == amended.version]
    assert EventKind.REVIEW_REOPENED in kinds and EventKind.AMENDED not in kinds
