"""A refused release, as the sentence its employer reads, in each language."""

from __future__ import annotations

from fairfollow.messages import accuracy, catalogue, formats
from fairfollow.release.refusal import Refusal
from fairfollow.release.view import ReleaseRecord


def sentence(refusal: Refusal, language: str) -> str:
    """Why the release was refused, and the first rule that blocked it with its citation."""
    text = catalogue.text(refusal.code, language, **refusal.params)
    if not refusal.blocking:
        return text
    first = refusal.blocking[0]
    if language == "ja":
        return f"{text} {first.summary_ja}（{first.citation}）"
    return f"{text} {first.summary_en} ({first.citation})"


def words(refusal: Refusal) -> dict[str, str]:
    """The sentence in every language, keyed by language (as the pages pick one)."""
    return {language: sentence(refusal, language) for language in formats.LANGUAGES}


def worded(record: ReleaseRecord) -> ReleaseRecord:
    """A release record with its words: the accuracy, or why it was refused (both adapters
    show and serialise the same record, so its JSON is one contract)."""
    if record.refusal is not None:
        return record.with_words(words(record.refusal))
    return record if record.figures is None else record.with_words(accuracy.words(record.figures))
