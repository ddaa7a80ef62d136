"""Who acted: the one way every ledger column and log leaf names a person (pure).

An :class:`Actor` is the stable account id and the login the account had when it acted,
written ``hanako (acc-0123456789abcdef)``: the id identifies the account for ever (ids are
never reused), the login lets a person read the trail without a join. A login holds no
whitespace (:func:`fairfollow.accounts.account.normalise_login`), so the form parses back
without ambiguity (:func:`parse_actor`).

When the platform itself acts — the replay's own steps, the demo, a scheduled purge, an
import, the employer portal's unauthenticated door — it is a *system actor* of the same
form with a ``sys-`` id (``replay (sys-replay)``), never a free string: :data:`SYSTEM`
lists them, and a test checks every actor column of the ledger holds one of the two.

The record sits in the foundation because the consent ledger (below the accounts tier)
records actors too; an authenticated principal becomes one in exactly one place,
:func:`fairfollow.accounts.account.actor_of`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fairfollow.errors import GovernanceError

ACCOUNT_ID = r"acc-[0-9a-f]{16}"
SYSTEM_ID = r"sys-[a-z][a-z0-9-]*"
_ACTOR = re.compile(rf"(?P<login>\S+) \((?P<account_id>{ACCOUNT_ID}|{SYSTEM_ID})\)")


@dataclass(frozen=True, order=True)
class Actor:
    """An account (or the platform) as it acted: stable id and login at the time."""

    account_id: str
    login: str

    def __post_init__(self) -> None:
        if not _ACTOR.fullmatch(f"{self.login} ({self.account_id})"):
            raise GovernanceError(
                "accounts.actor_malformed", account_id=self.account_id, login=self.login
            )

    @property
    def is_system(self) -> bool:
        return self.account_id.startswith("sys-")

    def __str__(self) -> str:
        """The one serialisation, as stored in every actor column."""
        return f"{self.login} ({self.account_id})"


def parse_actor(text: str) -> Actor:
    """The actor a stored value names; :class:`GovernanceError` for any other form."""
    found = _ACTOR.fullmatch(text)
    if found is None:
        raise GovernanceError("accounts.actor_malformed", account_id="", login=text)
    return Actor(found["account_id"], found["login"])


def is_actor(text: str) -> bool:
    """Whether ``text`` is an actor in the one form."""
    return _ACTOR.fullmatch(text) is not None


def system_actor(name: str) -> Actor:
    """The platform acting as ``name`` (one of :data:`SYSTEM`)."""
    return Actor(f"sys-{name}", name)


# The platform's own actors: each is one kind of step no person took.
REPLAY = system_actor("replay")  # the seasonal replay's scripted steps
DEMO = system_actor("demo")  # the consent demo and `make demo`
PURGE = system_actor("purge")  # a scheduled retention purge
IMPORT = system_actor("import")  # a policy or consent import from files
INTAKE = system_actor("intake")  # the intake pipeline's own records
PORTAL = system_actor("portal")  # the employer portal's door, before any sign-in
RULES = system_actor("rule-engine")  # the rule engine's verdict on a submitted service
DOOR = system_actor("release-door")  # a release asked of the door with no account behind it
SYSTEM = (REPLAY, DEMO, PURGE, IMPORT, INTAKE, PORTAL, RULES, DOOR)
