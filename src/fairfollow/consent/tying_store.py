"""The purposes registration requires consent to, per policy version or per screen
(table ``consent_registration_terms``, append-only; migration ``tie_0001``).

A row says: to register while this version is shown (on any screen, or on ``screen_id``
only), a member must consent to ``purpose_key``. The activation gate reads them with each
purpose's recipient class and DPV concept and refuses any the job-site service does not need
(:mod:`fairfollow.law.tying`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.consent.policy_store import load_purposes, load_screens, load_versions
from fairfollow.errors import InputError
from fairfollow.law.tying import TiedPurpose
from fairfollow.ledger.columns import UtcDateTime
from fairfollow.ledger.engine import metadata

registration_terms = sa.Table(
    "consent_registration_terms",
    metadata,
    sa.Column("term_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version_id", sa.ForeignKey("policy_versions.version_id"), nullable=False),
    sa.Column("screen_id", sa.ForeignKey("consent_screens.screen_id"), nullable=True),
    sa.Column("purpose_key", sa.ForeignKey("consent_purposes.purpose_key"), nullable=False),
    sa.Column("declared_at", UtcDateTime, nullable=False),
)


def require_at_registration(
    conn: Connection,
    version_id: str,
    purpose_key: str,
    at: datetime,
    screen_id: str | None = None,
) -> None:
    """Record that registering under ``version_id`` (on ``screen_id``) needs consent to
    ``purpose_key`` — as the policy text or the screen says; the gate judges it."""
    if version_id not in load_versions(conn):
        raise InputError("consent.version_unknown", version=version_id)
    if purpose_key not in load_purposes(conn):
        raise InputError("consent.purpose_unknown", purpose=purpose_key)
    if screen_id is not None and screen_id not in load_screens(conn):
        raise InputError("consent.screen_unknown", screen=screen_id)
    conn.execute(
        registration_terms.insert().values(
            version_id=version_id, screen_id=screen_id, purpose_key=purpose_key, declared_at=at
        )
    )


def required_purposes(conn: Connection, version_id: str) -> tuple[TiedPurpose, ...]:
    """What registration under ``version_id`` needs consent to, with each purpose's facts."""
    purposes = load_purposes(conn)
    rows = conn.execute(
        sa.select(registration_terms.c.purpose_key, registration_terms.c.screen_id)
        .where(registration_terms.c.version_id == version_id)
        .order_by(registration_terms.c.term_id)
    ).all()
    return tuple(
        TiedPurpose(key, purposes[key].recipient_class, purposes[key].dpv_term, screen_id=screen)
        for key, screen in rows
    )
