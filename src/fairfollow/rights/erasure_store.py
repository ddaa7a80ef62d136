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

from sqlalchemy.engine import Connection, Engine

from fairfollow.consent import store as consent_store
from fairfollow.consent.quarantine import keyed_cell
from fairfollow.intake import pool_store
from fairfollow.intake.pool_store import pool_offers
from fairfollow.release import budget_store
from fairfollow.rights import store as rights_store
from fairfollow.tlog import member_store


def erase_in_ledger(
    conn: Connection, member_id: int, member_ref: str, request_id: int, *, key: bytes
) -> dict[str, int]:
    """Delete and clear the member's rows (see the module docstring); counts by what.

    Each table's owner forgets the member in its own rows; ``key`` is the workspace's
    matching key (the consent quarantine keeps the id under it)."""
    cell = keyed_cell(key, str(int(member_id))) or ""  # an integer id always hashes
    return {
        # The ε odometer of a person no longer here: privacy accounting, not a kept record.
        "member_odometer_deleted": budget_store.forget_member(conn, member_id),
        **consent_store.forget_member(conn, member_id, quarantine_cell=cell),
        "pool_offers_unlinked": pool_store.forget_member(conn, member_id),
        "member_secrets_shredded": member_store.forget_member(conn, member_id),
        "rights_requests_cleared": rights_store.forget_member(conn, member_ref, request_id),
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
