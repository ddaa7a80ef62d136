"""Items the law bars from collection, and their detection in a file's column names.

Two sources bar items at intake:

* the MHLW guideline under the Employment Security Act (Notice 141 of 1999, issued under
  ESA Art. 5-5), personal-information part 1(2): (i) race, ethnicity, social status,
  family origin, domicile of origin, birthplace and other causes of social discrimination;
  (ii) thought and creed; (iii) labour-union membership;
* APPI Art. 2(3) "special-care-required" information (race, creed, social status, medical
  history, criminal record, having been harmed by a crime, and by Cabinet Order Art. 2
  disabilities), which Art. 20(2) forbids acquiring without prior consent.

FairFollow never collects any of them: a file carrying such a column is refused whole
(callers raise :class:`fairfollow.errors.ProhibitedItemError`). Detection is by column
name only. English and romaji synonyms match whole ``_``-separated tokens, so ``birth_date``
does not match ``birthplace`` and ``trace_id`` does not match ``race``; Japanese synonyms
match as substrings, and are chosen so that ordinary headings such as 出身大学 (university
attended) pass.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from fairfollow.law.citation import Citation

_MHLW = "MHLW guideline (Notice 141 of 1999) under ESA Art. 5-5, personal information 1(2)"
_APPI = "APPI Art. 2(3), Art. 20(2)"
# The statutes behind each law an item is barred by, cited per language in refusals.
_BASIS = {
    "APPI": (Citation("APPI", "2", "3"), Citation("APPI", "20", "2")),
    "ESA": (Citation("ESA", "5-5"),),
}


@dataclass(frozen=True)
class ProhibitedItem:
    """One item barred from collection, with the names that reveal it in a header."""

    rule_id: str
    law: str
    citation: str
    summary_ja: str
    summary_en: str
    # Normalised (see normalise_column) English and romaji names; matched as whole tokens.
    synonyms_en: tuple[str, ...]
    # Japanese names; matched as substrings of the normalised column name.
    synonyms_ja: tuple[str, ...]

    @property
    def basis(self) -> tuple[Citation, ...]:
        """The articles that bar the item (``citation`` adds the guideline's wording)."""
        return tuple(c for law in self.law.split("; ") for c in _BASIS[law])


@dataclass(frozen=True)
class ProhibitedHit:
    """A column that names a prohibited item."""

    column: str
    item: ProhibitedItem
    synonym: str

    @property
    def rule_id(self) -> str:
        return self.item.rule_id

    @property
    def citation(self) -> str:
        return self.item.citation

    @property
    def basis(self) -> tuple[Citation, ...]:
        return self.item.basis


PROHIBITED_ITEMS: tuple[ProhibitedItem, ...] = (
    ProhibitedItem(
        rule_id="race",
        law="APPI; ESA",
        citation=f"{_APPI}; {_MHLW}(i)",
        summary_ja="人種",
        summary_en="Race",
        synonyms_en=("race", "racial", "racial_origin", "jinshu"),
        synonyms_ja=("人種",),
    ),
    ProhibitedItem(
        rule_id="ethnicity",
        law="ESA",
        citation=f"{_MHLW}(i)",
        summary_ja="民族",
        summary_en="Ethnicity",
        synonyms_en=("ethnicity", "ethnic", "ethnic_origin", "ethnic_group", "minzoku"),
        synonyms_ja=("民族",),
    ),
    ProhibitedItem(
        rule_id="social_status",
        law="APPI; ESA",
        citation=f"{_APPI}; {_MHLW}(i)",
        summary_ja="社会的身分",
        summary_en="Social status",
        synonyms_en=("social_status", "social_class", "caste", "buraku", "shakaiteki_mibun"),
        # Not bare 身分: 身分証 (an identity document) is an ordinary heading.
        synonyms_ja=("社会的身分", "部落"),
    ),
    ProhibitedItem(
        rule_id="family_origin",
        law="ESA",
        citation=f"{_MHLW}(i)",
        summary_ja="門地・家柄",
        summary_en="Family origin (lineage)",
        synonyms_en=(
            "family_origin",
            "family_lineage",
            "lineage",
            "ancestry",
            "pedigree",
            "monchi",
            "iegara",
        ),
        synonyms_ja=("門地", "家柄", "家系", "出自"),
    ),
    ProhibitedItem(
        rule_id="domicile_of_origin",
        law="ESA",
        citation=f"{_MHLW}(i)",
        summary_ja="本籍",
        summary_en="Domicile of origin (family register)",
        synonyms_en=(
            "honseki",
            "honsekichi",
            "domicile_of_origin",
            "registered_domicile",
            "permanent_domicile",
            "birthplace_domicile",
            "family_register",
            "koseki",
        ),
        synonyms_ja=("本籍", "戸籍"),
    ),
    ProhibitedItem(
        rule_id="birthplace",
        law="ESA",
        citation=f"{_MHLW}(i)",
        summary_ja="出生地・出身地",
        summary_en="Birthplace or home town",
        synonyms_en=(
            "birthplace",
            "birth_place",
            "place_of_birth",
            "hometown",
            "home_town",
            "shusseichi",
            "shusshinchi",
            "shushinchi",
        ),
        synonyms_ja=("出生地", "出身地"),
    ),
    ProhibitedItem(
        rule_id="creed",
        law="APPI; ESA",
        citation=f"{_APPI}; {_MHLW}(ii)",
        summary_ja="思想・信条(支持政党など)",
        summary_en="Thought and creed (political views and the like)",
        synonyms_en=(
            "creed",
            "belief",
            "beliefs",
            "ideology",
            "political_view",
            "political_views",
            "political_party",
            "political_affiliation",
            "party_affiliation",
            "shinjo",
            "shinjou",
            "shiso",
            "shisou",
        ),
        synonyms_ja=("信条", "思想", "支持政党", "政治的"),
    ),
    ProhibitedItem(
        rule_id="religion",
        law="APPI; ESA",
        citation=f"{_APPI} (creed); {_MHLW}(ii)",
        summary_ja="宗教・信仰",
        summary_en="Religion or faith",
        synonyms_en=(
            "religion",
            "religious",
            "religious_affiliation",
            "faith",
            "shukyo",
            "shukyou",
            "shuukyou",
            "shinko",
            "shinkou",
        ),
        synonyms_ja=("宗教", "信仰", "宗派"),
    ),
    ProhibitedItem(
        rule_id="union_membership",
        law="ESA",
        citation=f"{_MHLW}(iii)",
        summary_ja="労働組合への加入状況",
        summary_en="Labour-union membership",
        synonyms_en=(
            "union_membership",
            "union_member",
            "trade_union",
            "labor_union",
            "labour_union",
            "rodo_kumiai",
            "roudou_kumiai",
            "kumiai_kanyu",
        ),
        synonyms_ja=("労働組合", "労組", "組合加入", "組合員"),
    ),
    ProhibitedItem(
        rule_id="medical_history",
        law="APPI",
        citation=f"{_APPI}; Cabinet Order Art. 2(ii)-(iii)",
        summary_ja="病歴・健康診断の結果",
        summary_en="Medical history or health-check results",
        synonyms_en=(
            "medical_history",
            "medical_record",
            "medical_records",
            "medical_condition",
            "medical_diagnosis",
            "health_condition",
            "health_check",
            "illness",
            "disease",
            "byoreki",
            "byoureki",
            "kioreki",
            "kioureki",
        ),
        synonyms_ja=("病歴", "既往歴", "病名", "健康診断", "持病"),
    ),
    ProhibitedItem(
        rule_id="criminal_record",
        law="APPI",
        citation=f"{_APPI}; Cabinet Order Art. 2(iv)",
        summary_ja="犯罪の経歴",
        summary_en="Criminal record",
        synonyms_en=(
            "criminal_record",
            "criminal_history",
            "criminal_records",
            "conviction",
            "convictions",
            "arrest_record",
            "arrest_history",
            "hanzaireki",
            "hanzai_reki",
            "zenka",
        ),
        synonyms_ja=("犯罪歴", "犯罪の経歴", "犯罪経歴", "前科", "逮捕歴"),
    ),
    ProhibitedItem(
        rule_id="crime_victim",
        law="APPI",
        citation=_APPI,
        summary_ja="犯罪により害を被った事実",
        summary_en="Having been harmed by a crime",
        synonyms_en=(
            "crime_victim",
            "victim_of_crime",
            "victimization",
            "victimisation",
            "hanzai_higai",
            "higaisha",
        ),
        synonyms_ja=("犯罪被害", "被害歴", "犯罪により害"),
    ),
    ProhibitedItem(
        rule_id="disability",
        law="APPI",
        citation=f"{_APPI}; Cabinet Order Art. 2(i)",
        summary_ja="障害(身体・知的・精神)",
        summary_en="Disability (physical, intellectual, mental)",
        synonyms_en=(
            "disability",
            "disabilities",
            "disabled",
            "handicap",
            "impairment",
            "disability_certificate",
            "shogai",
            "shougai",
            "shogaisha",
        ),
        synonyms_ja=("障害", "障がい", "障碍"),
    ),
)


def normalise_column(name: str) -> str:
    """NFKC, lower-case, trimmed, with ``-``, ``.`` and spaces folded into ``_``."""
    text = unicodedata.normalize("NFKC", name).strip().lower()
    for sep in ("-", " ", ".", "\u3000"):
        text = text.replace(sep, "_")
    while "__" in text:
        text = text.replace("__", "_")
    return text.strip("_")


def _contains_tokens(tokens: Sequence[str], synonym: Sequence[str]) -> bool:
    width = len(synonym)
    return any(
        tuple(tokens[start : start + width]) == tuple(synonym)
        for start in range(len(tokens) - width + 1)
    )


def match_column(column: str) -> ProhibitedHit | None:
    """The prohibited item a single column name reveals, if any."""
    name = normalise_column(column)
    tokens = name.split("_")
    for item in PROHIBITED_ITEMS:
        for synonym in item.synonyms_en:
            if _contains_tokens(tokens, synonym.split("_")):
                return ProhibitedHit(column=column, item=item, synonym=synonym)
        for synonym in item.synonyms_ja:
            if synonym in name:
                return ProhibitedHit(column=column, item=item, synonym=synonym)
    return None


def find_prohibited(columns: Sequence[str]) -> ProhibitedHit | None:
    """The first column (in file order) that names a prohibited item, or ``None``."""
    for column in columns:
        hit = match_column(column)
        if hit is not None:
            return hit
    return None
