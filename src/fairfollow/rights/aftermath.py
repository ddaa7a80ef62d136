"""What a member's portal shows once their erasure is done: one story on every page.

After an erasure the member's sign-in account remains (it holds no data about them
beyond its login: it lets them read their certificate), and so do the records the law
requires kept. :func:`after_erasure` gathers what every page of the portal tells, the
same way everywhere: the erasure request and when it was completed, the provision records
kept (under which article, until when), that the proofs of inclusion were destroyed with
the member's secret at their request — not that the member was left out of a release — and
what remains of the account and how to close it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts.account import Principal
from fairfollow.rights import desk as rights_desk
from fairfollow.rights.certificate import Kept, kept_of
from fairfollow.rights.erasure import RETENTION_CITATION
from fairfollow.rights.request import RightKind, Status


@dataclass(frozen=True)
class AfterErasure:
    """The member's completed erasure and what it left (see the module docstring)."""

    request_id: int
    completed_at: datetime
    kept: tuple[Kept, ...]
    login: str
    citation: str = RETENTION_CITATION

    def kept_for(self, decision_id: int) -> Kept | None:
        """The kept provision record of one release (None: the member was not in it)."""
        return next((k for k in self.kept if k.decision_id == decision_id), None)


def after_erasure(desk: rights_desk.Desk, me: Principal) -> AfterErasure | None:
    """The member's done erasure, or None while they have not been erased."""
    if me.member_id is None:
        return None
    for request in rights_desk.member_requests(desk, me.member_id):
        if request.kind is RightKind.ERASURE and request.status is Status.DONE:
            done = next(a.at for a in request.actions if a.status is Status.DONE)
            return AfterErasure(request.request_id, done, kept_of(desk, me.member_id), me.login)
    return None


def aftermath_json(after: AfterErasure) -> str:
    """What "download my data" holds after the erasure: no data, the kept records' facts."""
    document = {
        "erased_by_request": after.request_id,
        "erased_at": after.completed_at.isoformat(),
        "kept_by_law": [
            {
                "provision_id": k.provision_id,
                "release": k.decision_id,
                "recipient": k.recipient,
                "provided_at": k.provided_at.isoformat(),
                "retain_until": k.retain_until.isoformat(),
                "citation": k.citation,
            }
            for k in after.kept
        ],
        "account": after.login,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
