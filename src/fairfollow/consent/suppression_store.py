"""The ledger's suppression list: keyed hashes of members who must not come back.

Erasure and stop-of-use requests (``fairfollow rights``) add the HMAC-SHA256, under the
workspace's matching key, of the member's id. Every later intake leaves such a member out of
the employer's pool (:func:`fairfollow.intake.suppression.unsuppressed`: the offer
stays, unmatched, reason ``suppressed``) and every later consent ingest leaves out their
registration and consent rows (:func:`fairfollow.consent.ingest.ingest_consent_logs`). The
table holds no id in clear.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.consent.store import QuarantinedRow
from fairfollow.keys import keyed_hash
from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata

KIND = "suppressed_member"
HASH_PREFIX = "hmac:"  # marks a cell kept as its keyed hash (the consent quarantine)

suppressions = sa.Table(
    "consent_suppressions",
    metadata,
    sa.Column("member_hash", sa.String(64), primary_key=True),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("request_id", sa.Integer, nullable=True),
    sa.Column("added_at", UtcDateTime, nullable=False),
)


def member_hash(key: bytes, member_id: int) -> str:
    """The member's :func:`~fairfollow.keys.keyed_hash` under the pseudonym key."""
    return keyed_hash(key, KIND, int(member_id))


def any_suppressed(conn: Connection) -> bool:
    return conn.execute(sa.select(suppressions.c.member_hash).limit(1)).first() is not None


def suppress(
    conn: Connection, key: bytes, member_id: int, reason: str, at: datetime, request_id: int | None
) -> bool:
    """Put the member on the list; False if they already were."""
    digest = member_hash(key, member_id)
    known = conn.execute(
        sa.select(suppressions.c.member_hash).where(suppressions.c.member_hash == digest)
    ).first()
    if known is not None:
        return False
    conn.execute(
        suppressions.insert().values(
            member_hash=digest, reason=reason, request_id=request_id, added_at=at
        )
    )
    return True


def suppressed(conn: Connection, key: bytes, member_ids: Iterable[int]) -> set[int]:
    """The members of ``member_ids`` that are on the list."""
    if not any_suppressed(conn):  # an empty list (read in the caller's transaction) holds none
        return set()
    by_hash = {member_hash(key, m): int(m) for m in member_ids}
    found: set[int] = set()
    hashes = sorted(by_hash)
    for start in range(0, len(hashes), 5_000):
        chunk = hashes[start : start + 5_000]
        rows = conn.execute(
            sa.select(suppressions.c.member_hash).where(suppressions.c.member_hash.in_(chunk))
        )
        found.update(by_hash[str(r[0])] for r in rows)
    return found


def drop_suppressed(
    conn: Connection,
    key: bytes,
    members: pa.Table,
    quarantined: Sequence[QuarantinedRow],
) -> tuple[pa.Table, list[QuarantinedRow]]:
    """A consent ingest's members and quarantine without anyone on the list.

    Quarantined rows hold the member id only as its keyed hash — the same hash the list
    holds (:mod:`fairfollow.consent.quarantine`) — so they are matched by the hash alone.
    """
    if not any_suppressed(conn):
        return members, list(quarantined)
    ids = [int(m) for m in members["member_id"].to_pylist() if m is not None]
    stopped = suppressed(conn, key, ids)
    hashes = {id(row): _member_hash_of(row) for row in quarantined}
    listed = _listed(conn, {h for h in hashes.values() if h is not None})
    keep = pc.invert(pc.is_in(members["member_id"], pa.array(sorted(stopped), pa.int64())))
    rows = [q for q in quarantined if hashes[id(q)] not in listed]
    return members.filter(keep), rows


def _member_hash_of(row: QuarantinedRow) -> str | None:
    try:
        value = json.loads(row.raw).get("member_id")
    except (ValueError, AttributeError):
        return None
    if isinstance(value, str) and value.startswith(HASH_PREFIX):
        return value[len(HASH_PREFIX) :]
    return None


def _listed(conn: Connection, hashes: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(hashes)
    for start in range(0, len(ordered), 5_000):
        chunk = ordered[start : start + 5_000]
        rows = conn.execute(
            sa.select(suppressions.c.member_hash).where(suppressions.c.member_hash.in_(chunk))
        )
        found.update(str(r[0]) for r in rows)
    return found
