"""Numbers, days, dates and citations as each language writes them."""

from __future__ import annotations

from datetime import date

from fairfollow.messages import formats


def test_citations_in_each_languages_form() -> None:
    assert formats.citation("APPI", "27", "1", "ja") == "個人情報保護法第27条第1項"
    assert formats.citation("APPI", "27", "1", "en") == "APPI Art. 27(1)"
    assert formats.citation("APPI", "27", "5(i)", "ja") == "個人情報保護法第27条第5項第1号"
    assert formats.citation("APPI", "27", "5(i)", "en") == "APPI Art. 27(5)(i)"
    assert formats.citation("ESA", "5-5", "", "ja") == "職業安定法第5条の5"
    assert formats.citation("ESA", "5-5", "", "en") == "ESA Art. 5-5"


def test_citations_of_article_and_paragraph_lists() -> None:
    # The packs cite lists ("17, 21" with paragraph 1 of the last): each article gets its
    # own 第…条 in Japanese rather than "第17, 21条".
    assert formats.citation("APPI", "17, 21", "1", "ja") == "個人情報保護法第17条、第21条第1項"
    assert formats.citation("APPI", "17, 21", "1", "en") == "APPI Art. 17, 21(1)"
    assert (
        formats.citation("APPI", "2(3), 20", "2", "ja") == "個人情報保護法第2条第3項、第20条第2項"
    )
    assert formats.citation("APPI", "30", "1, 3", "ja") == "個人情報保護法第30条第1項・第3項"
    assert formats.citation("APPI", "30", "1, 3", "en") == "APPI Art. 30(1), (3)"
    assert formats.citation("APPI", "29", "1-2", "en") == "APPI Art. 29(1)–(2)"
    assert formats.citation("ESA", "5-5, 51", "", "ja") == "職業安定法第5条の5、第51条"


def test_people_and_days_are_whole() -> None:
    assert formats.people(121.5, "ja") == "122"
    assert formats.days(14.0, "ja") == "14日"
    assert formats.days(1, "en") == "1 day"
    assert formats.day(date(2026, 12, 8), "en") == "8 Dec 2026"
