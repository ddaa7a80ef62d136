"""Tests generated from the rule table: every rule allows the compliant example and denies
its own failing example; the packs hold every row of LAW.md's tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fairfollow.law import ai_act
from fairfollow.law.packs import (
    HARDENING_RULES,
    RULES,
    example_release,
    example_review,
    rules_of,
)
from fairfollow.law.rules import Outcome, Rule

IDS = [r.rule_id for r in RULES]
AI_ACT_IDS = {r.rule_id for r in ai_act.RULES}
LAW = Path("/work/shared/LAW.md")


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_allows_the_compliant_review(rule: Rule) -> None:
    assert rule.check(example_review()).outcome is Outcome.ALLOW


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_allows_the_compliant_release(rule: Rule) -> None:
    assert rule.check(example_release()).outcome is Outcome.ALLOW


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_denies_its_own_failing_example(rule: Rule) -> None:
    finding = rule.check(rule.breach(example_release()))
    assert finding.outcome is Outcome.DENY
    assert finding.note


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_is_a_gap_without_a_service(rule: Rule) -> None:
    from fairfollow.law.rules import RuleContext

    assert rule.check(RuleContext(None)).outcome is Outcome.GAP


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_carries_a_citation_and_both_summaries(rule: Rule) -> None:
    assert rule.law and rule.article
    assert rule.citation.startswith(f"{rule.law} Art. {rule.article}")
    assert rule.summary_en.strip() and rule.summary_ja.strip()
    assert re.fullmatch(r"(jp|eu)\.[a-z_]+", rule.rule_id)
    assert rule.rule_id.startswith(rule.pack + ".")


def _law_rows(section: str) -> list[str]:
    text = LAW.read_text(encoding="utf-8") if LAW.exists() else ""
    if not text:
        pytest.skip("LAW.md not available")
    part = text.split(section, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in part.splitlines() if line.startswith("| ") and "---" not in line]
    return rows[1:]  # header row


def test_jp_pack_has_one_rule_per_row_of_the_law_table() -> None:
    # plus the rules the adversarial review (issue 27) added, each mandatory
    added = [r for r in rules_of("jp") if r.rule_id in HARDENING_RULES]
    assert len(added) == len(HARDENING_RULES) and all(r.mandatory for r in added)
    rows = len(rules_of("jp")) - len(added)
    assert rows == len(_law_rows("## Rules to encode (jp pack)")) == 15


def test_eu_pack_has_one_rule_per_row_of_the_law_table() -> None:
    # and the AI Act's deployer duties added with issue 26 (LAW.md's "Added 2026-12")
    table = [r for r in rules_of("eu") if r.rule_id not in AI_ACT_IDS]
    assert len(table) == len(_law_rows("## Rules to encode (eu pack)")) == 4
    assert {r.rule_id for r in rules_of("eu")} >= AI_ACT_IDS


def test_every_article_of_the_law_table_is_cited() -> None:
    cited = " ".join(r.citation for r in RULES)
    for article in ("17", "18", "27", "29", "30", "31", "33", "35", "41", "26", "5-5", "2(3)"):
        assert f"Art. {article}" in cited or f", {article}" in cited, article
    for source in ("Q7-42", "Notice 141", "2019-09-06", "Recital 71", "Annex III 4(a)"):
        assert source in cited, source
