"""The accuracy of a released forecast, in words the employer plans with, in each language.

The core returns the figures only; the sentence is the catalogue's (``release.accuracy``), so
the page, the command line and the API's ``words`` say the same thing in the same language.
People are whole (a forecast of 121.5 people is 122), the noise to a tenth.
"""

from __future__ import annotations

from fairfollow.messages import catalogue, formats
from fairfollow.release.figures import ReleasedFigures

CODE = "release.accuracy"


def sentence(figures: ReleasedFigures, language: str) -> str:
    low, high = figures.forecast_interval
    low80, high80 = figures.interval_80
    return catalogue.text(
        CODE,
        language,
        low=formats.people(low, language),
        high=formats.people(high, language),
        low80=formats.people(low80, language),
        high80=formats.people(high80, language),
        point=formats.people(figures.expected_acceptances, language),
        error=formats.people(max(figures.typical_error, 1.0), language),
        noise=f"{figures.noise_bound:.1f}",
        share=str(round(figures.noise_confidence * 10)),
    )


def words(figures: ReleasedFigures) -> dict[str, str]:
    """The sentence in every language, keyed by language (as the pages pick one)."""
    return {language: sentence(figures, language) for language in formats.LANGUAGES}
