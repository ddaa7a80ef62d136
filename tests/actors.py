"""Actors for tests that name a person without creating an account."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from fairfollow.actor import Actor
from fairfollow.ledger.columns import ActorColumn


def as_actor(login: str) -> Actor:
    """A stable actor for ``login`` (the id is derived from it, as an account's would be)."""
    return Actor(f"acc-{hashlib.sha256(login.encode()).hexdigest()[:16]}", login)


def compare_type(
    context: object,
    inspected_column: object,
    metadata_column: object,
    inspected_type: sa.types.TypeEngine[object],
    metadata_type: sa.types.TypeEngine[object],
) -> bool | None:
    """Alembic's type comparison, told that an actor column is text in the database (its
    values are parsed on the way out); every other column is compared as Alembic does."""
    if isinstance(metadata_type, ActorColumn):
        return not isinstance(inspected_type, sa.Text | sa.String)
    return None
