"""The intake's check against the suppression list (one call from :mod:`.intake`).

A member on the list (:mod:`fairfollow.consent.suppression_store`) — erased, or who
stopped the use of their data — is never matched again: their row stays in the employer's
list as an unmatched offer with reason ``suppressed``, so the pool keeps its size and
nothing about the member is stored (APPI Art. 35; GDPR Art. 17, 18, 21).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fairfollow.consent.suppression_store import suppressed
from fairfollow.intake.classification import MatchedRow
from fairfollow.ledger.transaction import Connection

SUPPRESSED = "suppressed"


def unsuppressed(conn: Connection, key: bytes, rows: Sequence[MatchedRow]) -> list[MatchedRow]:
    """``rows`` with every suppressed member unmatched (reason ``suppressed``)."""
    found = suppressed(conn, key, {r.member_id for r in rows if r.member_id is not None})
    return [replace(r, member_id=None, how=SUPPRESSED) if r.member_id in found else r for r in rows]
