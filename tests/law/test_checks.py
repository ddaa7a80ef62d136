"""Gaps and not-applicable paths of the checks (their allow/deny cases are generated from the
rule table in test_rule_packs.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fairfollow.law import checks as rule_checks
from fairfollow.law import dpia
from fairfollow.law.packs import (
    EXAMPLE_RELEASE,
    EXAMPLE_SERVICE,
    RULES,
    example_release,
    example_review,
    rule,
)
from fairfollow.law.rules import Finding, Granularity, Outcome, RuleConfig, RuleContext, evaluate


def _svc(**changes: object) -> RuleContext:
    return RuleContext(replace(EXAMPLE_SERVICE, **changes))  # type: ignore[arg-type]


def test_unanswered_dpia_questions_are_gaps_not_allows() -> None:
    ctx = _svc(answers={})
    for check in (
        rule_checks.purpose_specified,
        rule_checks.use_limitation,
        rule_checks.third_party_consent,
        rule_checks.entrustee_combination,
        rule_checks.recipient_confirmation,
        rule_checks.disclosure_of_records,
        rule_checks.stop_use_erasure,
        rule_checks.leak_report,
        rule_checks.lawful_basis,
        rule_checks.ai_act_high_risk,
    ):
        assert check(ctx).outcome is Outcome.GAP, check.__name__


def test_missing_configuration_is_a_gap() -> None:
    assert rule_checks.purpose_specified(_svc(purposes=())).outcome is Outcome.GAP
    assert rule_checks.necessity(_svc(necessity={})).outcome is Outcome.GAP
    assert rule_checks.lawful_basis(_svc(legal_basis=None)).outcome is Outcome.GAP


def test_rules_that_do_not_apply_allow_with_a_note() -> None:
    internal = _svc(recipient_class="platform", uses_model=False)
    for check in (
        rule_checks.third_party_consent,
        rule_checks.provision_record,
        rule_checks.no_individual_evaluation,
        rule_checks.ai_act_high_risk,
    ):
        finding = check(internal)
        assert finding.outcome is Outcome.ALLOW and finding.note, check.__name__
    no_list = _svc(data_in=frozenset({"browsing_history"}), necessity={"browsing_history": "x"})
    assert rule_checks.entrustee_combination(no_list).note
    assert rule_checks.recipient_confirmation(no_list).note


def test_release_facts_are_checked_beyond_the_design() -> None:
    release = example_release()
    assert release.release is not None
    unconsented = replace(release, release=replace(release.release, unconsented_subjects_used=3))
    assert rule_checks.use_limitation(unconsented).outcome is Outcome.DENY
    assert rule_checks.third_party_consent(unconsented).outcome is Outcome.DENY
    unnamed = replace(release, release=replace(release.release, recipient_named=False))
    named = rule_checks.use_limitation(unnamed)
    assert named.note == "law.note.recipient_not_named"
    assert named.params == {"recipient": release.release.recipient}
    counted = rule_checks.third_party_consent(unconsented)
    assert counted.note == "law.note.unconsented_subjects" and counted.params == {"count": 3}


def test_vague_or_unforeseeable_purposes_are_denied() -> None:
    (purpose,) = EXAMPLE_SERVICE.purposes
    short = _svc(purposes=(replace(purpose, description_en="Forecasts."),))
    assert rule_checks.purpose_specified(short).outcome is Outcome.DENY
    hidden = _svc(purposes=(replace(purpose, recipient_class="member"),))
    unforeseen = rule_checks.purpose_specified(hidden)
    assert unforeseen.note == "law.note.recipient_not_foreseen"
    assert unforeseen.params == {"recipient_class": "client_employer"}
    no = _svc(answers={**EXAMPLE_SERVICE.answers, dpia.PURPOSE_FORESEEABLE: False})
    assert rule_checks.purpose_specified(no).outcome is Outcome.DENY
    assert rule_checks.purpose_specified(example_review()).outcome is Outcome.ALLOW


@pytest.mark.parametrize("name", ["hiring_partner", "Client_Employer", "employers", ""])
def test_any_unlisted_recipient_class_is_treated_as_an_employer(name: str) -> None:
    # Review finding: a free-text class other than "client_employer" used to exempt the
    # 2019 rule; only the platform's internal classes are exempt now.
    scores = _svc(recipient_class=name, granularity=Granularity.INDIVIDUAL)
    assert rule_checks.no_individual_evaluation(scores).outcome is Outcome.DENY
    evaluation = _svc(recipient_class=name, derived_evaluation=True)
    assert rule_checks.no_individual_evaluation(evaluation).outcome is Outcome.DENY
    # The same fail-closed reading holds for every check that asks who the recipient is.
    unanswered = _svc(recipient_class=name, answers={})
    assert rule_checks.third_party_consent(unanswered).outcome is Outcome.GAP
    assert rule_checks.ai_act_high_risk(unanswered).outcome is Outcome.GAP


# --- issue 27: purpose binds recipient (fails on aa80ea0: the rule did not exist) --------


def _binding(ctx: RuleContext) -> Finding:
    return rule("jp.purpose_binds_recipient").check(ctx)


def test_statistics_declared_for_an_employer_is_denied_in_review_and_release() -> None:
    lying = replace(EXAMPLE_SERVICE.purposes[0], key="statistics")
    review = _binding(RuleContext(replace(EXAMPLE_SERVICE, purposes=(lying,))))
    assert review.outcome is Outcome.DENY and review.note == "law.note.purpose_not_for_recipient"
    assert review.params["stated"] == "platform"
    release = _binding(replace(example_release(), release=replace(
        EXAMPLE_RELEASE, purpose_key="statistics")))  # fmt: skip
    assert release.outcome is Outcome.DENY and release.params["purpose"] == "statistics"


def test_an_unregistered_purpose_for_an_outside_recipient_is_denied() -> None:
    made_up = replace(EXAMPLE_SERVICE.purposes[0], key="hiring_insights")
    found = _binding(RuleContext(replace(EXAMPLE_SERVICE, purposes=(made_up,))))
    assert found.outcome is Outcome.DENY and found.note == "law.note.purpose_unregistered"


def test_an_employer_service_without_an_employer_purpose_is_denied_in_review() -> None:
    statistics = replace(EXAMPLE_SERVICE.purposes[0], key="statistics", recipient_class="platform")
    found = _binding(RuleContext(replace(EXAMPLE_SERVICE, purposes=(statistics,))))
    assert found.outcome is Outcome.DENY and found.note == "law.note.no_purpose_for_recipient"
    internal = replace(EXAMPLE_SERVICE, purposes=(statistics,), recipient_class="platform")
    assert _binding(RuleContext(internal)).outcome is Outcome.ALLOW


def test_the_binding_rule_is_mandatory_and_cites_art_18_and_27() -> None:
    binding = rule("jp.purpose_binds_recipient")
    assert binding.mandatory
    assert binding.citation.startswith("APPI Art. 27(1)") and "Art. 18(1)" in binding.citation
    ctx = replace(example_release(), release=replace(EXAMPLE_RELEASE, purpose_key="statistics"))
    decision = evaluate(RULES, ctx, RuleConfig(packs=()))  # no pack chosen: still evaluated
    assert decision.outcome is Outcome.DENY
    assert "jp.purpose_binds_recipient" in decision.as_json()["denied_by"]  # type: ignore[operator]
