"""Two data-service declarations: the 2019 service as it was, and FairFollow's yield forecast.

The replay of the case (:mod:`fairfollow.scenarios.replay`) registers both; the docs show them;
tests use them. ``DMP_FOLLOW_2019`` reconstructs what the regulators' records say of
"DMP Follow": a 5-level decline score per student, keyed by the employer's applicant ID,
from the student's browsing here and on a partner site, with a purpose text that named
neither the output nor the employers. ``yield_forecast`` is the same need met lawfully: an
aggregate count of acceptances per employer pool, with noise, for members whose consent
covers it.
"""

from __future__ import annotations

from collections.abc import Sequence

from fairfollow.law import dpia
from fairfollow.law.checks import EMPLOYER_LIST
from fairfollow.law.purposes import PurposeKey
from fairfollow.services.registry import ServiceSpec, validate_spec

YIELD_FORECAST_ID = "yield-forecast"
DMP_FOLLOW_ID = "dmp-follow-2019"
# The committee of the example workspaces (the replay, the demo's site accounts).
PRIVACY_OFFICER = "privacy-officer"
REVIEWERS = ("reviewer-student-voice", "reviewer-legal")


def dmp_follow_2019(owner: str = "business-unit-2019") -> ServiceSpec:
    """The 2019 service, configured as it was (individual scores for each client)."""
    return validate_spec(
        {
            "service_id": DMP_FOLLOW_ID,
            "name": "DMP Follow (2019 configuration)",
            "owner": owner,
            "purposes": [
                {
                    "key": "ad_delivery",
                    "description_ja": "サービス向上および各種情報提供のため",
                    "description_en": "For service improvement and other purposes.",
                    "analysis": "",
                    "output": "",
                    "recipient_class": "member",
                }
            ],
            "data_categories_in": [
                "browsing_history",
                "partner_browsing",
                "entry_history",
                EMPLOYER_LIST,
                "cookie_id",
                "hashed_name",
            ],
            "data_categories_out": ["decline_score_5_level"],
            "recipients": {"recipient_class": "client_employer", "named": []},
            "granularity": "individual",
            "output_keys": ["employer_applicant_id", "hashed_name"],
            "derived_evaluation": True,
            "uses_model": True,
            "retention_days": None,
            "legal_basis": "consent",
            "packs": ["jp", "eu"],
            "dpia": {
                "answers": {
                    dpia.CONSENT_PER_SUBJECT: False,
                    dpia.COMBINATION_CONSENT: False,
                    dpia.CLIENTS_SEPARATED: False,
                    dpia.HUMAN_REVIEW: False,
                },
                "necessity": {},
            },
        }
    )


def yield_forecast(
    employers: Sequence[str], owner: str = "yield-forecast-owner", retention_days: int = 365
) -> ServiceSpec:
    """FairFollow's yield forecast, naming ``employers`` as its recipients."""
    return validate_spec(
        {
            "service_id": YIELD_FORECAST_ID,
            "name": "Offer-acceptance (yield) forecast for client employers",
            "owner": owner,
            "purposes": [
                {
                    "key": PurposeKey.EMPLOYER_FORECAST,
                    "description_ja": "閲覧・エントリー履歴から、応募先企業の内定者全体のうち何人が"
                    "承諾するかを予測し、差分プライバシーのノイズを加えた集計値として企業に提供する"
                    "ため。個人についての評価・スコアは提供しません。",
                    "description_en": "To forecast, from browsing and entries, how many of an "
                    "employer's offers will be accepted, and give the employer that aggregate "
                    "with differential-privacy noise. No evaluation or score about any person "
                    "is given.",
                    "analysis": "per-offer acceptance model over consenting members' browsing "
                    "and entries, summed over the employer's pool (Poisson-binomial)",
                    "output": "aggregate forecast with noise (counts and intervals)",
                    "recipient_class": "client_employer",
                }
            ],
            "data_categories_in": ["browsing_history", "entry_history", EMPLOYER_LIST],
            "data_categories_out": ["aggregate_forecast"],
            "recipients": {"recipient_class": "client_employer", "named": list(employers)},
            "granularity": "aggregate",
            "output_keys": [],
            "derived_evaluation": False,
            "uses_model": True,
            "retention_days": retention_days,
            "legal_basis": "consent",
            "packs": ["jp", "eu"],
            "dpia": {
                "answers": {q: True for q in dpia.QUESTION_IDS},
                "necessity": {
                    "browsing_history": "features of the per-offer acceptance model",
                    "entry_history": "features of the per-offer acceptance model",
                    EMPLOYER_LIST: "which offers make up the employer's pool",
                },
            },
        }
    )
