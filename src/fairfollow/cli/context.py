"""What every command gets from the root options: the workspace and its ledger.

Command modules import these; :mod:`fairfollow.cli.app` imports the command modules, never
the other way round.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import typer

from fairfollow.governance import authority
from fairfollow.governance.accounts import Principal
from fairfollow.ledger.engine import workspace_ledger
from fairfollow.ledger.transaction import Engine
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace


def workspace_of(ctx: typer.Context) -> Workspace:
    """The workspace chosen by the root options, created on first use."""
    found = ctx.find_root().obj
    if not isinstance(found, Workspace):
        raise typer.BadParameter("workspace not initialised")
    return found.ensure()


def ledger_of(ctx: typer.Context) -> Engine:
    """The chosen workspace's ledger (created, at the current schema, with a new workspace)."""
    return workspace_ledger(workspace_of(ctx))


SESSION_FILE = "account.token"


def session_path(workspace: Workspace) -> Path:
    """Where ``account login`` keeps this workspace's session token (mode 0600)."""
    return workspace.keys_dir / SESSION_FILE


def save_session(workspace: Workspace, token: str) -> Path:
    path = session_path(workspace)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(token + "\n")
    os.replace(temporary, path)
    return path


def clear_session(workspace: Workspace) -> None:
    session_path(workspace).unlink(missing_ok=True)


def token_of(ctx: typer.Context) -> str | None:
    """``FAIRFOLLOW_TOKEN`` if set, else the token ``account login`` saved in the workspace."""
    token = Settings().token
    if token is not None and token.get_secret_value().strip():
        return token.get_secret_value().strip()
    path = session_path(workspace_of(ctx))
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def account_of(ctx: typer.Context, engine: Engine) -> Principal:
    """The account of the session's token (refused when missing, unknown, expired or
    revoked). Staff commands act as this account, never as a typed name."""
    return authority.authenticate(engine, token_of(ctx), datetime.now(UTC))
