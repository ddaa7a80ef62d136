from __future__ import annotations

from fairfollow.law import dpia
from fairfollow.law.packs import RULES


def test_every_question_is_read_by_a_known_rule() -> None:
    known = {r.rule_id for r in RULES}
    for question in dpia.QUESTIONS:
        assert question.text_en.strip() and question.text_ja.strip()
        assert set(question.rules) <= known


def test_unknown_and_unanswered() -> None:
    assert dpia.unknown_answers({"x": True, dpia.MEMBER_VIEW: True}) == ("x",)
    assert dpia.unanswered({}) == dpia.QUESTION_IDS
    assert dpia.render_markdown().count("\n") == len(dpia.QUESTIONS) + 2
