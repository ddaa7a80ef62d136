"""The EU AI Act's duties of a deployer of an employment AI system (Annex III point 4),
as rules of the ``eu`` pack (pure).

* Art. 26(6): the logs the system generates are kept at least six months;
* Art. 26(7): workers' representatives and the affected workers are informed before use;
* Art. 6(3)/(4): the classification is written down — an Annex III system is high-risk
  unless documented otherwise, and never otherwise when it profiles people.

They apply from the date the Annex III obligations do (:mod:`fairfollow.law.dating`:
2026-08-02 under Regulation (EU) 2024/1689; 2027-12-02 once the Digital Omnibus is
published). A service without a model, or whose output reaches no employer, is outside
Annex III point 4.
"""

from __future__ import annotations

from dataclasses import replace

from fairfollow.law import dpia
from fairfollow.law.checks import INTERNAL_CLASSES, NO_SERVICE, NON_EMPLOYER_THIRD_PARTIES
from fairfollow.law.rules import Breach, Finding, Rule, RuleContext, allow, deny, gap

EU = "eu"
AI_ACT = "EU AI Act"


def _in_scope(ctx: RuleContext) -> bool:
    """A model whose output reaches an employer (fail closed on unknown classes)."""
    recipient = ctx.recipient_class
    employer = recipient not in INTERNAL_CLASSES | NON_EMPLOYER_THIRD_PARTIES
    return ctx.service is not None and ctx.service.uses_model and employer


def _answered(ctx: RuleContext, question: str, what: str) -> Finding:
    """Allow on a yes, deny on a no, gap when unanswered (as the other DPIA-backed rules)."""
    assert ctx.service is not None
    answer = ctx.service.answer(question)
    if answer is None:
        return gap("law.note.dpia_unanswered", question=question)
    return allow() if answer else deny(what, question=question)


def deployer_logs(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    if not _in_scope(ctx):
        return allow("law.note.no_recruitment_ai")
    return _answered(ctx, dpia.AI_LOGS_KEPT, "law.note.ai_logs_not_kept")


def workers_informed(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    if not _in_scope(ctx):
        return allow("law.note.no_recruitment_ai")
    return _answered(ctx, dpia.AI_WORKERS_INFORMED, "law.note.ai_workers_not_informed")


def classification(ctx: RuleContext) -> Finding:
    if ctx.service is None:
        return NO_SERVICE
    if not _in_scope(ctx):
        return allow("law.note.no_recruitment_ai")
    return _answered(ctx, dpia.AI_CLASSIFICATION, "law.note.ai_classification_missing")


def _answer_no(question: str) -> Breach:
    def breach(ctx: RuleContext) -> RuleContext:
        assert ctx.service is not None
        answers = {**ctx.service.answers, question: False}
        return replace(ctx, service=replace(ctx.service, answers=answers))

    return breach


# fmt: off
RULES: tuple[Rule, ...] = (
    Rule(
        "eu.ai_act_deployer_logs", EU, AI_ACT, "26", "6", "Annex III 4",
        "雇用分野のAIの利用者は、システムが生成するログを少なくとも6か月保存する",
        "A deployer of employment AI keeps the logs the system generates at least six months",
        deployer_logs, _answer_no(dpia.AI_LOGS_KEPT),
    ),
    Rule(
        "eu.ai_act_workers_informed", EU, AI_ACT, "26", "7", "Annex III 4",
        "職場で使う前に、労働者の代表と影響を受ける労働者に高リスクAIの使用を知らせる",
        "Before use, workers' representatives and the affected workers are told a high-risk "
        "AI system will be used",
        workers_informed, _answer_no(dpia.AI_WORKERS_INFORMED),
    ),
    Rule(
        "eu.ai_act_classification", EU, AI_ACT, "6", "3, 4", "Annex III 4",
        "高リスクかどうかの分類を文書にする(プロファイリングを行うものは常に高リスク)",
        "The Art. 6(3)/(4) classification is written down; a system that profiles people is "
        "always high-risk",
        classification, _answer_no(dpia.AI_CLASSIFICATION),
    ),
)
# fmt: on
