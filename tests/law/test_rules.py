from __future__ import annotations

from dataclasses import replace

import pytest

from fairfollow.errors import CODE, ConfigError
from fairfollow.law.packs import RULES, example_release, example_review, rule
from fairfollow.law.rules import (
    Outcome,
    Rule,
    RuleConfig,
    RuleContext,
    allow,
    evaluate,
    render_markdown,
    select,
)

BOTH = RuleConfig(packs=("jp", "eu"))


def test_compliant_release_is_allowed_by_both_packs() -> None:
    decision = evaluate(RULES, example_release(), BOTH)
    assert decision.outcome is Outcome.ALLOW and decision.allowed
    assert len(decision.results) == len(RULES)
    assert decision.citations == ()


def test_deny_beats_gap_and_citations_name_the_denying_rules() -> None:
    ctx = rule("jp.personally_referable").breach(example_release())
    assert ctx.service is not None
    ctx = replace(ctx, service=replace(ctx.service, legal_basis=None))  # eu gap
    decision = evaluate(RULES, ctx, BOTH)
    assert decision.outcome is Outcome.DENY
    assert "eu.lawful_basis" in [r.rule_id for r in decision.with_outcome(Outcome.GAP)]
    assert all("Art. 31" in c or "5-5" in c for c in decision.citations)
    as_json = decision.as_json()
    assert "jp.personally_referable" in as_json["denied_by"]  # type: ignore[operator]


def test_gap_when_configuration_is_incomplete() -> None:
    ctx = example_review()
    assert ctx.service is not None
    ctx = replace(ctx, service=replace(ctx.service, retention_days=None))
    decision = evaluate(RULES, ctx, RuleConfig())
    assert decision.outcome is Outcome.GAP
    assert [r.rule_id for r in decision.with_outcome(Outcome.GAP)] == ["jp.stop_use_erasure"]


def test_mandatory_rule_cannot_be_switched_off() -> None:
    with pytest.raises(ConfigError) as caught:
        select(RULES, RuleConfig(disabled=frozenset({"jp.no_individual_evaluation"})))
    assert caught.value.code == "law.mandatory_rule"
    assert caught.value.params["rule"] == "jp.no_individual_evaluation"


def test_mandatory_rule_runs_whatever_packs_are_chosen() -> None:
    individual = rule("jp.no_individual_evaluation").breach(example_release())
    chosen = select(RULES, RuleConfig(packs=("eu",)))
    assert "jp.no_individual_evaluation" in [r.rule_id for r in chosen]
    decision = evaluate(RULES, individual, RuleConfig(packs=("eu",)))
    assert decision.outcome is Outcome.DENY
    assert any("MHLW guidance of 2019-09-06" in c for c in decision.citations)


def test_other_rules_can_be_disabled() -> None:
    ctx = rule("jp.leak_report").breach(example_release())
    config = RuleConfig(disabled=frozenset({"jp.leak_report"}))
    assert evaluate(RULES, ctx, config).outcome is Outcome.ALLOW


def test_unknown_pack_or_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as pack:
        select(RULES, RuleConfig(packs=("us",)))
    assert pack.value.code == "law.unknown_pack" and pack.value.params["pack"] == "us"
    with pytest.raises(ConfigError) as unknown:
        select(RULES, RuleConfig(disabled=frozenset({"jp.nothing"})))
    assert unknown.value.code == "law.unknown_rule"


def test_a_check_that_raises_is_a_gap_not_an_allow() -> None:
    def broken(_: RuleContext) -> object:
        raise RuntimeError("boom")

    bad = Rule("jp.broken", "jp", "APPI", "1", "", "", "x", "x", broken, lambda c: c)  # type: ignore[arg-type]
    decision = evaluate((bad,), example_release(), RuleConfig())
    assert decision.outcome is Outcome.GAP
    result = decision.results[0]
    assert result.note_code == "law.note.check_failed"
    assert result.note_params == {"error": "RuntimeError", "detail": "boom"}


def test_no_rules_selected_is_a_gap() -> None:
    config = RuleConfig(packs=("eu",))
    eu_only = tuple(r for r in RULES if r.pack == "eu" and not r.mandatory)
    assert evaluate(eu_only, example_release(), config).outcome is Outcome.ALLOW
    assert evaluate(eu_only[:1], example_release(), config).allowed
    empty = RuleConfig(packs=())
    assert evaluate(eu_only, example_release(), empty).outcome is Outcome.GAP


def test_markdown_table_lists_every_rule_with_its_citation() -> None:
    text = render_markdown(RULES)
    assert text.count("\n") == len(RULES) + 2
    for r in RULES:
        assert f"`{r.rule_id}`" in text
    assert "(mandatory)" in text


def test_allow_note_is_kept() -> None:
    assert allow("law.note.not_employer").note == "law.note.not_employer"


def test_a_result_carries_its_note_and_structured_citation() -> None:
    ctx = rule("jp.third_party_consent").breach(example_release())
    decision = evaluate(RULES, ctx, RuleConfig())
    (result,) = [r for r in decision.results if r.rule_id == "jp.third_party_consent"]
    assert result.outcome is Outcome.DENY
    assert CODE.fullmatch(result.note_code)
    assert (result.law, result.article, result.paragraph) == ("APPI", "27", "1")
    stored = result.as_json()
    assert stored["note"] == stored["note_code"] == result.note_code
    assert stored["note_params"] == dict(result.note_params)
    assert stored["citation"] == result.citation and stored["citation"].startswith(
        "APPI Art. 27(1)"
    )
    assert {"summary_en", "summary_ja", "law", "article", "paragraph"} <= stored.keys()
