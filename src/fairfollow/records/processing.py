"""The record of processing (GDPR Art. 30; the matters APPI Art. 32 has published), built
from the registries, never typed by hand (pure).

Fides calls this a data map. FairFollow has every fact already: the purposes members are
shown (the consent ledger), the data services with their inputs, outputs, recipients,
retention and legal basis (the service registry), and the retention the law sets for
provision records. :func:`build` puts them side by side; the adapters word the fixed parts
(categories of persons, transfers, safety measures) in Japanese and English from the
catalogue, and write the record as a table (CSV), JSON or a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fairfollow.canonical_json import JsonValue
from fairfollow.instants import in_jst
from fairfollow.records.provision import RETENTION_CITATION, RETENTION_YEARS

RECORD_CITATION = "GDPR Art. 30(1); APPI Art. 32(1)"


class PersonCategory(StrEnum):
    """Whose data the platform processes."""

    MEMBER = "member"  # job seekers registered on the site
    APPLICANT = "applicant"  # people on an employer's applicant list (matched to members)
    STAFF = "staff"  # accounts of employer users and the platform's staff


class SafetyMeasure(StrEnum):
    """The security control measures (APPI Art. 23; GDPR Art. 32) the platform takes."""

    ROLE_ACCESS = "role_access"  # one action table, deny by default
    KEYED_PSEUDONYMS = "keyed_pseudonyms"  # HMAC keys held apart from the data
    NOISE = "noise"  # differential-privacy noise on every released figure
    TRANSPARENCY_LOG = "transparency_log"  # every release and decision a signed log leaf
    APPEND_ONLY_LEDGER = "append_only_ledger"  # corrections are new rows
    RETENTION_PURGE = "retention_purge"  # records deleted at the end of retention
    INCIDENT_REGISTER = "incident_register"  # leaks on the statutory clock


class Transfer(StrEnum):
    """Transfers of personal data across borders."""

    EU_TO_JAPAN = "eu_to_japan"  # EU members' data, under the adequacy decision


TRANSFER_CITATIONS: dict[Transfer, str] = {
    Transfer.EU_TO_JAPAN: "GDPR Art. 45; Commission Implementing Decision (EU) 2019/419",
}


@dataclass(frozen=True)
class PurposeLine:
    key: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    output: str
    recipient_class: str
    dpv_term: str


@dataclass(frozen=True)
class ServiceLine:
    service_id: str
    name: str
    state: str
    purposes: tuple[str, ...]
    data_in: tuple[str, ...]
    data_out: tuple[str, ...]
    recipient_class: str
    named_recipients: tuple[str, ...]
    retention_days: int | None
    legal_basis: str | None


@dataclass(frozen=True)
class RetentionLine:
    """How long one kind of record or data is kept, and on what ground."""

    subject: str  # "service:<id>" or "provision_record:<basis>"
    days: int | None
    ground: str


@dataclass(frozen=True)
class ProcessingRecord:
    at: datetime
    purposes: tuple[PurposeLine, ...]
    services: tuple[ServiceLine, ...]
    retention: tuple[RetentionLine, ...]
    persons: tuple[PersonCategory, ...] = tuple(PersonCategory)
    transfers: tuple[Transfer, ...] = tuple(Transfer)
    safety: tuple[SafetyMeasure, ...] = tuple(SafetyMeasure)
    citation: str = RECORD_CITATION

    @property
    def recipient_classes(self) -> tuple[str, ...]:
        found = {p.recipient_class for p in self.purposes}
        found |= {s.recipient_class for s in self.services}
        return tuple(sorted(found))

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The record as (section, key, field, value) rows: the CSV and the page."""
        out: list[tuple[str, str, str, str]] = []
        for p in self.purposes:
            for name in ("name_ja", "name_en", "description_ja", "description_en"):
                out.append(("purpose", p.key, name, getattr(p, name)))
            out += [
                ("purpose", p.key, "output", p.output),
                ("purpose", p.key, "recipient_class", p.recipient_class),
                ("purpose", p.key, "dpv_term", p.dpv_term),
            ]
        for s in self.services:
            out += [
                ("service", s.service_id, "name", s.name),
                ("service", s.service_id, "state", s.state),
                ("service", s.service_id, "purposes", " ".join(s.purposes)),
                ("service", s.service_id, "data_in", " ".join(s.data_in)),
                ("service", s.service_id, "data_out", " ".join(s.data_out)),
                ("service", s.service_id, "recipient_class", s.recipient_class),
                ("service", s.service_id, "named_recipients", " ".join(s.named_recipients)),
                ("service", s.service_id, "legal_basis", s.legal_basis or ""),
            ]
        for c in self.recipient_classes:
            out.append(("recipient_class", c, "", ""))
        for r in self.retention:
            out.append(("retention", r.subject, str(r.days or ""), r.ground))
        out += [("persons", p.value, "", "") for p in self.persons]
        out += [("transfer", t.value, "", TRANSFER_CITATIONS[t]) for t in self.transfers]
        out += [("safety", m.value, "", "") for m in self.safety]
        return out

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "at": in_jst(self.at),
            "citation": self.citation,
            "purposes": [dict(p.__dict__) for p in self.purposes],
            "services": [
                {
                    **{k: v for k, v in s.__dict__.items() if not isinstance(v, tuple)},
                    **{k: list(v) for k, v in s.__dict__.items() if isinstance(v, tuple)},
                }
                for s in self.services
            ],
            "recipient_classes": list(self.recipient_classes),
            "retention": [dict(r.__dict__) for r in self.retention],
            "persons": [p.value for p in self.persons],
            "transfers": [
                {"transfer": t.value, "citation": TRANSFER_CITATIONS[t]} for t in self.transfers
            ],
            "safety_measures": [m.value for m in self.safety],
        }


HEADER = ("section", "key", "field", "value")


def build(
    at: datetime, purposes: Iterable[PurposeLine], services: Iterable[ServiceLine]
) -> ProcessingRecord:
    """The record from the registries' facts, with the retention each one sets."""
    services = tuple(sorted(services, key=lambda s: s.service_id))
    retention = [
        RetentionLine(f"service:{s.service_id}", s.retention_days, "service declaration")
        for s in services
    ]
    retention += [
        RetentionLine(f"provision_record:{basis.value}", years * 365, RETENTION_CITATION)
        for basis, years in RETENTION_YEARS.items()
    ]
    return ProcessingRecord(
        at, tuple(sorted(purposes, key=lambda p: p.key)), services, tuple(retention)
    )
