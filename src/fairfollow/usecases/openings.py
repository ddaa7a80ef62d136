"""The figures behind a release's public commitment, for those entitled to them.

The public log commits to each release's figures without showing them (release/leaf). The
opening — the figures and the salt — goes to the employer for its own releases, and to
oversight (an auditor's account, which is how a regulator is given access, and the privacy
officer) for any release; nobody else, and never to the public.
"""

from __future__ import annotations

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action, Audience, audiences_of, require
from fairfollow.errors import AuthenticationError
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.release import history
from fairfollow.release.history import ReleaseOpening

OVERSIGHT = frozenset({Audience.AUDITOR, Audience.PRIVACY_OFFICER})


def release_opening(
    principal: Principal | None, engine: Engine, decision_id: int
) -> ReleaseOpening:
    """The opening of release ``decision_id``: an employer user's own employer's only
    (another's is unknown to it), any release for oversight."""
    me = require(principal, Action.RELEASE_OPENING)
    oversight = bool(audiences_of(me) & OVERSIGHT)
    if not oversight and me.employer is None:  # the action table admits no one else
        raise AuthenticationError("accounts.sign_in_required", action=Action.RELEASE_OPENING)
    with reading(engine, "release opening") as conn:
        return history.opening_of(conn, decision_id, None if oversight else me.employer)
