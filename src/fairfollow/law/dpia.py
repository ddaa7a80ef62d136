"""The DPIA questionnaire every data service answers, declared as data.

A data-protection impact assessment here is a fixed list of yes/no questions (each tied to
the rules that read it) and, per input data category, a sentence saying why the category is
needed (ESA Art. 5-5). The questionnaire carries a version; a service stores the version it
answered with its answers, and every change of answers is a new service version. An
unanswered question is a *gap* for the rules that need it, never a silent yes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

QUESTIONNAIRE_VERSION = "2026-12"  # 2026-12: the AI Act deployer questions

PURPOSE_FORESEEABLE = "purpose_foreseeable"
CONSENT_PER_SUBJECT = "consent_checked_per_subject"
COMBINATION_CONSENT = "combination_consent"
CLIENTS_SEPARATED = "clients_separated"
EMPLOYER_ATTESTATION = "employer_attestation"
MEMBER_VIEW = "member_view"
ERASURE_PROCEDURE = "erasure_procedure"
INCIDENT_RESPONSE = "incident_response"
HUMAN_REVIEW = "human_review"
AI_RISK_MANAGEMENT = "ai_risk_management"
AI_LOGS_KEPT = "ai_logs_six_months"
AI_WORKERS_INFORMED = "ai_workers_informed"
AI_CLASSIFICATION = "ai_classification_recorded"


@dataclass(frozen=True)
class Question:
    question_id: str
    text_en: str
    text_ja: str
    rules: tuple[str, ...]  # the rules that read the answer


QUESTIONS: tuple[Question, ...] = (
    Question(
        PURPOSE_FORESEEABLE,
        "Can a member who reads the purpose foresee the analysis, its output and who receives it?",
        "利用目的を読んだ会員が、分析の内容・出力・提供先の類型を予測できるか。",
        ("jp.purpose_specified",),
    ),
    Question(
        CONSENT_PER_SUBJECT,
        "Before each release, is every subject's consent for the purpose evaluated, and the "
        "data of those without it left unread?",
        "提供のたびに各本人の同意を目的ごとに判定し、同意のない者のデータを読まないか。",
        ("jp.use_limitation", "jp.third_party_consent", "eu.lawful_basis"),
    ),
    Question(
        COMBINATION_CONSENT,
        "Are employers' lists combined with browsing data only for members whose consent "
        "covers that combination?",
        "企業から受け取った名簿と閲覧履歴の突合は、その突合に同意した会員に限るか。",
        ("jp.entrustee_combination",),
    ),
    Question(
        CLIENTS_SEPARATED,
        "Is each client's data kept apart from every other client's?",
        "各クライアントのデータを他のクライアントのデータと混ぜずに扱うか。",
        ("jp.entrustee_combination",),
    ),
    Question(
        EMPLOYER_ATTESTATION,
        "Does each employer upload carry an attestation of how the data and the applicants' "
        "consent were obtained, kept as a confirmation record?",
        "企業のアップロードに、データの取得経緯と本人同意についての表明を付け、確認記録として"
        "保存するか。",
        ("jp.recipient_confirmation",),
    ),
    Question(
        MEMBER_VIEW,
        "Can each member see the records of every provision of their data?",
        "会員が自分のデータの第三者提供記録を閲覧できるか。",
        ("jp.disclosure_of_records",),
    ),
    Question(
        ERASURE_PROCEDURE,
        "Are requests to stop use or erase honoured, and data erased once no longer needed?",
        "利用停止・消去の請求に応じ、不要になったデータを消去するか。",
        ("jp.stop_use_erasure",),
    ),
    Question(
        INCIDENT_RESPONSE,
        "Is there a leak-response procedure meeting APPI Art. 26 (preliminary report in "
        "3–5 days, final report in 30 days, 60 where an unlawful purpose may be involved)?",
        "漏えい等の報告手順(速報3〜5日、確報30日、不正の目的のおそれがあれば60日)が整っているか。",
        ("jp.leak_report",),
    ),
    Question(
        HUMAN_REVIEW,
        "Does a person review each decision about an individual, who can contest it and "
        "obtain an explanation?",
        "個人に関する判断を人が確認し、本人が異議を述べ説明を受けられるか。",
        ("eu.automated_decision",),
    ),
    Question(
        AI_RISK_MANAGEMENT,
        "Are risk management, data governance, logging, transparency, human oversight and "
        "accuracy of the model documented (EU AI Act Art. 9-15)?",
        "モデルのリスク管理・データガバナンス・記録・透明性・人による監督・正確性を文書化"
        "しているか。",
        ("eu.ai_act_high_risk",),
    ),
    Question(
        AI_LOGS_KEPT,
        "Are the logs the model generates kept at least six months (EU AI Act Art. 26(6))?",
        "モデルが生成するログを少なくとも6か月保存するか（EU AI法第26条第6項）。",
        ("eu.ai_act_deployer_logs",),
    ),
    Question(
        AI_WORKERS_INFORMED,
        "Are workers' representatives and the affected workers informed before the system is "
        "put into use (EU AI Act Art. 26(7))?",
        "使用開始の前に、労働者の代表と影響を受ける労働者に知らせるか（EU AI法第26条第7項）。",
        ("eu.ai_act_workers_informed",),
    ),
    Question(
        AI_CLASSIFICATION,
        "Is the Art. 6(3)/(4) classification written down: high-risk, or why not (never "
        "'not high-risk' where the system profiles people)?",
        "第6条第3項・第4項の分類（高リスクか、そうでない理由。人のプロファイリングを行う場合は"
        "常に高リスク）を文書にしているか。",
        ("eu.ai_act_classification",),
    ),
)
QUESTION_IDS: tuple[str, ...] = tuple(q.question_id for q in QUESTIONS)


def unknown_answers(answers: Mapping[str, bool]) -> tuple[str, ...]:
    """Answer keys that are not questions of this questionnaire (refused at registration)."""
    return tuple(sorted(set(answers) - set(QUESTION_IDS)))


def unanswered(answers: Mapping[str, bool]) -> tuple[str, ...]:
    return tuple(q for q in QUESTION_IDS if q not in answers)


def render_markdown() -> str:
    """The questionnaire as a Markdown table (docs/governance.md is generated from it)."""
    lines = ["| question | asks | read by |", "|---|---|---|"]
    for q in QUESTIONS:
        rules = ", ".join(f"`{r}`" for r in q.rules)
        lines.append(f"| `{q.question_id}` | {q.text_en} | {rules} |")
    return "\n".join(lines) + "\n"
