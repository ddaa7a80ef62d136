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
from the last provision (or receipt) it covers. :func:`purge_expired` deletes records
past their period; until then they are never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.consent.policy_store import UtcDateTime
from fairfollow.errors import GovernanceError
from fairfollow.ledger.engine import metadata

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


provisions = sa.Table(
    "gov_provisions",
    metadata,
    sa.Column("provision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("decision_id", sa.Integer, nullable=False),
    sa.Column("recipient", sa.String(64), nullable=False),
    sa.Column("recipient_class", sa.String(64), nullable=False),
    sa.Column("items", sa.Text, nullable=False),
    sa.Column("consent_basis", sa.Text, nullable=False),
    sa.Column("persons", sa.Integer, nullable=False),
    sa.Column("provided_at", UtcDateTime, nullable=False),
    sa.Column("basis", sa.String(16), nullable=False),
    sa.Column("retain_until", UtcDateTime, nullable=False),
)
provision_subjects = sa.Table(
    "gov_provision_subjects",
    metadata,
    sa.Column("provision_id", sa.ForeignKey("gov_provisions.provision_id"), primary_key=True),
    sa.Column("member_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Index("ix_gov_provision_subjects_member", "member_id"),
)
confirmations = sa.Table(
    "gov_confirmations",
    metadata,
    sa.Column("confirmation_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("provider_name", sa.Text, nullable=False),
    sa.Column("provider_address", sa.Text, nullable=False),
    sa.Column("representative", sa.Text, nullable=False),
    sa.Column("obtained_how", sa.Text, nullable=False),
    sa.Column("consent_statement", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("basis", sa.String(16), nullable=False),
    sa.Column("retain_until", UtcDateTime, nullable=False),
)


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


def record_provision(conn: Connection, provision: Provision, subjects: Sequence[int]) -> int:
    """Write a provision record and its subjects; returns the record's id."""
    if provision.persons != len(set(subjects)):
        raise GovernanceError("a provision record must list exactly its persons")
    key = conn.execute(
        provisions.insert().values(
            decision_id=provision.decision_id,
            recipient=provision.recipient,
            recipient_class=provision.recipient_class,
            items=provision.items,
            consent_basis=provision.consent_basis,
            persons=provision.persons,
            provided_at=provision.provided_at,
            basis=provision.basis.value,
            retain_until=provision.retain_until,
        )
    ).inserted_primary_key
    if key is None:
        raise GovernanceError("the provision record was not stored")
    provision_id = int(key[0])
    rows = [{"provision_id": provision_id, "member_id": m} for m in sorted(set(subjects))]
    if rows:
        conn.execute(provision_subjects.insert(), rows)
    return provision_id


def _provision(r: sa.Row[tuple[object, ...]]) -> Provision:
    m = r._mapping
    return Provision(
        int(m["decision_id"]),
        m["recipient"],
        m["recipient_class"],
        m["items"],
        m["consent_basis"],
        int(m["persons"]),
        m["provided_at"],
        RecordBasis(m["basis"]),
        int(m["provision_id"]),
    )


def provisions_for_member(conn: Connection, member_id: int) -> list[Provision]:
    """Every provision record naming the member (the Art. 33(5) view), oldest first."""
    query = (
        sa.select(provisions)
        .join(provision_subjects)
        .where(provision_subjects.c.member_id == member_id)
        .order_by(provisions.c.provision_id)
    )
    return [_provision(r) for r in conn.execute(query)]


def provisions_to(conn: Connection, recipient: str | None = None) -> list[Provision]:
    query = sa.select(provisions).order_by(provisions.c.provision_id)
    if recipient is not None:
        query = query.where(provisions.c.recipient == recipient)
    return [_provision(r) for r in conn.execute(query)]


def subjects_of(conn: Connection, provision_id: int) -> list[int]:
    query = sa.select(provision_subjects.c.member_id).where(
        provision_subjects.c.provision_id == provision_id
    )
    return sorted(int(m) for m in conn.execute(query).scalars())


def record_confirmation(conn: Connection, confirmation: Confirmation) -> int:
    missing = confirmation.attestation.missing()
    if missing:
        raise GovernanceError(f"the attestation lacks {', '.join(missing)} (APPI Art. 30(1))")
    a = confirmation.attestation
    key = conn.execute(
        confirmations.insert().values(
            provider=confirmation.provider,
            provider_name=a.provider_name,
            provider_address=a.provider_address,
            representative=a.representative,
            obtained_how=a.obtained_how,
            consent_statement=a.consent_statement,
            file_name=confirmation.file_name,
            file_sha256=confirmation.file_sha256,
            received_at=confirmation.received_at,
            basis=confirmation.basis.value,
            retain_until=retain_until(confirmation.received_at, confirmation.basis),
        )
    ).inserted_primary_key
    if key is None:
        raise GovernanceError("the confirmation record was not stored")
    return int(key[0])


def load_confirmation(conn: Connection, confirmation_id: int) -> Confirmation | None:
    r = conn.execute(
        sa.select(confirmations).where(confirmations.c.confirmation_id == confirmation_id)
    ).first()
    if r is None:
        return None
    attestation = Attestation(
        r.provider_name,
        r.provider_address,
        r.representative,
        r.obtained_how,
        r.consent_statement,
    )
    return Confirmation(
        r.provider,
        attestation,
        r.file_name,
        r.file_sha256,
        r.received_at,
        RecordBasis(r.basis),
        int(r.confirmation_id),
    )


@dataclass(frozen=True)
class Purged:
    provisions: int
    confirmations: int


def purge_expired(conn: Connection, now: datetime) -> Purged:
    """Delete records whose retention period has ended (never one still within it)."""
    expired = sa.select(provisions.c.provision_id).where(provisions.c.retain_until < now)
    conn.execute(provision_subjects.delete().where(provision_subjects.c.provision_id.in_(expired)))
    gone = conn.execute(provisions.delete().where(provisions.c.retain_until < now)).rowcount
    confirmed = conn.execute(
        confirmations.delete().where(confirmations.c.retain_until < now)
    ).rowcount
    return Purged(int(gone or 0), int(confirmed or 0))
