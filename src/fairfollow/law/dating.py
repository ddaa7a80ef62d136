"""When a rule applies, and how sure its source is (pure).

Every rule of the packs carries one or more :class:`Dating` rows, oldest source first: the
law that made it, then any act that moved its date. A later source governs only once it is
*binding* (published in force, or published with a later date of application); a source
only adopted by a legislature, or proposed, is shown with its status but does not move the
date — the platform keeps the earlier obligations on until publication is confirmed (fail
closed: an obligation switched off on an unpublished promise is a breach if the promise
fails).

The EU AI Act is the case in point: Regulation (EU) 2024/1689 applies its Annex III
obligations from 2026-08-02; the Digital Omnibus on AI, adopted by the European Parliament on
2026-06-16, moves them to 2027-12-02. Until the Omnibus is published, 2026-08-02 governs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class SourceStatus(StrEnum):
    IN_FORCE = "in_force"  # published and applying
    PUBLISHED = "published"  # published; applies from its date
    ADOPTED = "adopted"  # adopted by a legislature, not yet published: check before relying
    PROPOSED = "proposed"


BINDING = frozenset({SourceStatus.IN_FORCE, SourceStatus.PUBLISHED})


@dataclass(frozen=True)
class Dating:
    """One source's say on when a rule applies."""

    applies_from: date
    source: str
    status: SourceStatus
    applies_to: date | None = None


def governing(dates: Sequence[Dating]) -> Dating | None:
    """The latest binding source (the rule's dates as they stand); None: undated."""
    binding = [d for d in dates if d.status in BINDING]
    return binding[-1] if binding else None


def applies_on(dates: Sequence[Dating], day: date) -> bool:
    """Whether the rule applies on ``day``: an undated rule always does (fail closed)."""
    found = governing(dates)
    if found is None:
        return True
    ended = found.applies_to is not None and day > found.applies_to
    return found.applies_from <= day and not ended


def as_json(dates: Sequence[Dating]) -> list[dict[str, str | None]]:
    return [
        {
            "applies_from": d.applies_from.isoformat(),
            "applies_to": None if d.applies_to is None else d.applies_to.isoformat(),
            "source": d.source,
            "status": d.status.value,
        }
        for d in dates
    ]


# The sources the packs date their rules by.
APPI_2022 = Dating(
    date(2022, 4, 1), "APPI as amended in 2020 (Act No. 44 of 2020)", SourceStatus.IN_FORCE
)
ESA_2022 = Dating(
    date(2022, 10, 1), "ESA as amended in 2022 (Act No. 12 of 2022)", SourceStatus.IN_FORCE
)
GDPR_2018 = Dating(date(2018, 5, 25), "Regulation (EU) 2016/679", SourceStatus.IN_FORCE)
AI_ACT_ANNEX_III = Dating(
    date(2026, 8, 2), "Regulation (EU) 2024/1689, Art. 113", SourceStatus.IN_FORCE
)
DIGITAL_OMNIBUS = Dating(
    date(2027, 12, 2),
    "Digital Omnibus on AI (European Parliament vote 2026-06-16; publication pending)",
    SourceStatus.ADOPTED,
)
AI_ACT_HIGH_RISK = (AI_ACT_ANNEX_III, DIGITAL_OMNIBUS)
LAW_DATES: dict[str, tuple[Dating, ...]] = {
    "APPI": (APPI_2022,),
    "ESA": (ESA_2022,),
    "GDPR": (GDPR_2018,),
    "EU AI Act": AI_ACT_HIGH_RISK,
}

# Rules whose own dates differ from their law's.
RULE_DATES: dict[str, tuple[Dating, ...]] = {
    # the MHLW guideline (Notice 141 of 1999) predates the 2022 ESA amendment
    "jp.prohibited_items": (
        Dating(date(1999, 11, 17), "MHLW Notice 141 of 1999", SourceStatus.IN_FORCE),
        ESA_2022,
    ),
}
