"""The unit of work: one ledger transaction, its failures as :class:`LedgerError`.

Domain modules and orchestrators (release, intake, coverage …) never import SQLAlchemy: they
take a :data:`Connection` from :func:`transaction` (or :func:`reading`) and hand it to the
store modules, which run the SQL. The names below are the ledger's vocabulary for that
handle, so that a type annotation does not need the storage library.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fairfollow.errors import LedgerError

__all__ = ["Connection", "Engine", "reading", "transaction"]


def _driver_error(engine: Engine) -> type[BaseException]:
    found = getattr(engine.dialect.loaded_dbapi, "Error", sa.exc.SQLAlchemyError)
    return found if isinstance(found, type) else sa.exc.SQLAlchemyError


@contextmanager
def transaction(engine: Engine, operation: str = "ledger write") -> Iterator[Connection]:
    """A write transaction: committed when the block ends, rolled back on any error.

    A database failure surfaces as :class:`LedgerError` naming ``operation`` (COPY and some
    constraint failures raise the driver's own errors, caught too).
    """
    try:
        with engine.begin() as conn:
            yield conn
    except (sa.exc.SQLAlchemyError, _driver_error(engine)) as exc:
        raise LedgerError("ledger.operation_failed", operation=operation, reason=str(exc)) from exc


@contextmanager
def reading(engine: Engine, operation: str = "ledger read") -> Iterator[Connection]:
    """A read-only connection; its database failures surface as :class:`LedgerError`."""
    try:
        with engine.connect() as conn:
            yield conn
    except (sa.exc.SQLAlchemyError, _driver_error(engine)) as exc:
        raise LedgerError("ledger.operation_failed", operation=operation, reason=str(exc)) from exc
