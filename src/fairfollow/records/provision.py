"""Provision and confirmation records (APPI Art. 29, 30) with the retention the law sets.

- A **provision record** is written by the release door with every release to an outside
  recipient: recipient, the persons whose data contributed (one row per member, so a member
  can ask "who received my data", Art. 33(5)), the items provided, the consent basis and
  the time. Strictly, a noised aggregate is statistical data rather than personal data; the
  record is kept anyway, because members are promised to see every release that used them.
- A **confirmation record** is written at intake: the employer (the provider) attests its
  identity and how it obtained the applicants' data and their consent (Art. 30(1)).

Retention (PPC Rules Art. 21 for provision, Art. 25 for confirmation): one year when the
contract serves as the record (Rules Art. 19(3) / 23(3)), three years otherwise — counted
from the last provision (or receipt) it covers. The records live in the ledger through
:mod:`fairfollow.records.provision_store`, whose ``purge_expired`` deletes records past
their period; until then they are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

RETENTION_CITATION = "APPI Art. 29(2), 30(4); PPC Rules Art. 21, 25"


class RecordBasis(StrEnum):
    """How the record was made, which sets how long it is kept."""

    CONTRACT = "contract"  # the contract with the person serves as the record: 1 year
    BULK = "bulk"  # one record for continuous or repeated provision: 3 years
    PER_PROVISION = "per_provision"  # a record for each provision: 3 years


RETENTION_YEARS: dict[RecordBasis, int] = {
    RecordBasis.CONTRACT: 1,
    RecordBasis.BULK: 3,
    RecordBasis.PER_PROVISION: 3,
}


def retain_until(last_at: datetime, basis: RecordBasis) -> datetime:
    """The end of the retention period of a record whose last provision was ``last_at``."""
    years = RETENTION_YEARS[basis]
    try:
        return last_at.replace(year=last_at.year + years)
    except ValueError:  # 29 February
        return last_at.replace(year=last_at.year + years, day=28)


@dataclass(frozen=True)
class Provision:
    """One provision to an outside recipient."""

    decision_id: int
    recipient: str
    recipient_class: str
    items: str
    consent_basis: str
    persons: int
    provided_at: datetime
    basis: RecordBasis = RecordBasis.PER_PROVISION
    provision_id: int = 0

    @property
    def retain_until(self) -> datetime:
        return retain_until(self.provided_at, self.basis)

    def as_json(self) -> dict[str, object]:
        return {
            "provision_id": self.provision_id,
            "decision_id": self.decision_id,
            "recipient": self.recipient,
            "recipient_class": self.recipient_class,
            "items": self.items,
            "consent_basis": self.consent_basis,
            "persons": self.persons,
            "provided_at": self.provided_at.isoformat(),
            "retain_until": self.retain_until.isoformat(),
        }


@dataclass(frozen=True)
class Attestation:
    """What the employer states when it uploads a list (APPI Art. 30(1); Rules Art. 22)."""

    provider_name: str
    provider_address: str
    representative: str
    obtained_how: str
    consent_statement: str

    def missing(self) -> tuple[str, ...]:
        return tuple(name for name, value in self.__dict__.items() if not value.strip())


@dataclass(frozen=True)
class Confirmation:
    provider: str  # the employer id
    attestation: Attestation
    file_name: str
    file_sha256: str
    received_at: datetime
    basis: RecordBasis = RecordBasis.PER_PROVISION
    confirmation_id: int = 0


@dataclass(frozen=True)
class Purged:
    provisions: int
    confirmations: int
