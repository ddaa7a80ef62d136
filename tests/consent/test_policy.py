"""Purposes, versions, deployments and the activation gate as pure values."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fairfollow.consent.policy import (
    DPV_PURPOSE_TERMS,
    ActivationOutcome,
    Deployment,
    GateReason,
    PolicyStatus,
    PolicyVersion,
    check_activation,
    check_transition,
    displayed_version,
    displayed_versions,
)
from fairfollow.errors import InputError
from tests.actors import as_actor
from tests.consent_season import DEPLOYMENTS, PURPOSES, V1_AT, V2_AT, VERSIONS, at


def test_purposes_need_foreseeable_output_recipients_and_an_apt_dpv_term() -> None:
    forecast = PURPOSES[1]
    assert forecast.dpv_term in DPV_PURPOSE_TERMS
    with pytest.raises(InputError, match=r"consent\.purpose_dpv_unknown"):
        replace(forecast, dpv_term="dpv:EnforceAccessControl")  # security, not a forecast
    with pytest.raises(InputError, match=r"consent\.purpose_field_empty \(field='output'"):
        replace(forecast, output=" ")
    with pytest.raises(InputError, match=r"consent\.purpose_field_empty \(field='recipient_class'"):
        replace(forecast, recipient_class="")
    with pytest.raises(InputError, match=r"consent\.purpose_key_unstable"):
        replace(forecast, key="Employer Forecast")


def test_versions_store_utc_and_material_changes_must_be_covered() -> None:
    assert VERSIONS[1].effective_at.utcoffset() == timedelta(0)
    assert VERSIONS[1].effective_at == V2_AT
    with pytest.raises(InputError, match=r"consent\.material_change_uncovered"):
        PolicyVersion("v9", V2_AT, frozenset({"a_b"}), "ja", "en", frozenset({"c_d"}))


def test_a_deployment_applies_from_its_own_instant() -> None:
    assert displayed_version(DEPLOYMENTS, "pc_registration", V2_AT) == "v2"
    assert displayed_version(DEPLOYMENTS, "pc_registration", V2_AT - timedelta(seconds=1)) == "v1"
    assert displayed_version(DEPLOYMENTS, "entry_form", at(100)) == "v1"
    assert displayed_version(DEPLOYMENTS, "pc_registration", V1_AT - timedelta(days=1)) is None


def test_same_instant_deployments_resolve_by_deploy_id_and_take_down_shows_nothing() -> None:
    deps = (
        Deployment(8, "s", "v2", V2_AT),
        Deployment(7, "s", "v1", V2_AT),
        Deployment(9, "t", "v1", V1_AT),
        Deployment(10, "t", None, V2_AT),
    )
    assert displayed_versions(deps, V2_AT) == {"s": "v2", "t": None}


def test_transitions_follow_draft_approved_active_retired() -> None:
    assert check_transition(None, PolicyStatus.DRAFT) is None
    assert check_transition(PolicyStatus.DRAFT, PolicyStatus.APPROVED) is None
    assert check_transition(PolicyStatus.DRAFT, PolicyStatus.ACTIVE) is not None
    assert check_transition(PolicyStatus.RETIRED, PolicyStatus.ACTIVE) is not None


def test_activation_is_refused_while_a_screen_lags_and_names_it() -> None:
    decision = check_activation(
        "v2", PolicyStatus.APPROVED, DEPLOYMENTS, at(1), actor=as_actor("po")
    )
    assert decision.outcome is ActivationOutcome.REFUSED and not decision.allowed
    assert [(s.screen_id, s.displayed) for s in decision.lagging] == [("entry_form", "v1")]
    assert GateReason.SCREENS_LAG in decision.reasons
    assert any(s.screen_id == "entry_form" for s in decision.lagging)


def test_activation_goes_through_once_every_active_screen_displays_the_version() -> None:
    deps = (*DEPLOYMENTS, Deployment(6, "entry_form", "v2", at(1)))
    decision = check_activation("v2", PolicyStatus.APPROVED, deps, at(1), actor=as_actor("po"))
    assert decision.outcome is ActivationOutcome.ACTIVATED and decision.lagging == ()
    taken_down = (*DEPLOYMENTS, Deployment(6, "entry_form", None, at(1)))
    assert check_activation(
        "v2", PolicyStatus.APPROVED, taken_down, at(1), actor=as_actor("po")
    ).allowed


def test_forcing_needs_a_named_person_and_a_reason() -> None:
    # The person is an Actor (never empty, see tests/test_actor.py); the reason may be.
    anonymous = check_activation(
        "v2",
        PolicyStatus.APPROVED,
        DEPLOYMENTS,
        at(1),
        actor=as_actor("Sato"),
        force=True,
        reason="  ",
    )
    assert anonymous.outcome is ActivationOutcome.REFUSED
    assert GateReason.FORCE_NEEDS_REASON in anonymous.reasons
    forced = check_activation(
        "v2",
        PolicyStatus.APPROVED,
        DEPLOYMENTS,
        at(1),
        actor=as_actor("Sato"),
        force=True,
        reason="urgent",
    )
    assert forced.outcome is ActivationOutcome.FORCED and forced.allowed
    assert forced.lagging[0].screen_id == "entry_form"


def test_force_does_not_skip_approval_or_a_version_nobody_displays() -> None:
    draft = check_activation(
        "v2", PolicyStatus.DRAFT, DEPLOYMENTS, at(1), actor=as_actor("Sato"), force=True, reason="x"
    )
    assert draft.outcome is ActivationOutcome.REFUSED
    nowhere = check_activation(
        "v3",
        PolicyStatus.APPROVED,
        DEPLOYMENTS,
        at(1),
        actor=as_actor("Sato"),
        force=True,
        reason="x",
    )
    assert nowhere.outcome is ActivationOutcome.REFUSED
