"""The ledger side of an erasure: what is deleted, cleared or kept, in one transaction.

Deleted: the member's consent registration and events, their quarantined consent rows,
their per-member secret (crypto-shredding of their log references). Cleared: the member's
link in employers' offer pools (the offer stays, unmatched, reason ``erased``) and the id on
their rights requests. Kept: the provision records naming them (APPI Art. 29(2),
Enforcement Rules Art. 21: one or three years) —
:func:`~fairfollow.records.provision_store.provisions_for_member` lists them, with why.
:func:`compact` then rewrites the database file so no freed page keeps a deleted value.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fairfollow.consent import store as consent_store
from fairfollow.consent.quarantine import keyed_cell
from fairfollow.intake.pool_store import UNMATCHED, pool_offers
from fairfollow.rights.store import forget_member
from fairfollow.tlog import member_store

ERASED = "erased"


def _quarantined_of(conn: Connection, member_id: int, key: bytes) -> list[int]:
    """The member's quarantined consent rows, found by the keyed hash they keep of the id
    (:mod:`fairfollow.consent.quarantine`); rows kept before ids were hashed (no field
    recorded, cells as a list) by the id in clear."""
    table = consent_store.quarantine
    hashed = keyed_cell(key, str(int(member_id)))
    found = []
    rows = conn.execute(
        sa.select(table.c.quarantine_id, table.c.raw, table.c.field).where(
            table.c.raw.like(f"%{hashed}%") | table.c.field.is_(None)
        )
    )
    for quarantine_id, raw, field in rows:
        try:
            cells = json.loads(raw)
            if field is None:
                if int(cells[1]) == member_id:
                    found.append(int(quarantine_id))
            elif cells.get("member_id") == hashed:
                found.append(int(quarantine_id))
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            continue
    return found


def erase_in_ledger(
    conn: Connection, member_id: int, member_ref: str, request_id: int, *, key: bytes
) -> dict[str, int]:
    """Delete and clear the member's rows (see the module docstring); counts by what.

    ``key`` is the workspace's matching key (it finds the member's quarantined rows)."""
    events = conn.execute(
        consent_store.events.delete().where(consent_store.events.c.member_id == member_id)
    ).rowcount
    registered = conn.execute(
        consent_store.members.delete().where(consent_store.members.c.member_id == member_id)
    ).rowcount
    quarantined = _quarantined_of(conn, member_id, key)
    if quarantined:
        conn.execute(
            consent_store.quarantine.delete().where(
                consent_store.quarantine.c.quarantine_id.in_(quarantined)
            )
        )
    offers = conn.execute(
        pool_offers.update()
        .where(pool_offers.c.member_id == member_id)
        .values(member_id=None, status=UNMATCHED, reason=ERASED)
    ).rowcount
    # The ε odometer of a person no longer here: privacy accounting, not a record the law keeps.
    odometer = conn.execute(
        sa.delete(sa.table("rel_member_odometer", sa.column("member_id"))).where(
            sa.column("member_id") == member_id
        )
    ).rowcount
    return {
        "member_odometer_deleted": int(odometer or 0),
        "consent_events_deleted": int(events or 0),
        "consent_registration_deleted": int(registered or 0),
        "consent_quarantine_deleted": len(quarantined),
        "pool_offers_unlinked": int(offers or 0),
        "member_secrets_shredded": member_store.shred(conn, [member_id]),
        "rights_requests_cleared": forget_member(conn, member_ref, request_id),
    }


def compact(engine: Engine) -> None:
    """Rewrite the ledger's storage so deleted values leave no trace in freed pages."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # the driver autocommits: VACUUM runs outside a transaction
        try:
            cursor = raw.cursor()
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":
            for table in (
                consent_store.events,
                consent_store.members,
                consent_store.quarantine,
                pool_offers,
                member_store.member_secrets,
            ):
                conn.exec_driver_sql(f"VACUUM {table.name}")
