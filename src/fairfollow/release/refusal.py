"""Why the release door refused, in words an employer's HR staff can act on (ja, en).

The door returns a refusal as a reason code (:mod:`fairfollow.release.door`) and, when the
legal rules refused, the rule engine's decision. The employer's portal shows the reason as
one sentence in its language, and — for a refusal by the rules — the summary of the rule
that blocked the release with its citation, never a list of the rules that allowed it.
Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fairfollow.law.rules import Decision, Outcome
from fairfollow.release.figures import MIN_POOL


@dataclass(frozen=True)
class BlockingRule:
    """A rule that denied (or could not be decided): its summary in both languages."""

    summary_en: str
    summary_ja: str
    citation: str


# reason code → (English, Japanese): what happened and what the employer can do about it.
REASONS: dict[str, tuple[str, str]] = {
    "instant_before_ledger_clock": (
        "The request was dated before the last entry of the transparency log; "
        "a release is dated now and never backdated. Ask again.",
        "リクエストの日時が透明性ログの最新記録より前でした。提供は現在の日時で記録され、"
        "過去の日付にはできません。もう一度依頼してください。",
    ),
    "epsilon_out_of_range": (
        "The privacy setting (ε) asked for lies outside the range the platform allows.",
        "指定したプライバシー設定（ε）が、プラットフォームの許す範囲外です。",
    ),
    "unknown_service": (
        "No yield-forecast service is registered for your company yet.",
        "御社向けの内定承諾予測サービスはまだ登録されていません。",
    ),
    "not_approved": (
        "The yield-forecast service is not approved in its current version "
        "(the privacy officer's sign-off and the reviewer committee's approval are needed).",
        "内定承諾予測サービスの現在の版が承認されていません（個人情報保護責任者の確認と"
        "審査委員会の承認が必要です）。",
    ),
    "purpose_gap": (
        "The service does not state one purpose for employers as recipients, "
        "so no consent can be checked against it.",
        "サービスに企業を提供先とする利用目的が一つに定まっておらず、同意を確認できません。",
    ),
    "no_pool": (
        "You have not uploaded an applicant/offer list for this season yet.",
        "今シーズンの応募者・内定者リストがまだアップロードされていません。",
    ),
    "pool_too_small": (
        f"Your latest list has fewer than {MIN_POOL} offers: a forecast of so few "
        "could reveal individual decisions, so none is released.",
        f"最新のリストの内定者が {MIN_POOL} 人未満です。人数が少ないと個人の判断が"
        "推測できてしまうため、予測は提供されません。",
    ),
    "consent_unknown_purpose": (
        "The consent ledger does not know the purpose the service relies on; "
        "the platform refuses rather than guess.",
        "同意台帳がサービスの利用目的を認識していないため、推測せずに提供を見送りました。",
    ),
    "budget_exhausted": (
        "Your privacy budget for this season is used up: no further forecast "
        "can be released until next season.",
        "今シーズンのプライバシー予算を使い切りました。来シーズンまで追加の予測は提供できません。",
    ),
    "rules_deny": (
        "The legal rules do not allow this release.",
        "法令上のルールにより、この提供は認められません。",
    ),
    "rules_gap": (
        "The service's declaration leaves a legal question open, so the release is "
        "refused until the platform completes it.",
        "サービスの届出に法令上の確認事項が残っているため、補完されるまで提供は見送られます。",
    ),
    "individual_release_refused": (
        "Scores or rankings of individual applicants are never released.",
        "個々の応募者についてのスコアや順位は提供されません。",
    ),
}
UNKNOWN = (
    "The release was refused (reason: {reason}).",
    "提供は見送られました（理由コード: {reason}）。",
)


def blocking_rules(decision: Decision | None) -> tuple[BlockingRule, ...]:
    """The rules that denied, else those left undecided (nothing when allowed)."""
    if decision is None:
        return ()
    found = decision.with_outcome(Outcome.DENY) or decision.with_outcome(Outcome.GAP)
    return tuple(BlockingRule(r.summary_en, r.summary_ja, r.citation) for r in found)


def refusal_words(reason: str, blocking: Sequence[BlockingRule] = ()) -> dict[str, str]:
    """The refusal in one or two sentences per language; the first blocking rule named."""
    unknown = (UNKNOWN[0].format(reason=reason), UNKNOWN[1].format(reason=reason))
    en, ja = REASONS.get(reason, unknown)
    if blocking:
        first = blocking[0]
        en += f" {first.summary_en} ({first.citation})"
        ja += f" {first.summary_ja}（{first.citation}）"
    return {"ja": ja, "en": en}
