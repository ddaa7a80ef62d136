"""Pseudonymised information (仮名加工情報, APPI Art. 41): what the zone may be used for,
the changed purpose it serves as published (Art. 41(4)), and the columns that may never
enter it (pure; the zone itself is :mod:`fairfollow.model.pseudonymised`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fairfollow.errors import GovernanceError
from fairfollow.law.citation import Citation

ZONE = "pseudonymised"
PSEUDONYMS = {"member_id": "member_ref", "offer_id": "offer_ref"}
CONTEXT_COLUMNS = ("company_id", "industry_id", "season")
# Columns that name a person directly or link to one outside the zone: never in the zone.
DIRECT_IDENTIFIERS = frozenset(
    {
        "member_id",
        "offer_id",
        "cookie_id",
        "applicant_id",
        "employer_applicant_id",
        "name",
        "name_kanji",
        "name_kana",
        "hashed_name",
        "email",
        "phone",
        "address",
        "birth_date",
        "university",
    }
)
CITATION = Citation("APPI", "41")
USE_CITATIONS = {
    "release": Citation("APPI", "41", "6"),
    "employer_export": Citation("APPI", "41", "6"),
    "third_party": Citation("APPI", "41", "6"),
    "contact": Citation("APPI", "41", "8"),
}


@dataclass(frozen=True)
class ZonePurpose:
    """The changed purpose the zone serves, as published (Art. 41(4))."""

    key: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    recipient_class: str = "platform"


ZONE_PURPOSE = ZonePurpose(
    "model_development",
    "自社モデルの開発・検証（仮名加工情報）",
    "Developing and checking our own models (pseudonymised information)",
    "閲覧・エントリー履歴から作った特徴量を仮名加工情報として、当社内でのみ、"
    "内定承諾予測モデルの開発と精度・公平性の検証に用います。第三者には提供せず、"
    "ご本人への連絡にも使いません。",
    "Features built from browsing and entries, as pseudonymised information, used only "
    "within the platform to develop the offer-acceptance model and check its accuracy and "
    "fairness; never provided to anyone, never used to contact you.",
)


class ZoneUse(StrEnum):
    TRAINING = "training"
    ANALYSIS = "analysis"
    RELEASE = "release"
    EMPLOYER_EXPORT = "employer_export"
    THIRD_PARTY = "third_party"
    CONTACT = "contact"


INTERNAL_USES = frozenset({ZoneUse.TRAINING, ZoneUse.ANALYSIS})


def check_use(use: ZoneUse) -> None:
    """Refuse any use of the zone but internal training and analysis (Art. 41(6), (8))."""
    if use not in INTERNAL_USES:
        raise GovernanceError("model.zone_use_refused", use=use, citation=USE_CITATIONS[use.value])
