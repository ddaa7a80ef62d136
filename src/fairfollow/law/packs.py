"""The rule packs, as data: ``jp`` (APPI, the Employment Security Act and its guidance)
and ``eu`` (GDPR, the AI Act).

Each rule names its law, article, paragraph and further sources, says what it requires in
Japanese and English, points at its check (:mod:`fairfollow.law.checks`), and carries its
own failing example: ``breach`` turns the compliant :func:`example_release` into a context
the rule denies. The tests are generated from this table, and so is the rule table of
docs/governance.md (:func:`fairfollow.law.rules.render_markdown`).
"""

from __future__ import annotations

from dataclasses import replace

from fairfollow.law import ai_act, dpia
from fairfollow.law import checks as check
from fairfollow.law.checks import EMPLOYER_LIST, PSEUDONYMISED
from fairfollow.law.dated_rules import with_dates
from fairfollow.law.rules import (
    Breach,
    Granularity,
    PurposeFacts,
    ReleaseFacts,
    Rule,
    RuleContext,
    ServiceFacts,
)

FORECAST_PURPOSE = PurposeFacts(
    key="employer_forecast",
    description_ja="閲覧・エントリー履歴から、応募先企業の内定者全体のうち何人が承諾するかを予測し、"
    "差分プライバシーのノイズを加えた集計値として企業に提供する。個人の評価は提供しない。",
    description_en="To forecast, from browsing and entries, how many of an employer's offers "
    "will be accepted, and give the employer that aggregate with differential-privacy noise.",
    analysis="per-offer acceptance model over consenting members' browsing; pool sum",
    output="aggregate forecast with noise (counts and intervals)",
    recipient_class="client_employer",
)
EXAMPLE_SERVICE = ServiceFacts(
    service_id="yield-forecast",
    purposes=(FORECAST_PURPOSE,),
    data_in=frozenset({"browsing_history", "entry_history", EMPLOYER_LIST}),
    data_out=frozenset({"aggregate_forecast"}),
    recipient_class="client_employer",
    granularity=Granularity.AGGREGATE,
    output_keys=frozenset(),
    derived_evaluation=False,
    retention_days=365,
    legal_basis="consent",
    uses_model=True,
    answers={q: True for q in dpia.QUESTION_IDS},
    necessity={
        "browsing_history": "the acceptance model's features",
        "entry_history": "the acceptance model's features",
        EMPLOYER_LIST: "which offers form the employer's pool",
    },
)
EXAMPLE_RELEASE = ReleaseFacts(
    recipient="E0001",
    recipient_class="client_employer",
    recipient_named=True,
    purpose_key="employer_forecast",
    granularity=Granularity.AGGREGATE,
    output_keys=frozenset(),
    derived_evaluation=False,
    consent_evaluated=True,
    unconsented_subjects_used=0,
    combination_consent_evaluated=True,
    clients_mixed=False,
    attestation_recorded=True,
    provision_record=True,
)


def example_review() -> RuleContext:
    """A compliant service design (FairFollow's yield forecast) under review."""
    return RuleContext(EXAMPLE_SERVICE)


def example_release() -> RuleContext:
    """A compliant release of that service: every rule allows it."""
    return RuleContext(EXAMPLE_SERVICE, EXAMPLE_RELEASE)


def _service(ctx: RuleContext, **changes: object) -> RuleContext:
    assert ctx.service is not None
    return replace(ctx, service=replace(ctx.service, **changes))  # type: ignore[arg-type]


def _release(ctx: RuleContext, **changes: object) -> RuleContext:
    assert ctx.release is not None
    return replace(ctx, release=replace(ctx.release, **changes))  # type: ignore[arg-type]


def _answer_no(question: str) -> Breach:
    def breach(ctx: RuleContext) -> RuleContext:
        assert ctx.service is not None
        return _service(ctx, answers={**ctx.service.answers, question: False})

    return breach


_VAGUE = replace(FORECAST_PURPOSE, description_en="For service improvement and other purposes.")


def _individual(ctx: RuleContext) -> RuleContext:
    return _release(ctx, granularity=Granularity.INDIVIDUAL, derived_evaluation=True)


def _unreviewed_individual(ctx: RuleContext) -> RuleContext:
    return _answer_no(dpia.HUMAN_REVIEW)(_individual(ctx))


def _with_category(category: str) -> Breach:
    def breach(ctx: RuleContext) -> RuleContext:
        return _service(ctx, data_in=ctx.data_categories | {category})

    return breach


JP = "jp"
EU = "eu"
APPI = "APPI"
MHLW_2019 = "MHLW guidance of 2019-09-06 on job-information sites"

# fmt: off
RULES: tuple[Rule, ...] = (
    Rule(
        "jp.purpose_specified", JP, APPI, "17, 21", "1",
        "PPC general guidelines 3-1-1; MHLW ESA Q&A (2022)",
        "利用目的は、分析の内容・出力・提供先の類型を本人が予測できる程度に特定する",
        "Purposes let people foresee the analysis, the output and the recipient class; "
        "vague purposes are rejected",
        check.purpose_specified, lambda c: _service(c, purposes=(_VAGUE,)),
    ),
    Rule(
        "jp.use_limitation", JP, APPI, "18", "1", "",
        "利用目的の達成に必要な範囲を超えて取り扱わない(同意のないデータは読まない)",
        "No use beyond the purpose: every job names a purpose; data without consent for it "
        "is not read",
        check.use_limitation, lambda c: _release(c, purpose_key="ad_delivery"),
    ),
    Rule(
        "jp.third_party_consent", JP, APPI, "27", "1", "",
        "第三者提供には、提供先の類型と目的を含む版を表示した画面での事前の本人同意が必要",
        "Provision to a third party needs each subject's prior consent covering the "
        "recipient class and purpose",
        check.third_party_consent, lambda c: _release(c, consent_evaluated=False),
    ),
    Rule(
        "jp.entrustee_combination", JP, APPI, "27", "5(i)", "PPC FAQ Q7-42, Q7-43",
        "委託先は委託された個人データを自らのデータと本人ごとに突合せず、委託元同士も混ぜない",
        "An employer's list is combined with browsing data only with consent for that "
        "combination; clients' data are kept apart",
        check.entrustee_combination, lambda c: _release(c, clients_mixed=True),
    ),
    Rule(
        "jp.provision_record", JP, APPI, "29", "1-2", "PPC Rules Art. 19-21",
        "提供のたびに提供先・本人・項目・同意を記録し、1年または3年保存する",
        "Each provision is recorded (recipient, persons, items, consent) and kept 1 or "
        "3 years",
        check.provision_record, lambda c: _release(c, provision_record=False),
    ),
    Rule(
        "jp.recipient_confirmation", JP, APPI, "30", "1, 3", "PPC Rules Art. 22-25",
        "受領時に提供元の氏名等と取得の経緯を確認し、記録する",
        "On receipt, the provider's identity and how it obtained the data are confirmed "
        "and recorded",
        check.recipient_confirmation, lambda c: _release(c, attestation_recorded=False),
    ),
    Rule(
        "jp.personally_referable", JP, APPI, "31", "1", "",
        "Cookie・応募者ID・ハッシュで紐づく情報を、個人を識別できる提供先に渡さない",
        "Nothing keyed by a cookie, an employer's applicant ID or a hash goes to a "
        "recipient who can identify people",
        check.personally_referable,
        lambda c: _release(c, output_keys=frozenset({"employer_applicant_id"})),
    ),
    Rule(
        "jp.disclosure_of_records", JP, APPI, "33", "5", "",
        "本人は自分に関する第三者提供記録の開示を求められる",
        "A person may see the records of provision about them",
        check.disclosure_of_records, _answer_no(dpia.MEMBER_VIEW),
    ),
    Rule(
        "jp.stop_use_erasure", JP, APPI, "35", "1, 5", "",
        "利用停止・消去に応じ、不要になったデータは消去する",
        "Stop use and erase on request, and once data are no longer needed",
        check.stop_use_erasure, lambda c: _service(c, retention_days=10 * 365),
    ),
    Rule(
        "jp.pseudonymised_internal", JP, APPI, "41", "6", "PPC Rules Art. 31",
        "仮名加工情報は識別子を削除し社内分析に限り、第三者に提供しない",
        "Pseudonymised information: identifiers removed, internal analysis only, never "
        "provided",
        check.pseudonymised_internal,
        lambda c: _service(c, data_out=frozenset({"aggregate_forecast", PSEUDONYMISED})),
    ),
    Rule(
        "jp.leak_report", JP, APPI, "26", "1", "PPC Rules Art. 7-10; GDPR Art. 33, 34",
        "漏えい等(要配慮・財産的被害・不正の目的(取得中の情報を含む)・千人超)は速報3〜5日、"
        "確報30日(不正の目的は60日)で報告し本人に通知する(高度な暗号化・仮名加工情報を除く)",
        "Leaks of special-care data, with possible financial loss or unlawful purpose (also "
        "of data being acquired), or of over 1,000 persons are reported: preliminary in 3-5 "
        "days, final in 30 (60 for an unlawful purpose); persons notified; EU: 72 hours",
        check.leak_report, _answer_no(dpia.INCIDENT_RESPONSE),
    ),
    Rule(
        "jp.necessity", JP, "ESA", "5-5", "1", "",
        "求職者の個人情報は業務の目的の達成に必要な範囲で収集・保管・使用する",
        "Job seekers' information is collected, kept and used only as far as the business "
        "purpose needs",
        check.necessity, lambda c: _service(c, necessity={"browsing_history": "features"}),
    ),
    Rule(
        "jp.prohibited_items", JP, "ESA", "5-5", "1", "MHLW guideline (Notice 141 of 1999)",
        "人種・門地・本籍・思想信条・宗教・労働組合加入などは収集しない",
        "Race, family origin, domicile of origin, beliefs, religion, union membership are "
        "not collected",
        check.prohibited_items, _with_category("honseki"),
    ),
    Rule(
        "jp.special_care", JP, APPI, "2(3), 20", "2", "",
        "要配慮個人情報(人種・信条・社会的身分・病歴・犯罪歴・障害など)は取得しない",
        "Special-care information (race, creed, social status, medical history, criminal "
        "record, disability) is refused",
        check.special_care, _with_category("medical_history"),
    ),
    Rule(
        "jp.no_individual_evaluation", JP, "ESA", "5-5, 51", "", MHLW_2019,
        "求職者個人についての評価を採用企業に提供しない(同意があっても)",
        "No derived evaluation of an individual job seeker goes to an employer, consent or "
        "not",
        check.no_individual_evaluation, _individual, mandatory=True,
    ),
    Rule(
        "jp.purpose_binds_recipient", JP, APPI, "27", "1",
        "Art. 18(1); PPC general guidelines 3-1-1",
        "外部の提供先への提供は、その提供先の類型について特定された利用目的(への同意)に限る",
        "A provision outside the platform relies only on a purpose stated for that "
        "recipient class; a purpose stated for the platform never covers an employer",
        check.purpose_binds_recipient, lambda c: _release(c, purpose_key="statistics"),
        mandatory=True,
    ),
    Rule(
        "eu.lawful_basis", EU, "GDPR", "6", "1", "",
        "処理には適法な根拠が必要",
        "Processing has a lawful basis",
        check.lawful_basis, lambda c: _service(c, legal_basis="business_interest"),
    ),
    Rule(
        "eu.special_categories", EU, "GDPR", "9", "1", "",
        "特別な種類の個人データは処理しない",
        "Special categories of personal data are not processed",
        check.special_categories, _with_category("health_status"),
    ),
    Rule(
        "eu.automated_decision", EU, "GDPR", "22", "1, 3", "Recital 71 (e-recruiting)",
        "重要な影響のある自動処理のみによる決定をしない(人の関与・異議・説明)",
        "No decision based solely on automated processing with significant effects; human "
        "intervention, contest, explanation",
        check.automated_decision, _unreviewed_individual,
    ),
    Rule(
        "eu.ai_act_high_risk", EU, "EU AI Act", "6", "3",
        "Annex III 4(a); obligations Art. 9-15, 26, 86",
        "採用・候補者評価のAIは高リスク(プロファイリングは常に高リスク)",
        "Recruitment and candidate-evaluation systems are high-risk; profiling always is",
        check.ai_act_high_risk, _answer_no(dpia.AI_RISK_MANAGEMENT),
    ),
)
# fmt: on
# Issue 26: the AI Act's deployer duties join the eu pack; every rule carries its dates.
RULES = with_dates((*RULES, *ai_act.RULES))
PACKS: tuple[str, ...] = (JP, EU)


# Rules the issue-27 hardening added to the jp pack beyond the law table's rows.
HARDENING_RULES: tuple[str, ...] = ("jp.purpose_binds_recipient",)


def registration_rule() -> Rule:
    """The binding rule as registration applies it: to the declaration's own purposes
    (a purpose declared for a recipient it was not stated for is refused there and then)."""
    binding = rule("jp.purpose_binds_recipient")
    return replace(binding, check=check.declared_purposes_bound)


def rules_of(pack: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.pack == pack)


def rule(rule_id: str) -> Rule:
    for found in RULES:
        if found.rule_id == rule_id:
            return found
    raise KeyError(rule_id)
