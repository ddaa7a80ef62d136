"""Every refusal the door can return is a code worded in both languages; a rule refusal names
the rule that blocked it, with its citation, and none of the rules that allowed; a budget
refusal says whether the budget is used up or how much remains."""

from __future__ import annotations

import re
from pathlib import Path

from fairfollow.law.packs import RULES
from fairfollow.law.rules import Decision, Outcome, RuleResult
from fairfollow.messages.refusal import words as refusal_words
from fairfollow.release import door
from fairfollow.release.budget import Budget
from fairfollow.release.refusal import REASONS, BlockingRule, blocking_rules, refusal_of


def _door_reasons() -> set[str]:
    source = Path(door.__file__).read_text(encoding="utf-8")
    found = set(re.findall(r'_refuse\(\s*conn,\s*\w+,\s*"([a-z_]+)"', source))
    outcomes = {f"rules_{o.value}" for o in Outcome if o is not Outcome.ALLOW}
    return found | outcomes


def test_every_reason_the_door_returns_has_words_in_japanese_and_english() -> None:
    reasons = _door_reasons()
    assert {"no_pool", "budget_exhausted", "pool_too_small", "rules_deny"} <= reasons
    assert reasons <= set(REASONS), sorted(reasons - set(REASONS))
    for reason in reasons:
        refusal = refusal_of(reason)
        assert refusal.code == f"release.refused.{reason}"
        words = refusal_words(refusal)
        assert set(words) == {"ja", "en"} and all(words.values())
        assert reason not in words["en"] and reason not in words["ja"]  # words, not a code


def test_a_refusal_by_the_rules_names_the_blocking_rule_only() -> None:
    rule = RULES[0]
    blocking = (BlockingRule(rule.summary_en, rule.summary_ja, "ESA Art. 51"),)
    words = refusal_words(refusal_of("rules_deny", blocking))
    assert words["en"].endswith(f"{rule.summary_en} (ESA Art. 51)")
    assert rule.summary_ja in words["ja"] and "ESA Art. 51" in words["ja"]


def _result(rule_id: str, outcome: Outcome) -> RuleResult:
    return RuleResult(
        rule_id, outcome, f"cite {rule_id}", f"en {rule_id}", f"ja {rule_id}", "", False
    )


def test_the_blocking_rules_of_a_decision_are_its_denials_else_its_gaps() -> None:
    assert blocking_rules(None) == ()
    mixed = Decision(
        Outcome.DENY,
        (_result("a", Outcome.ALLOW), _result("b", Outcome.GAP), _result("c", Outcome.DENY)),
        ("jp",),
    )
    assert blocking_rules(mixed) == (BlockingRule("en c", "ja c", "cite c"),)
    gaps = Decision(Outcome.GAP, (_result("a", Outcome.ALLOW), _result("b", Outcome.GAP)), ("jp",))
    assert [b.citation for b in blocking_rules(gaps)] == ["cite b"]
    allowed = Decision(Outcome.ALLOW, (_result("a", Outcome.ALLOW),), ("jp",))
    assert blocking_rules(allowed) == ()


def test_an_unknown_reason_still_reads_as_a_refusal() -> None:
    refusal = refusal_of("something_new")
    assert (refusal.code, refusal.params) == (
        "release.refused.unknown",
        {"reason": "something_new"},
    )
    words = refusal_words(refusal)
    assert "something_new" in words["en"] and "見送" in words["ja"]


def test_a_budget_refusal_says_used_up_or_how_much_remains() -> None:
    used_up = refusal_of("budget_exhausted", budget=Budget("E0001", 2020, 1.0, 1.0, 4))
    assert (used_up.code, used_up.params) == ("release.refused.budget_used_up", {"cap": 1.0})
    assert "使い切りました" in refusal_words(used_up)["ja"]
    short = refusal_of("budget_exhausted", budget=Budget("E0001", 2020, 1.0, 0.75, 3))
    assert (short.code, short.params) == ("release.refused.budget_short", {"remaining": 0.25})
    words = refusal_words(short)
    assert "0.25" in words["ja"] and "0.25" in words["en"] and "remains" in words["en"]
