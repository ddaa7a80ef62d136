"""The record of processing in one language: the fixed parts (categories of persons,
transfers, safety measures) worded from the catalogue, shared by the CLI and the console."""

from __future__ import annotations

from fairfollow.messages.catalogue import text
from fairfollow.records.processing import PersonCategory, ProcessingRecord, SafetyMeasure, Transfer

_SECTIONS = {
    "persons": PersonCategory,
    "transfer": Transfer,
    "safety": SafetyMeasure,
}


def worded_rows(record: ProcessingRecord, language: str) -> list[tuple[str, str, str, str]]:
    """(section, key, field, value) with each fixed entry's description in ``language``
    in the ``field`` column; the registries' own rows as they are."""
    out = []
    for section, key, field, value in record.rows():
        kind = _SECTIONS.get(section)
        if kind is not None:
            field = text(f"term.{_snake(kind.__name__)}.{key}", language)
        out.append((section, key, field, value))
    return out


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
