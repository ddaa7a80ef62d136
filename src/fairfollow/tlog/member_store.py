"""Per-member secrets and the stored release commitments (ledger tables and their SQL).

``log_member_secrets`` holds one random 32-byte secret per member, created the first time a
release commits to them; it keys their tokens (:mod:`fairfollow.tlog.commitment`). Erasure
deletes the row — crypto-shredding: the commitments and the log leaves stay, verifiable,
but can no longer be linked to the person. It is the one table of the ledger where a row is
deleted rather than superseded, because keeping it would defeat the erasure.

``log_commitments`` keeps each release's sorted tokens (real and padding) under the root the
leaf publishes, so the platform can later prove a member's inclusion or exclusion. Tokens
are unlinkable without the secrets.
"""

from __future__ import annotations

import secrets as random_source
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.canonical_json import JsonValue
from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata
from fairfollow.tlog.commitment import SALT_BYTES, TOKEN_BYTES, Commitment, commit

member_secrets = sa.Table(
    "log_member_secrets",
    metadata,
    sa.Column("member_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("secret", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
commitments = sa.Table(
    "log_commitments",
    metadata,
    sa.Column("root", sa.LargeBinary(32), primary_key=True),
    sa.Column("salt", sa.LargeBinary(16), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("tokens", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

RandomBytes = Callable[[int], bytes]


def secrets_of(
    conn: Connection, member_ids: Sequence[int], at: datetime, random_bytes: RandomBytes
) -> dict[int, bytes]:
    """The members' secrets, creating those not yet made."""
    wanted = sorted(set(member_ids))
    found: dict[int, bytes] = {}
    for start in range(0, len(wanted), 5_000):
        chunk = wanted[start : start + 5_000]
        rows = conn.execute(
            sa.select(member_secrets.c.member_id, member_secrets.c.secret).where(
                member_secrets.c.member_id.in_(chunk)
            )
        )
        found.update({int(m): bytes(s) for m, s in rows})
    new = [m for m in wanted if m not in found]
    if new:
        made = {m: random_bytes(TOKEN_BYTES) for m in new}
        conn.execute(
            member_secrets.insert(),
            [{"member_id": m, "secret": s, "created_at": at} for m, s in made.items()],
        )
        found.update(made)
    return found


def member_secret(conn: Connection, member_id: int) -> bytes | None:
    """The member's secret, or None (never committed to, or shredded by erasure)."""
    value = conn.execute(
        sa.select(member_secrets.c.secret).where(member_secrets.c.member_id == member_id)
    ).scalar()
    return None if value is None else bytes(value)


def commit_members(
    conn: Connection,
    member_ids: Sequence[int],
    pool: int,
    at: datetime,
    random_bytes: RandomBytes = random_source.token_bytes,
) -> dict[str, JsonValue]:
    """Commit to the contributing members of a release, store it; return the leaf's part."""
    keys = secrets_of(conn, member_ids, at, random_bytes)
    made = commit(list(keys.values()), random_bytes(SALT_BYTES), pool, random_bytes)
    conn.execute(
        commitments.insert().values(
            root=made.root,
            salt=made.salt,
            size=made.size,
            tokens=b"".join(made.tokens),
            created_at=at,
        )
    )
    return made.leaf_body()


def load_commitment(conn: Connection, root: bytes) -> Commitment | None:
    row = conn.execute(
        sa.select(commitments.c.salt, commitments.c.tokens).where(commitments.c.root == root)
    ).first()
    if row is None:
        return None
    blob = bytes(row.tokens)
    tokens = tuple(blob[i : i + TOKEN_BYTES] for i in range(0, len(blob), TOKEN_BYTES))
    return Commitment(bytes(row.salt), tokens)


def shred(conn: Connection, member_ids: Sequence[int]) -> int:
    """Destroy the members' secrets (erasure); returns how many were destroyed."""
    if not member_ids:
        return 0
    result = conn.execute(
        member_secrets.delete().where(member_secrets.c.member_id.in_(sorted(set(member_ids))))
    )
    return int(result.rowcount or 0)


def all_secrets(conn: Connection) -> dict[int, bytes]:
    """Every member secret still held (for the audit's recount of each member's ε)."""
    rows = conn.execute(sa.select(member_secrets.c.member_id, member_secrets.c.secret))
    return {int(m): bytes(s) for m, s in rows}


def forget_member(conn: Connection, member_id: int) -> int:
    """Shred the member's secret (erasure): their log references can no longer be linked."""
    return shred(conn, [member_id])
