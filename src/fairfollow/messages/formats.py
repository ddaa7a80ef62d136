"""Numbers, days, dates, instants and legal citations as people read them, per language.

Japanese: 12,345 · 2026年12月8日(火) · 2026年12月8日(火) 01:31 · 個人情報保護法第27条第1項.
English:  12,345 · 8 Dec 2026 · 8 Dec 2026, 01:31 JST · APPI Art. 27(1).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from fairfollow.instants import JST

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"

_WEEKDAYS_JA = "月火水木金土日"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The laws cited by the rule packs, under the names each language's readers know them by.
LAW_NAMES: dict[str, tuple[str, str]] = {
    "APPI": ("個人情報保護法", "APPI"),
    "ESA": ("職業安定法", "ESA"),
    "GDPR": ("GDPR", "GDPR"),
    "EU AI Act": ("EU AI法", "EU AI Act"),
    "PPC Rules": ("個人情報保護法施行規則", "PPC Rules"),
}
_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
}


def number(value: int | float, language: str) -> str:
    """A count with thousands separators (both languages group by three with a comma)."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def people(value: float, language: str) -> str:
    """A number of people: whole, with separators (a forecast of 121.5 people is 122)."""
    return f"{round(value):,}"


def days(value: float, language: str) -> str:
    whole = round(value)
    if language == "ja":
        return f"{whole:,}日"
    return f"{whole:,} day" if whole == 1 else f"{whole:,} days"


def day(value: date, language: str) -> str:
    if language == "ja":
        return f"{value.year}年{value.month}月{value.day}日({_WEEKDAYS_JA[value.weekday()]})"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def instant(value: datetime, language: str, zone: tzinfo = JST) -> str:
    """An instant in ``zone`` (JST unless the deployment says otherwise), to the minute."""
    local = value.astimezone(zone)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if language == "ja":
        return f"{day(local.date(), language)} {clock}"
    return f"{day(local.date(), language)}, {clock} {local.tzname() or ''}".rstrip()


def citation(law: str, article: str, paragraph: str, language: str) -> str:
    """One article (or a list of them) as each language cites it.

    ``APPI Art. 27(5)(i)`` / ``個人情報保護法第27条第5項第1号``;
    ``APPI Art. 17, 21(1)`` / ``個人情報保護法第17条、第21条第1項``.

    ``article`` is one article (``27``, ``5-5`` is 第5条の5) or a list (``17, 21``; ``2(3), 20``
    where an entry carries its own paragraph); ``paragraph`` is written as the packs keep it —
    ``1``, ``5(i)`` (paragraph 5, item i), ``1, 3`` (two paragraphs), ``1-2`` (a range) or
    empty for the whole article — and belongs to the last article of the list.
    """
    ja_name, en_name = LAW_NAMES.get(law, (law, law))
    entries = [a.strip() for a in article.split(",") if a.strip()] or [article]
    cited = []
    for i, entry in enumerate(entries):
        number, _, own = entry.partition("(")
        own = own.rstrip(")")
        paragraphs = (own or paragraph) if i == len(entries) - 1 else own
        cited.append(_one_article(number, paragraphs, language))
    if language == "ja":
        return ja_name + "、".join(cited)
    return f"{en_name} Art. " + ", ".join(cited)


def _one_article(number: str, paragraph: str, language: str) -> str:
    """``17`` with ``1, 3`` → 第17条第1項・第3項 / 17(1), (3); ``1-2`` → 第1項・第2項 / (1)–(2)."""
    if "-" in paragraph and "(" not in paragraph:
        first, _, last = paragraph.partition("-")
        heads = [first.strip(), last.strip()]
        joiner = ("・", "–")
    else:
        heads = [p.strip() for p in paragraph.split(",") if p.strip()]
        joiner = ("・", ", ")
    if language == "ja":
        main, _, branch = number.partition("-")  # Art. 5-5 is 第5条の5
        text = f"第{main}条" + (f"の{branch}" if branch else "")
        parts = []
        for head in heads:
            para, _, item = head.partition("(")
            item = item.rstrip(")")
            part = f"第{para}項" if para else ""  # an item of the article itself: 第7条第4号
            if item:
                part += f"第{_ROMAN.get(item, item)}号"
            parts.append(part)
        return text + joiner[0].join(parts)
    parts = []
    for head in heads:
        para, _, item = head.partition("(")
        item = item.rstrip(")")
        parts.append((f"({para})" if para else "") + (f"({item})" if item else ""))
    return number + joiner[1].join(parts)


# The further sources the rule packs cite (guidelines, FAQ entries), as Japanese readers
# know them; a source not listed is shown as the pack writes it.
SOURCES_JA: dict[str, str] = {
    "Annex III 4(a); obligations Art. 9-15, 26, 86": (
        "附属書III 4(a)、義務は第9条〜第15条・第26条・第86条"
    ),
    "MHLW guidance of 2019-09-06 on job-information sites": (
        "厚生労働省 就職情報サイトに関する指導（2019年9月6日）"
    ),
    "MHLW guideline (Notice 141 of 1999)": "厚生労働省 指針（平成11年告示第141号）",
    "PPC FAQ Q7-42, Q7-43": "個人情報保護委員会 Q&A Q7-42・Q7-43",
    "PPC Rules Art. 19-21": "個人情報保護法施行規則第19条〜第21条",
    "PPC Rules Art. 22-25": "個人情報保護法施行規則第22条〜第25条",
    "PPC Rules Art. 31": "個人情報保護法施行規則第31条",
    "PPC Rules Art. 7-8": "個人情報保護法施行規則第7条・第8条",
    "PPC general guidelines 3-1-1; MHLW ESA Q&A (2022)": (
        "個人情報保護委員会 通則ガイドライン3-1-1、厚生労働省 職業安定法Q&A（2022年）"
    ),
    "Recital 71 (e-recruiting)": "前文第71項（電子的な採用）",
}


def source(text: str, language: str) -> str:
    """A further source of a rule (a guideline, an FAQ entry) as ``language`` cites it."""
    return SOURCES_JA.get(text, text) if language == "ja" else text
