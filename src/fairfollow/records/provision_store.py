"""The ledger tables of provision and confirmation records, and their SQL.

The records and the retention rule are in :mod:`fairfollow.records.provision`; this
module writes, reads and purges them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.errors import GovernanceError
from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata
from fairfollow.records.provision import (
    Attestation,
    Confirmation,
    Provision,
    Purged,
    RecordBasis,
    retain_until,
)

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


def record_provision(conn: Connection, provision: Provision, subjects: Sequence[int]) -> int:
    """Write a provision record and its subjects; returns the record's id."""
    if provision.persons != len(set(subjects)):
        raise GovernanceError("records.persons_mismatch")
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
        raise GovernanceError("records.provision_not_stored")
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
        raise GovernanceError("records.attestation_incomplete", missing=list(missing))
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
        raise GovernanceError("records.confirmation_not_stored")
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


def purge_expired(conn: Connection, now: datetime) -> Purged:
    """Delete records whose retention period has ended (never one still within it)."""
    expired = sa.select(provisions.c.provision_id).where(provisions.c.retain_until < now)
    conn.execute(provision_subjects.delete().where(provision_subjects.c.provision_id.in_(expired)))
    gone = conn.execute(provisions.delete().where(provisions.c.retain_until < now)).rowcount
    confirmed = conn.execute(
        confirmations.delete().where(confirmations.c.retain_until < now)
    ).rowcount
    return Purged(int(gone or 0), int(confirmed or 0))


def ledger_now(conn: Connection) -> datetime:
    """The ledger database's own clock (``CURRENT_TIMESTAMP``, UTC), not a caller's claim."""
    found = conn.execute(
        sa.select(sa.type_coerce(sa.func.current_timestamp(), UtcDateTime()))
    ).scalar()
    if not isinstance(found, datetime):
        raise GovernanceError("records.ledger_time_unknown")
    return found
