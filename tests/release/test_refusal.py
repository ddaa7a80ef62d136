"""Every refusal the door can return has words in both languages; a rule refusal names the
rule that blocked it, with its citation, and none of the rules that allowed."""

from __future__ import annotations

import re
from pathlib import Path

from fairfollow.law.packs import RULES
from fairfollow.law.rules import Decision, Outcome, RuleResult
from fairfollow.release import door
from fairfollow.release.refusal import REASONS, BlockingRule, blocking_rules, refusal_words


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
        words = refusal_words(reason)
        assert set(words) == {"ja", "en"} and all(words.values())
        assert reason not in words["en"] and reason not in words["ja"]  # words, not a code


def test_a_refusal_by_the_rules_names_the_blocking_rule_only() -> None:
    rule = RULES[0]
    blocking = (BlockingRule(rule.summary_en, rule.summary_ja, "ESA Art. 51"),)
    words = refusal_words("rules_deny", blocking)
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
    words = refusal_words("something_new")
    assert "something_new" in words["en"] and "見送" in words["ja"]
