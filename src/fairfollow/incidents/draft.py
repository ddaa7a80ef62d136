"""The draft of a report to the PPC, field by field as its form asks (PPC Rules Art. 8(1)).

The core fills the values it knows (discovery, the data items, the head count, the cause,
the situations of Rule 7 that apply, the notices already given) and leaves ``None`` where
only the privacy officer can write (secondary damage, publication, prevention); the adapters
word the field names in Japanese (the PPC's form is Japanese) from the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fairfollow.incidents.incident import Incident
from fairfollow.law.citation import Citation
from fairfollow.law.incidents import Duty


class DraftField(StrEnum):
    """The items of the PPC's report form (Rule 8(1) items i–ix, with the heading)."""

    KIND = "kind"  # preliminary (速報) or final (確報)
    DISCOVERED_AT = "discovered_at"
    SUMMARY = "summary"  # (i) 概要
    ITEMS = "items"  # (ii) 個人データの項目
    PERSONS = "persons"  # (iii) 本人の数
    CAUSE = "cause"  # (iv) 原因
    SECONDARY_DAMAGE = "secondary_damage"  # (v) 二次被害又はそのおそれ
    PERSONS_RESPONSE = "persons_response"  # (vi) 本人への対応
    PUBLICATION = "publication"  # (vii) 公表
    PREVENTION = "prevention"  # (viii) 再発防止のための措置
    OTHER = "other"  # (ix) その他参考となる事項: the situations of Rule 7 met


@dataclass(frozen=True)
class DraftLine:
    field: DraftField
    value: object  # None: for the privacy officer to write


@dataclass(frozen=True)
class ReportDraft:
    incident_ref: str
    duty: Duty
    due_at: datetime | None
    lines: tuple[DraftLine, ...]
    citations: tuple[Citation, ...]


def draft(incident: Incident, duty: Duty) -> ReportDraft:
    facts, found = incident.facts, incident.assessment
    notified = next((r.filed_at for r in incident.reports if r.duty is Duty.PERSONS), None)
    values: dict[DraftField, object] = {
        DraftField.KIND: duty,
        DraftField.DISCOVERED_AT: facts.discovered_at,
        DraftField.SUMMARY: incident.input.summary,
        DraftField.ITEMS: list(facts.categories),
        DraftField.PERSONS: facts.persons,
        DraftField.CAUSE: incident.input.cause or None,
        DraftField.SECONDARY_DAMAGE: None,
        DraftField.PERSONS_RESPONSE: notified,
        DraftField.PUBLICATION: None,
        DraftField.PREVENTION: None,
        DraftField.OTHER: list(found.triggers),
    }
    return ReportDraft(
        incident.ref,
        duty,
        found.duty(duty).due_at,
        tuple(DraftLine(f, values[f]) for f in DraftField),
        (*found.citations, found.duty(duty).citation),
    )
