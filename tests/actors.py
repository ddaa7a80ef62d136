"""Actors for tests that name a person without creating an account."""

from __future__ import annotations

import hashlib

from fairfollow.actor import Actor


def as_actor(login: str) -> Actor:
    """A stable actor for ``login`` (the id is derived from it, as an account's would be)."""
    return Actor(f"acc-{hashlib.sha256(login.encode()).hexdigest()[:16]}", login)
