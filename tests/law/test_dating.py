"""Rules with dates: every rule carries its sources' dates and statuses; an adopted but
unpublished act does not move a date (fail closed); obligations switch on at their date;
a change of any date changes the pack version."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fairfollow.law.dating import (
    AI_ACT_ANNEX_III,
    DIGITAL_OMNIBUS,
    Dating,
    SourceStatus,
    applies_on,
    governing,
)
from fairfollow.law.pack_version import pack_version
from fairfollow.law.packs import RULES, example_review, rule
from fairfollow.law.rules import Outcome, RuleConfig, evaluate

AI_RULES = ("eu.ai_act_high_risk", "eu.ai_act_deployer_logs", "eu.ai_act_workers_informed")


def test_every_rule_carries_dates_with_a_source_status() -> None:
    for found in RULES:
        assert found.dates, found.rule_id
        assert all(d.source and isinstance(d.status, SourceStatus) for d in found.dates)
        assert governing(found.dates) is not None, found.rule_id


@pytest.mark.parametrize("rule_id", AI_RULES)
def test_the_ai_act_carries_both_dates_and_the_adopted_one_does_not_govern(
    rule_id: str,
) -> None:
    dates = rule(rule_id).dates
    assert dates == (AI_ACT_ANNEX_III, DIGITAL_OMNIBUS)
    assert DIGITAL_OMNIBUS.status is SourceStatus.ADOPTED
    assert governing(dates) == AI_ACT_ANNEX_III
    assert not applies_on(dates, date(2026, 8, 1)) and applies_on(dates, date(2026, 8, 2))


def test_once_the_omnibus_is_published_its_date_governs() -> None:
    published = (AI_ACT_ANNEX_III, replace(DIGITAL_OMNIBUS, status=SourceStatus.PUBLISHED))
    assert not applies_on(published, date(2027, 12, 1))
    assert applies_on(published, date(2027, 12, 2))
    ended = (Dating(date(2020, 1, 1), "x", SourceStatus.IN_FORCE, date(2020, 12, 31)),)
    assert applies_on(ended, date(2020, 12, 31)) and not applies_on(ended, date(2021, 1, 1))
    assert applies_on((), date(1900, 1, 1))  # undated: always (fail closed)


def test_obligations_switch_on_at_their_date() -> None:
    broken = rule("eu.ai_act_deployer_logs").breach(example_review())
    config = RuleConfig(packs=("eu",))
    before = evaluate(RULES, broken, config, on=date(2026, 8, 1))
    after = evaluate(RULES, broken, config, on=date(2026, 8, 2))
    (early,) = [r for r in before.results if r.rule_id == "eu.ai_act_deployer_logs"]
    (late,) = [r for r in after.results if r.rule_id == "eu.ai_act_deployer_logs"]
    assert early.outcome is Outcome.ALLOW and early.note_code == "law.note.not_applicable_on"
    assert late.outcome is Outcome.DENY and late.note_code == "law.note.ai_logs_not_kept"
    # without a day every rule applies
    assert evaluate(RULES, broken, config).outcome is Outcome.DENY


def test_a_moved_date_changes_the_pack_version() -> None:
    moved = tuple(
        replace(
            r, dates=(AI_ACT_ANNEX_III, replace(DIGITAL_OMNIBUS, status=SourceStatus.PUBLISHED))
        )
        if r.rule_id in AI_RULES
        else r
        for r in RULES
    )
    assert pack_version(moved) != pack_version(RULES) == pack_version(tuple(RULES))
