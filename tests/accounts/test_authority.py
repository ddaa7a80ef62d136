"""Accounts on a real ledger (SQLite and PostgreSQL): bootstrap, log-in, tokens, grants by
authority with their ledger events and log leaves, and reads of a member's data.

Each test here reproduces a finding of the adversarial review (issue 11) that today's
code (free-text ``--by`` / ``--actor``) let through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.accounts import authority
from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import AuditKind, Role
from fairfollow.errors import AuthenticationError, GovernanceError, RoleError
from fairfollow.ledger.engine import open_ledger
from fairfollow.services import workflow
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import decode_leaf

NOW = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _admin_token(engine: Engine) -> str:
    new = authority.bootstrap(engine, NOW)
    return authority.login(engine, "admin", new.secret, NOW).token


def _person(engine: Engine, admin: str, login: str, role: Role | None = None) -> str:
    me = authority.authenticate(engine, admin, NOW)
    new = authority.create_account(engine, me, login, display_name=login, now=NOW)
    if role is not None:
        authority.change_role(engine, me, login, role, grant=True, now=NOW)
    return authority.login(engine, login, new.secret, NOW).token


def test_bootstrap_happens_once_and_its_secret_works_once(engine: Engine) -> None:
    assert authority.needs_bootstrap(engine)
    new = authority.bootstrap(engine, NOW)
    assert not authority.needs_bootstrap(engine)
    with pytest.raises(GovernanceError, match=r"accounts\.administrator_exists"):
        authority.bootstrap(engine, NOW)
    token = authority.login(engine, "ADMIN", new.secret, NOW).token
    assert authority.authenticate(engine, token, NOW).roles == {Role.ADMINISTRATOR}
    with pytest.raises(AuthenticationError):  # the one-time secret is spent
        authority.login(engine, "admin", new.secret, NOW)


def test_the_ledger_keeps_no_token_secret_or_password_in_clear(engine: Engine) -> None:
    admin = _admin_token(engine)
    me = authority.authenticate(engine, admin, NOW)
    authority.set_password(engine, me, "a long enough password", NOW)
    with engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("acct_accounts", "acct_tokens", "acct_audit_events")
            for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
        )
    assert admin not in dump and "a long enough password" not in dump
    assert "$argon2id$" in dump
    assert authority.login(engine, "admin", "a long enough password", NOW).token


def test_tokens_expire_and_can_be_revoked(engine: Engine) -> None:
    new = authority.bootstrap(engine, NOW)
    issued = authority.login(engine, "admin", new.secret, NOW, ttl=timedelta(hours=1))
    assert authority.authenticate(engine, issued.token, NOW + timedelta(minutes=59))
    with pytest.raises(AuthenticationError, match=r"accounts\.token_expired"):
        authority.authenticate(engine, issued.token, NOW + timedelta(hours=1))
    admin = authority.authenticate(engine, issued.token, NOW)
    authority.set_password(engine, admin, "another long password", NOW)
    second = authority.login(engine, "admin", "another long password", NOW).token
    authority.logout(engine, second, NOW)
    with pytest.raises(AuthenticationError, match=r"accounts\.token_revoked"):
        authority.authenticate(engine, second, NOW)
    for bad in (None, "", "fft_forged"):
        with pytest.raises(AuthenticationError):
            authority.authenticate(engine, bad, NOW)


def test_failed_logins_are_audited_and_never_lock_the_account(engine: Engine) -> None:
    """Finding (issue 27): an anonymous caller locked out the administrator and the privacy
    officer with 8 wrong passwords each; the lock then needed an administrator."""
    admin = _admin_token(engine)
    me = authority.authenticate(engine, admin, NOW)
    new = authority.create_account(engine, me, "taro", display_name="Taro", now=NOW)
    for _ in range(8):
        with pytest.raises(AuthenticationError, match=r"accounts\.sign_in_refused"):
            authority.login(engine, "taro", "guess", NOW, source="203.0.113.9")
    assert authority.login(engine, "Taro", new.secret, NOW).login == "taro"
    trail = authority.audit_trail(engine, me, "taro")
    failed = [e for e in trail if e.kind is AuditKind.LOGIN_FAILED]
    assert len(failed) == 8 and {e.detail["source"] for e in failed} == {"203.0.113.9"}
    assert [e.kind for e in trail[-2:]] == [AuditKind.LOGIN, AuditKind.TOKEN_ISSUED]


def test_totp_is_required_once_enrolled(engine: Engine) -> None:
    admin = _admin_token(engine)
    po = _person(engine, admin, "aiko", Role.PRIVACY_OFFICER)
    me = authority.authenticate(engine, po, NOW)
    authority.set_password(engine, me, "aiko's long password", NOW)
    uri = authority.enroll_totp(engine, me, NOW)
    code = pyotp.parse_uri(uri).at(NOW)  # type: ignore[attr-defined]
    with pytest.raises(AuthenticationError, match=r"accounts\.totp_required"):
        authority.login(engine, "aiko", "aiko's long password", NOW)
    assert authority.login(engine, "aiko", "aiko's long password", NOW, totp=code).token


def test_logins_are_unique_whatever_the_case(engine: Engine) -> None:
    """Finding: refused as ``hanako`` but accepted as ``Hanako``."""
    admin = authority.authenticate(engine, _admin_token(engine), NOW)
    authority.create_account(engine, admin, "hanako", display_name="Hanako", now=NOW)
    with pytest.raises(GovernanceError, match=r"accounts\.login_taken"):
        authority.create_account(engine, admin, "Hanako", display_name="Hanako", now=NOW)


def test_nobody_grants_themselves_a_role_or_a_seat_under_another_name(engine: Engine) -> None:
    """Finding: one person self-granted the privacy-officer role and two reviewer seats."""
    admin = _admin_token(engine)
    hanako = authority.authenticate(engine, _person(engine, admin, "hanako"), NOW)
    with pytest.raises(RoleError, match="administrator"):
        authority.change_role(engine, hanako, "hanako", Role.PRIVACY_OFFICER, grant=True, now=NOW)
    with pytest.raises(RoleError, match="administrator"):
        authority.create_account(engine, hanako, "hanako2", display_name="x", now=NOW)
    with pytest.raises(RoleError, match="administrator"):
        workflow.set_quorum(engine, hanako, 2, NOW)
    me = authority.authenticate(engine, admin, NOW)
    authority.change_role(engine, me, "hanako", Role.PRIVACY_OFFICER, grant=True, now=NOW)
    with pytest.raises(RoleError, match=r"accounts\.exclusive_roles"):
        authority.change_role(engine, me, "hanako", Role.REVIEWER, grant=True, now=NOW)
    with pytest.raises(RoleError, match=r"accounts\.own_roles"):
        authority.change_role(engine, me, "admin", Role.REVIEWER, grant=True, now=NOW)


def test_grants_revocations_and_quorum_are_ledger_events_and_log_leaves(engine: Engine) -> None:
    admin = _admin_token(engine)
    _person(engine, admin, "r1", Role.REVIEWER)
    me = authority.authenticate(engine, admin, NOW)
    authority.change_role(engine, me, "r1", Role.REVIEWER, grant=False, now=NOW)
    workflow.set_quorum(engine, me, 3, NOW)
    with engine.connect() as conn:
        kinds = [log_store.read_leaf(conn, i).kind for i in range(log_store.tree_size(conn))]
        r1 = account_store.find_account(conn, login="r1")
        assert r1 is not None and account_store.roles_of(conn, r1.account_id) == frozenset()
        last = decode_leaf(log_store.read_leaf(conn, 3).content)
    assert kinds == ["role.granted", "role.granted", "role.revoked", "quorum.set"]
    assert last.record.body == {"quorum": 3, "by": f"{me.login} ({me.account_id})"}
    trail = [e.kind for e in authority.audit_trail(engine, me)]
    assert trail.count(AuditKind.ROLE_GRANTED) == 2 and AuditKind.QUORUM_SET in trail


def test_a_member_reads_only_their_own_data_and_an_operator_only_on_request(
    engine: Engine,
) -> None:
    """Finding: ``records member N`` and ``consent receipt N`` answered for any N."""
    admin = _admin_token(engine)
    me = authority.authenticate(engine, admin, NOW)
    new = authority.create_account(engine, me, "m2008", display_name="", now=NOW, member_id=2008)
    member = authority.authenticate(
        engine, authority.login(engine, "m2008", new.secret, NOW).token, NOW
    )
    authority.authorize_member_read(engine, member, 2008, request="", now=NOW)
    with pytest.raises(RoleError, match=r"accounts\.member_read_own_only"):
        authority.authorize_member_read(engine, member, 2009, request="", now=NOW)
    ops = authority.authenticate(engine, _person(engine, admin, "ops", Role.OPERATOR), NOW)
    with pytest.raises(RoleError, match=r"accounts\.member_read_needs_request"):
        authority.authorize_member_read(engine, ops, 2009, request=" ", now=NOW)
    authority.authorize_member_read(engine, ops, 2009, request="REQ-0042", now=NOW)
    read = [e for e in authority.audit_trail(engine, me) if e.kind is AuditKind.MEMBER_DATA_READ]
    assert [dict(e.detail) for e in read] == [{"member_id": 2009, "request": "REQ-0042"}]
    with pytest.raises(RoleError, match=r"accounts\.member_account_no_role"):
        authority.change_role(engine, me, "m2008", Role.ANALYST, grant=True, now=NOW)


def test_an_unknown_login_and_a_wrong_password_are_refused_alike(engine: Engine) -> None:
    admin = _admin_token(engine)
    me = authority.authenticate(engine, admin, NOW)
    authority.create_account(engine, me, "jiro", display_name="Jiro", now=NOW)
    refused = []
    for login in ("jiro", "nobody-by-that-name"):
        with pytest.raises(AuthenticationError) as raised:
            authority.login(engine, login, "a wrong password", NOW)
        refused.append((raised.value.code, raised.value.params))
    assert refused[0] == refused[1] == ("accounts.sign_in_refused", {})


class _CountingHasher:
    """The password hasher, counting the argon2 verifications it runs."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.verified = 0

    def hash(self, password: str) -> str:
        return self.real.hash(password)  # type: ignore[attr-defined, no-any-return]

    def verify(self, stored: str, given: str) -> bool:
        self.verified += 1
        return self.real.verify(stored, given)  # type: ignore[attr-defined, no-any-return]


def test_an_unknown_login_costs_the_same_hash_work_as_a_real_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding (issue 27): an unknown login was refused in 53 ms, a real one in 277 ms,
    because the password hash ran only for real ones; the login names could be listed."""
    from fairfollow.accounts import account as account_module

    admin = authority.authenticate(engine, _admin_token(engine), NOW)
    authority.create_account(engine, admin, "saburo", display_name="Saburo", now=NOW)
    authority.set_password(
        engine, authority.principal_for(engine, "saburo"), "saburo's long password", NOW
    )
    authority.create_account(engine, admin, "shiro", display_name="Shiro", now=NOW)  # no password
    counting = _CountingHasher(account_module._HASHER)
    monkeypatch.setattr(account_module, "_HASHER", counting)
    work = {}
    for login, password in (
        ("saburo", "a wrong password"),
        ("shiro", "a wrong password"),
        ("nobody-by-that-name", "a wrong password"),
        ("nobody-by-that-name", ""),
    ):
        before = counting.verified
        with pytest.raises(AuthenticationError, match=r"accounts\.sign_in_refused"):
            authority.login(engine, login, password, NOW)
        work[(login, password)] = counting.verified - before
    assert set(work.values()) == {1}, work


def test_a_totp_code_works_once_and_only_for_now_or_the_step_before(engine: Engine) -> None:
    """Finding (issue 27): the same TOTP code signed in three times, and the previous
    30-second step's code was accepted after a later one."""
    admin = _admin_token(engine)
    po = authority.authenticate(engine, _person(engine, admin, "aiko", Role.PRIVACY_OFFICER), NOW)
    authority.set_password(engine, po, "aiko's long password", NOW)
    totp = pyotp.parse_uri(authority.enroll_totp(engine, po, NOW))
    at = NOW + timedelta(minutes=5)

    def sign_in(code: str, when: datetime = at) -> str:
        return authority.login(engine, "aiko", "aiko's long password", when, totp=code).login

    with pytest.raises(AuthenticationError, match=r"accounts\.totp_required"):
        sign_in(totp.at(at + timedelta(seconds=30)))  # the next step's code: not yet
    assert sign_in(totp.at(at - timedelta(seconds=30))) == "aiko"  # typed as it changed
    assert sign_in(totp.at(at)) == "aiko"
    for replayed in (totp.at(at), totp.at(at - timedelta(seconds=30))):
        with pytest.raises(AuthenticationError, match=r"accounts\.totp_required"):
            sign_in(replayed)
    later = at + timedelta(seconds=30)
    assert sign_in(totp.at(later), later) == "aiko"
    with pytest.raises(AuthenticationError, match=r"accounts\.totp_required"):
        sign_in(totp.at(at - timedelta(seconds=60)), at)  # two steps back: too old anyway
    with engine.connect() as conn:
        found = account_store.find_account(conn, login="aiko")
    assert found is not None and found.totp_last_step == int(later.timestamp()) // 30


def test_a_token_alone_cannot_change_a_password_that_is_set(engine: Engine) -> None:
    """Finding (issue 27): a stolen bearer token set a new password without the current
    one, and the owner's password stopped working."""
    admin = _admin_token(engine)
    me = authority.authenticate(engine, _person(engine, admin, "goro"), NOW)
    authority.set_password(engine, me, "goro's first password", NOW)  # on the setup secret
    for current in ("", "a wrong guess at it"):
        with pytest.raises(AuthenticationError) as refused:
            authority.set_password(engine, me, "a thief's password", NOW, current=current)
        assert refused.value.code == "accounts.current_password_wrong"
    assert authority.login(engine, "goro", "goro's first password", NOW).login == "goro"
    authority.set_password(
        engine, me, "goro's second password", NOW, current="goro's first password"
    )
    assert authority.login(engine, "goro", "goro's second password", NOW).login == "goro"
    admin_me = authority.authenticate(engine, admin, NOW)
    failures = [
        e for e in authority.audit_trail(engine, admin_me, "goro")
        if e.kind is AuditKind.LOGIN_FAILED
    ]  # fmt: skip
    assert [e.detail["reason"] for e in failures] == ["accounts.current_password_wrong"] * 2


def test_setting_a_password_follows_the_policy_and_changes_nothing_when_refused(
    engine: Engine,
) -> None:
    from fairfollow.accounts.account import MIN_PASSWORD_CHARS

    admin = authority.authenticate(engine, _admin_token(engine), NOW)
    created = authority.create_account(engine, admin, "kenji", display_name="kenji", now=NOW)
    me = authority.principal_for(engine, "kenji")
    for weak, code in (
        ("a" * MIN_PASSWORD_CHARS, "accounts.password_repeated"),
        ("password1234", "accounts.password_common"),
    ):
        with pytest.raises(GovernanceError) as refused:
            authority.set_password(engine, me, weak, NOW)
        assert refused.value.code == code
    assert not authority.has_password(engine, me)  # still on its one-time secret
    assert authority.login(engine, "kenji", created.secret, NOW).login == "kenji"
