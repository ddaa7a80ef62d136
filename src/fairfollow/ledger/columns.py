"""Column types every ledger table shares.

:class:`UtcDateTime` is the ledger's instant: aware in, aware (UTC) out, naive refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

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
