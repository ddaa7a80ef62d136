"""Global Privacy Control (``Sec-GPC: 1``) as a member's objection (pure).

A browser sending ``Sec-GPC: 1`` tells every site its user objects to their data being
sold or shared. The member portal records the signal (on, and off again when it stops)
as the member's objection to the purposes whose output leaves the site — any recipient
class other than the member and the platform itself, fail closed — shows it beside each of
those purposes, and records a *conflict* when the member, signal on, grants one of them:
the explicit grant is kept (consent here is opt-in, per purpose, on the text shown), and the
privacy officer can see that the two said different things.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fairfollow.consent.policy import Purpose

SITE_RECIPIENTS = frozenset({"member", "platform"})
HEADER = "sec-gpc"


def shares_beyond_site(purpose: Purpose) -> bool:
    return purpose.recipient_class.strip().lower() not in SITE_RECIPIENTS


def signal_of(header_value: str | None) -> bool:
    """The GPC signal as the specification defines it: exactly ``1`` (whitespace trimmed)."""
    return (header_value or "").strip() == "1"


@dataclass(frozen=True)
class GpcConflict:
    member_id: int
    purpose_key: str
    event_id: int
    at: datetime


@dataclass(frozen=True)
class GpcStanding:
    """The member's signal as last seen, the purposes it objects to, the conflicts."""

    on: bool
    since: datetime | None
    objected: tuple[str, ...]
    conflicts: tuple[GpcConflict, ...]

    def objects_to(self, purpose_key: str) -> bool:
        return self.on and purpose_key in self.objected


def objected(purposes: Iterable[Purpose]) -> tuple[str, ...]:
    return tuple(sorted(p.key for p in purposes if shares_beyond_site(p)))
