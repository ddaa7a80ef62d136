"""The validity rule's reference implementation on the edge cases the issue names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fairfollow.consent.policy import Deployment, PolicyVersion
from fairfollow.consent.validity import (
    REASON_INFO,
    ConsentAction,
    ConsentEvent,
    Reason,
    evaluate,
    latest_material_change,
)
from fairfollow.errors import InputError
from tests.consent_season import AS_OF, DEPLOYMENTS, EVENTS, EXPECTED, FORECAST, V2_AT, VERSIONS, at

VERSION_MAP = {v.version_id: v for v in VERSIONS}


def verdict(member: int, events: tuple[ConsentEvent, ...] = EVENTS, when: datetime = AS_OF):
    return evaluate(member, FORECAST, when, events, DEPLOYMENTS, VERSION_MAP)


@pytest.mark.parametrize(("member", "reason"), sorted(EXPECTED.items()))
def test_the_tiny_history_gives_each_expected_reason(member: int, reason: str) -> None:
    assert verdict(member).reason.value == reason


def test_grant_on_a_stale_screen_names_the_screen_and_the_version_it_really_showed() -> None:
    result = verdict(2)
    assert not result.valid
    assert (result.screen_id, result.version_shown, result.event_id) == ("entry_form", "v1", 2)


def test_grant_then_withdrawal_is_valid_in_between_and_withdrawn_after() -> None:
    assert verdict(3, when=at(7)).valid
    assert verdict(3, when=at(9)).reason is Reason.WITHDRAWN  # "at or before t" includes t
    assert verdict(3, when=at(9) - timedelta(microseconds=1)).valid


def test_consent_before_it_was_given_is_never_asked() -> None:
    assert verdict(1, when=at(2)).reason is Reason.NEVER_ASKED


def test_a_deployment_at_t_applies_to_an_event_at_t() -> None:
    assert verdict(6).valid  # granted at V2_AT exactly, on a screen switched to v2 at V2_AT
    before = (
        ConsentEvent(
            9,
            6,
            FORECAST,
            ConsentAction.GRANT,
            "pc_registration",
            "v2",
            V2_AT - timedelta(seconds=1),
            "checkbox",
        ),
    )
    assert verdict(6, before).reason is Reason.STALE_SCREEN_VERSION


def test_time_zones_compare_as_instants() -> None:
    jst_grant = EVENTS[0]
    utc_grant = ConsentEvent(
        1,
        1,
        FORECAST,
        ConsentAction.GRANT,
        "pc_registration",
        "v2",
        jst_grant.occurred_at.astimezone(UTC),
        "checkbox",
    )
    assert jst_grant.occurred_at.tzinfo is UTC  # stored in UTC
    assert utc_grant == jst_grant
    # 2019-03-04T00:00+09:00 is 2019-03-03T15:00Z: the same instant, whichever is written.
    new_york = timezone(timedelta(hours=-5))
    assert verdict(1, when=at(3).astimezone(new_york)).valid
    assert verdict(1, when=at(3).astimezone(UTC) - timedelta(seconds=1)).reason is (
        Reason.NEVER_ASKED
    )


def test_naive_times_are_refused() -> None:
    with pytest.raises(InputError):
        verdict(1, when=datetime(2019, 7, 15))


def test_same_instant_decisions_are_ordered_by_event_id() -> None:
    moment = at(20)
    events = (
        ConsentEvent(30, 1, FORECAST, ConsentAction.WITHDRAW, "settings_page", "v2", moment, "t"),
        ConsentEvent(31, 1, FORECAST, ConsentAction.GRANT, "settings_page", "v2", moment, "t"),
    )
    assert verdict(1, events).valid
    swapped = (
        ConsentEvent(31, 1, FORECAST, ConsentAction.WITHDRAW, "settings_page", "v2", moment, "t"),
        ConsentEvent(30, 1, FORECAST, ConsentAction.GRANT, "settings_page", "v2", moment, "t"),
    )
    assert verdict(1, swapped).reason is Reason.WITHDRAWN


def test_re_consent_after_a_material_change() -> None:
    v3 = PolicyVersion(
        "v3",
        at(30),
        frozenset({FORECAST, "platform_service"}),
        "第3版",
        "Version 3",
        frozenset({FORECAST}),
    )
    versions = {**VERSION_MAP, "v3": v3}
    deployments = (*DEPLOYMENTS, Deployment(6, "pc_registration", "v3", at(30)))
    regrant = ConsentEvent(
        40, 1, FORECAST, ConsentAction.GRANT, "pc_registration", "v3", at(31), "reconsent"
    )
    before, after = at(29), at(30)
    assert evaluate(1, FORECAST, before, EVENTS, deployments, versions).valid
    stale = evaluate(1, FORECAST, after, EVENTS, deployments, versions)
    assert stale.reason is Reason.NEEDS_RECONSENT
    fresh = evaluate(1, FORECAST, at(31), (*EVENTS, regrant), deployments, versions)
    assert fresh.valid
    # Re-consent on a screen still showing v2 (covers the purpose, but the old text) is not
    # fresh consent.
    lagging = ConsentEvent(
        41, 1, FORECAST, ConsentAction.GRANT, "settings_page", "v2", at(31), "reconsent"
    )
    late = evaluate(1, FORECAST, at(32), (*EVENTS, lagging), deployments, versions)
    assert late.reason is Reason.NEEDS_RECONSENT
    assert latest_material_change(versions.values(), FORECAST, at(32)) == at(30)


def test_every_reason_is_documented_with_a_citation() -> None:
    for reason in Reason:
        info = REASON_INFO[reason]
        assert info.label_en and info.label_ja and info.citation.startswith("APPI")
