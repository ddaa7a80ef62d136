"""``fairfollow account …``: bootstrap, log in and out, accounts, roles, the audit trail.

Staff commands elsewhere act as the account of the session: ``FAIRFOLLOW_TOKEN`` if set,
else the token the last ``account login`` kept in the workspace (``keys/account.token``,
mode 0600). The ledger keeps only the token's SHA-256.
Secrets and passwords are read from a hidden prompt, or from standard input with
``--password-stdin``, never from an option that would land in the shell's history.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.accounts import authority, recovery
from fairfollow.accounts import session as sessions
from fairfollow.accounts.account import Role
from fairfollow.cli.context import (
    account_of,
    caller_of,
    clear_session,
    ledger_of,
    opened,
    save_session,
    token_of,
    workspace_of,
)
from fairfollow.cli.terminal import console, err_console, print_json, table

if TYPE_CHECKING:
    from fairfollow.ledger.transaction import Engine
    from fairfollow.workspace import Workspace

account_app = typer.Typer(help="Accounts: log in, roles granted by an administrator.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the secret from standard input.")
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only the secret or token (for scripts).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(account_app, name="account")


def _now() -> datetime:
    return datetime.now(UTC)


def _read_secret(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().strip()
    return str(typer.prompt(prompt, hide_input=True)).strip()


def new_account(new: authority.NewAccount, as_json: bool, what: str, quiet: bool = False) -> None:
    """Show an account just made and its one-time secret (once)."""
    if quiet:
        print(new.secret)
        return
    if as_json:
        print_json(
            {"login": new.account.login, "account_id": new.account.account_id, "secret": new.secret}
        )
        return
    console.print(f"{what} {new.account.login} ({new.account.account_id})")
    console.print(f"one-time secret (shown once; log in with it): {new.secret}")


def first_administrator(engine: Engine, workspace: Workspace) -> recovery.FirstAdministrator:
    """The bootstrap administrator and break-glass secret, over a workspace without history
    (its outside checkpoint copy counts: a ledger made again over it is refused)."""
    from fairfollow.tlog.checkpoint_file import read_notes

    published = read_notes(workspace.checkpoint_file)
    return recovery.first_administrator(engine, _now(), published=published)


def show_first(made: recovery.FirstAdministrator, as_json: bool, quiet: bool = False) -> None:
    """The administrator's one-time secret, and the break-glass secret (both shown once;
    with ``--quiet`` the break-glass secret goes to standard error, the other to output)."""
    if quiet:  # the administrator's secret alone on standard output, for a script's file
        print(made.admin.secret, flush=True)
        err_console.print(f"break-glass secret (shown once; keep it apart): {made.break_glass}")
        return
    if as_json:
        admin = made.admin
        print_json(
            {"login": admin.account.login, "account_id": admin.account.account_id,
             "secret": admin.secret, "break_glass": made.break_glass}
        )  # fmt: skip
        return
    new_account(made.admin, False, "administrator")
    console.print(
        "break-glass secret (shown once; keep it apart from any one person — it recovers a "
        f"privileged account, `fairfollow account break-glass`): {made.break_glass}",
        soft_wrap=True,
    )


@account_app.command("bootstrap")
def bootstrap_command(ctx: typer.Context, quiet: Quiet = False, as_json: JsonFlag = False) -> None:
    """Create the workspace's administrator, once, over a workspace without history; prints
    its one-time secret and the break-glass secret (makes the workspace if it is not there
    yet; refused over a ledger or log that already has history)."""
    with opened(ctx, create=True) as (workspace, engine):
        made = first_administrator(engine, workspace)
    show_first(made, as_json, quiet)


@account_app.command("break-glass")
def break_glass_command(
    ctx: typer.Context,
    login: str,
    password_stdin: PasswordStdin = False,
    as_json: JsonFlag = False,
) -> None:
    """Recover a privileged account with the break-glass secret (asked for, or read from
    standard input): a new one-time secret for it, its password and second factor removed,
    its tokens ended; the secret used is spent and a new one printed once. Logged as a leaf."""
    engine = ledger_of(ctx)  # the workspace and its ledger first, then the secret
    try:
        glass = _read_secret(password_stdin, "break-glass secret")
        done = recovery.use_break_glass(engine, login, glass, _now())
    finally:
        engine.dispose()
    if as_json:
        print_json(
            {"login": done.account.login, "account_id": done.account.account_id,
             "secret": done.secret, "break_glass": done.break_glass}
        )  # fmt: skip
        return
    console.print(f"recovered {done.account.login} ({done.account.account_id})")
    console.print(f"one-time secret (shown once; log in with it): {done.secret}")
    console.print(f"new break-glass secret (shown once; the one used is spent): {done.break_glass}")


@account_app.command("seal-break-glass")
def seal_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """An administrator puts a new break-glass secret in force (the old one stops working);
    printed once. Logged as a leaf."""
    engine = ledger_of(ctx)
    try:
        glass = recovery.seal_break_glass(engine, account_of(ctx, engine), _now())
    finally:
        engine.dispose()
    if as_json:
        print_json({"break_glass": glass})
    else:
        console.print(f"new break-glass secret (shown once): {glass}")


@account_app.command("login")
def login_command(
    ctx: typer.Context,
    login: str,
    totp: Annotated[str, typer.Option(help="TOTP code, for an enrolled account.")] = "",
    hours: Annotated[float, typer.Option(help="How long the token lives.")] = 12.0,
    password_stdin: PasswordStdin = False,
    quiet: Quiet = False,
    as_json: JsonFlag = False,
) -> None:
    """Log in with a password (or a one-time secret). The token is kept for this workspace
    (``keys/account.token``, mode 0600) and printed once, for FAIRFOLLOW_TOKEN elsewhere."""
    credential = _read_secret(password_stdin, "password or one-time secret")
    engine = ledger_of(ctx)
    try:
        issued = sessions.issue_token(  # the per-login throttle of the command line
            engine, login, credential, _now(), totp=totp, ttl=timedelta(hours=hours)
        )
    finally:
        engine.dispose()
    save_session(workspace_of(ctx), issued.token)
    if quiet:
        print(issued.token)
        return
    if as_json:
        print_json(
            {
                "login": issued.login,
                "token": issued.token,
                "expires_at": issued.expires_at.isoformat(),
            }
        )
        return
    console.print(f"logged in as {issued.login} until {issued.expires_at.isoformat()}")
    console.print(f"export FAIRFOLLOW_TOKEN={issued.token}", soft_wrap=True)


@account_app.command("logout")
def logout_command(ctx: typer.Context) -> None:
    """Revoke the session's token (it stops working at once) and forget it."""
    token = token_of(ctx)
    engine = ledger_of(ctx)
    try:
        who = authority.logout(engine, token or "", _now())
    finally:
        engine.dispose()
    clear_session(workspace_of(ctx))
    console.print(f"token of {who.login} revoked")


@account_app.command("whoami")
def whoami_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The account of FAIRFOLLOW_TOKEN and its roles."""
    from fairfollow.accounts.actions import Action, require

    engine = ledger_of(ctx)
    try:
        me = require(caller_of(ctx, engine), Action.ACCOUNT_SELF)
    finally:
        engine.dispose()
    roles = sorted(r.value for r in me.roles)
    if as_json:
        print_json({"login": me.login, "account_id": me.account_id, "roles": roles})
    else:
        console.print(f"{me.login} ({me.account_id}): {', '.join(roles) or 'no roles'}")


@account_app.command("create")
def create_command(
    ctx: typer.Context,
    login: str,
    name: Annotated[str, typer.Option(help="The person's name, for the record.")] = "",
    member: Annotated[int | None, typer.Option(help="A member's own account.")] = None,
    employer: Annotated[
        str | None, typer.Option(help="An employer user's account, bound to this employer.")
    ] = None,
    quiet: Quiet = False,
    as_json: JsonFlag = False,
) -> None:
    """An administrator creates an account; prints its one-time secret."""
    engine = ledger_of(ctx)
    try:
        new = authority.create_account(
            engine, account_of(ctx, engine), login, display_name=name, now=_now(),
            member_id=member, employer=employer,
        )  # fmt: skip
    finally:
        engine.dispose()
    new_account(new, as_json, "account", quiet)


@account_app.command("reset")
def reset_command(
    ctx: typer.Context, login: str, quiet: Quiet = False, as_json: JsonFlag = False
) -> None:
    """An administrator replaces an account's password with a new one-time secret."""
    engine = ledger_of(ctx)
    try:
        new = authority.reset_account(engine, account_of(ctx, engine), login, _now())
    finally:
        engine.dispose()
    new_account(new, as_json, "reset", quiet)


@account_app.command("password")
def password_command(ctx: typer.Context, password_stdin: PasswordStdin = False) -> None:
    """Set your own password (argon2id; at least 12 characters). Once one is set, the
    current password is asked first (with --password-stdin: the current password on the
    first line, the new one on the second)."""
    engine = ledger_of(ctx)
    try:
        me = account_of(ctx, engine)
        current = ""
        if authority.has_password(engine, me):
            current = _read_secret(password_stdin, "current password")
        password = _read_secret(password_stdin, "new password")
        ended = authority.set_password(
            engine, me, password, _now(), current=current, keep=token_of(ctx)
        )
    finally:
        engine.dispose()
    others = f"; {ended} other session(s) and token(s) ended" if ended else ""
    console.print(f"password set for {me.login}{others}")


@account_app.command("totp")
def totp_command(ctx: typer.Context) -> None:
    """Enrol your staff account in TOTP; prints the otpauth:// URI once."""
    engine = ledger_of(ctx)
    try:
        uri = authority.enroll_totp(engine, account_of(ctx, engine), _now())
    finally:
        engine.dispose()
    console.print(uri, soft_wrap=True)


@account_app.command("grant")
def grant_command(
    ctx: typer.Context,
    login: str,
    role: Role,
    revoke: Annotated[bool, typer.Option(help="Revoke instead of grant.")] = False,
) -> None:
    """An administrator grants (or revokes) a role; logged in the ledger and the log."""
    engine = ledger_of(ctx)
    try:
        who = authority.change_role(
            engine, account_of(ctx, engine), login, role, grant=not revoke, now=_now()
        )
    finally:
        engine.dispose()
    console.print(f"{'revoked' if revoke else 'granted'}: {who.login} {role.value}")


@account_app.command("list")
def list_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Accounts and their roles (no credentials)."""
    engine = ledger_of(ctx)
    try:
        found = authority.accounts_and_roles(engine)
    finally:
        engine.dispose()
    rows = [
        (
            a.login, a.account_id, ", ".join(sorted(r.value for r in roles)),
            a.member_id or "", a.employer or "",
        )
        for a, roles in found
    ]  # fmt: skip
    if as_json:
        keys = ("login", "account_id", "roles", "member_id", "employer")
        print_json([dict(zip(keys, r, strict=True)) for r in rows])
    else:
        console.print(table("Accounts", ["login", "id", "roles", "member", "employer"], rows))


@account_app.command("audit")
def audit_command(
    ctx: typer.Context,
    login: Annotated[str | None, typer.Option(help="One account's trail.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """The account audit trail: log-ins, failures, tokens, roles, quorum, member reads."""
    engine = ledger_of(ctx)
    try:
        events = authority.audit_trail(engine, account_of(ctx, engine), login)
    finally:
        engine.dispose()
    rows = [(e.audit_id, e.at.isoformat(), e.kind.value, e.login, dict(e.detail)) for e in events]
    if as_json:
        print_json(
            [{"id": r[0], "at": r[1], "kind": r[2], "login": r[3], "detail": r[4]} for r in rows]
        )
    else:
        console.print(table("Account audit", ["id", "at", "kind", "login", "detail"], rows))
