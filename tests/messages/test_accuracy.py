"""A release's accuracy in words, from the catalogue: people whole, counts with separators,
the same figures in both languages."""

from __future__ import annotations

from fairfollow.messages import accuracy
from fairfollow.release.figures import ReleasedFigures

FIGURES = ReleasedFigures(
    pool_offers=2400,
    expected_acceptances=1121.5,
    forecast_interval=(1090, 1153),
    interval_80=(1097, 1146),
    interval_level=0.9,
    typical_error=19.4,
    noise_scale=1.0,
    noise_bound=2.26,
    noise_confidence=0.9,
    epsilon=1.0,
)


def test_the_accuracy_reads_whole_people_with_separators_in_both_languages() -> None:
    words = accuracy.words(FIGURES)
    assert set(words) == {"ja", "en"}
    assert "1,090〜1,153 人" in words["ja"] and "1,090–1,153" in words["en"]
    assert "予測値 1,122 人" in words["ja"] and "forecast of 1,122 " in words["en"]  # 1121.5
    assert "おおむね 19 人" in words["ja"] and "about 19." in words["en"]
    assert "2.3 人未満" in words["ja"] and "less than 2.3 in 9 of 10" in words["en"]
    assert "1121.5" not in words["ja"] + words["en"]
    assert accuracy.CODE not in words["ja"] + words["en"]  # the catalogue knows the code
