"""Column types every ledger table shares.

:class:`UtcDateTime` is the ledger's instant: aware in, aware (UTC) out, naive refused.
:class:`ActorColumn` is who acted: an :class:`~fairfollow.actor.Actor` in and out.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from fairfollow.actor import Actor, parse_actor
from fairfollow.errors import FairFollowError, LedgerError
from fairfollow.instants import utc


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware instant stored in UTC; read back aware (UTC). Naive input is refused.

    SQLite keeps it as fixed-width ``YYYY-MM-DD HH:MM:SS.ffffff`` text, which orders like
    time because every value is UTC; PostgreSQL keeps ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ActorColumn(sa.types.TypeDecorator[Actor]):
    """Who acted, in the one form (:mod:`fairfollow.actor`): an :class:`Actor` in, one out.

    A free string is refused on the way in, so no store can write a sixth format; a stored
    value that does not parse is a broken ledger (migration ``actor_0001`` rewrote the old
    forms).
    """

    impl = sa.Text
    cache_ok = True

    def __init__(self, *, sqlite_length: int | None = None) -> None:
        # Two columns were VARCHAR(32) account ids. PostgreSQL widened them to text
        # (migration actor_0001); SQLite, which never enforces a length, keeps the declared
        # type, since rebuilding acct_accounts would break the foreign keys pointing at it.
        super().__init__()
        self.sqlite_length = sqlite_length

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[str]:
        if dialect.name == "sqlite" and self.sqlite_length is not None:
            return dialect.type_descriptor(sa.String(self.sqlite_length))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Actor | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Actor):
            raise LedgerError("ledger.actor_not_typed", value=str(value))
        return str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Actor | None:
        if value is None:
            return None
        try:
            return parse_actor(value)
        except FairFollowError as exc:
            raise LedgerError("ledger.actor_unreadable", value=value) from exc
