"""Browser sessions on a real ledger (SQLite and PostgreSQL): the cookie is stored only as
its SHA-256, sessions end when idle, at their absolute end and on sign-out; the throttle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.accounts import authority, session
from fairfollow.accounts.account import AuditKind
from fairfollow.accounts.session import SessionPolicy, throttle_wait
from fairfollow.errors import AuthenticationError, ThrottledError
from fairfollow.ledger.engine import open_ledger

NOW = datetime(2026, 4, 1, tzinfo=UTC)
PASSWORD = "a long enough password"


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    admin = authority.principal_for(engine, authority.bootstrap(engine, NOW).account.login)
    authority.create_account(engine, admin, "hanako", display_name="Hanako", now=NOW, member_id=7)
    authority.set_password(engine, authority.principal_for(engine, "hanako"), PASSWORD, NOW)
    yield engine
    engine.dispose()


def test_a_session_stands_for_its_account_and_the_ledger_keeps_only_a_digest(
    engine: Engine,
) -> None:
    opened = session.open_session(engine, "Hanako", PASSWORD, NOW)
    assert opened.cookie.startswith("ffw_") and opened.expires_at == NOW + timedelta(hours=12)
    me = session.resume_session(engine, opened.cookie, NOW + timedelta(minutes=5))
    assert me.login == "hanako" and me.member_id == 7
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM acct_sessions")).all()
    assert len(rows) == 1 and opened.cookie not in repr(rows)
    kinds = [e.kind for e in authority.own_trail(engine, me, limit=10)]
    assert AuditKind.SESSION_OPENED in kinds and AuditKind.LOGIN in kinds


def test_idle_absolute_and_closed_sessions_are_refused(engine: Engine) -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=2))
    idle = session.open_session(engine, "hanako", PASSWORD, NOW, policy=policy)
    with pytest.raises(AuthenticationError, match=r"accounts\.session_ended"):
        session.resume_session(engine, idle.cookie, NOW + timedelta(minutes=31), policy)
    with pytest.raises(
        AuthenticationError, match=r"accounts\.session_closed"
    ):  # ending closed it for good
        session.resume_session(engine, idle.cookie, NOW + timedelta(minutes=32), policy)
    busy = session.open_session(engine, "hanako", PASSWORD, NOW, policy=policy)
    at = NOW
    for _ in range(5):
        at += timedelta(minutes=20)
        session.resume_session(engine, busy.cookie, at, policy)
    with pytest.raises(AuthenticationError, match=r"accounts\.session_ended"):
        session.resume_session(engine, busy.cookie, NOW + timedelta(hours=2), policy)
    closed = session.open_session(engine, "hanako", PASSWORD, NOW, policy=policy)
    session.close_session(engine, closed.cookie, NOW)
    with pytest.raises(AuthenticationError, match=r"accounts\.session_closed"):
        session.resume_session(engine, closed.cookie, NOW, policy)
    with pytest.raises(AuthenticationError, match=r"accounts\.session_unknown"):
        session.resume_session(engine, "ffw_not-a-session", NOW, policy)


def test_signing_in_again_closes_the_session_presented(engine: Engine) -> None:
    first = session.open_session(engine, "hanako", PASSWORD, NOW)
    second = session.open_session(engine, "hanako", PASSWORD, NOW, replacing=first.cookie)
    assert second.cookie != first.cookie
    with pytest.raises(AuthenticationError):
        session.resume_session(engine, first.cookie, NOW)
    assert session.resume_session(engine, second.cookie, NOW).login == "hanako"


def test_a_new_password_ends_every_other_session_and_token(engine: Engine) -> None:
    here = session.open_session(engine, "hanako", PASSWORD, NOW)
    elsewhere = session.open_session(engine, "hanako", PASSWORD, NOW)
    token = authority.login(engine, "hanako", PASSWORD, NOW).token
    me = session.resume_session(engine, here.cookie, NOW)
    ended = authority.set_password(
        engine, me, "a newer long password", NOW, current=PASSWORD, keep=here.cookie
    )
    assert ended == 2
    assert session.resume_session(engine, here.cookie, NOW).login == "hanako"
    with pytest.raises(AuthenticationError, match=r"accounts\.session_closed"):
        session.resume_session(engine, elsewhere.cookie, NOW)
    with pytest.raises(AuthenticationError, match=r"accounts\.token_revoked"):
        authority.authenticate(engine, token, NOW)
    with pytest.raises(AuthenticationError):
        session.open_session(engine, "hanako", PASSWORD, NOW)  # the old password is gone
    trail = authority.own_trail(engine, me, limit=5)
    assert any(e.kind is AuditKind.PASSWORD_SET and e.detail["ended"] == 2 for e in trail)


def test_the_throttle_waits_longer_after_each_failure(engine: Engine) -> None:
    assert [throttle_wait(n).total_seconds() for n in range(6)] == [0, 0, 0, 2, 4, 8]
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            session.open_session(engine, "hanako", "wrong password", NOW)
    with pytest.raises(ThrottledError) as waited:
        session.open_session(engine, "hanako", PASSWORD, NOW + timedelta(seconds=1))
    assert waited.value.retry_after == 1
    opened = session.open_session(engine, "hanako", PASSWORD, NOW + timedelta(seconds=2))
    assert session.resume_session(engine, opened.cookie, NOW + timedelta(seconds=2))


def test_one_sources_failures_slow_down_only_that_source(engine: Engine) -> None:
    """Finding (issue 27): an anonymous caller locked staff accounts out with wrong
    passwords. Now failures are counted per (login, source), with growing waits."""
    attacker, owner = "198.51.100.7", "192.0.2.10"
    for n in range(8):
        at = NOW + timedelta(minutes=10 * n)  # each try after the previous wait
        with pytest.raises(AuthenticationError):
            session.open_session(engine, "hanako", "wrong password", at, source=attacker)
    later = NOW + timedelta(minutes=70, seconds=1)
    with pytest.raises(ThrottledError) as waited:  # the attacker's address waits …
        session.open_session(engine, "hanako", PASSWORD, later, source=attacker)
    assert waited.value.retry_after > 60  # 2^(8-2) s after the 8th failure
    opened = session.open_session(engine, "hanako", PASSWORD, later, source=owner)  # … not hers
    assert session.resume_session(engine, opened.cookie, later).login == "hanako"
    assert session.issue_token(engine, "hanako", PASSWORD, later).login == "hanako"  # nor the CLI
    with pytest.raises(ThrottledError):  # her success from elsewhere does not free the attacker
        session.open_session(engine, "hanako", PASSWORD, later, source=attacker)


def test_the_command_line_keeps_a_per_login_throttle(engine: Engine) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            session.issue_token(engine, "hanako", "wrong password", NOW)
    with pytest.raises(ThrottledError):
        session.issue_token(engine, "hanako", PASSWORD, NOW + timedelta(seconds=1))
    assert session.issue_token(engine, "hanako", PASSWORD, NOW + timedelta(seconds=2)).token
