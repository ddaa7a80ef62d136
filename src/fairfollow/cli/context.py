"""What every command gets from the root options: the workspace and its ledger.

Command modules import these; :mod:`fairfollow.cli.app` imports the command modules, never
the other way round. A workspace is **opened, never invented**: only the commands that make
one (``ingest``, ``demo``, ``replay``, ``db upgrade``; ``simulate`` needs none) call
:func:`new_workspace_of`; every other command fails with "no workspace at PATH" (exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.actor import Actor
from fairfollow.cli.terminal import err_console
from fairfollow.errors import InputError
from fairfollow.keys import KeyFile
from fairfollow.workspace import SeasonOrigin, Workspace

if TYPE_CHECKING:
    from fairfollow.accounts.account import Principal
    from fairfollow.accounts.actions import Action
    from fairfollow.ledger.transaction import Engine


@dataclass(frozen=True)
class RootOptions:
    """The root options as given; settings are read only when a command needs them."""

    workspace: Path | None = None


def _chosen(ctx: typer.Context) -> Workspace:
    from fairfollow.settings import Settings

    found = ctx.find_root().obj
    if isinstance(found, Workspace):
        return found
    if not isinstance(found, RootOptions):
        raise typer.BadParameter("workspace not initialised")
    settings = Settings() if found.workspace is None else Settings(home=found.workspace)
    return Workspace.from_settings(settings)


def workspace_of(ctx: typer.Context) -> Workspace:
    """The workspace chosen by the root options; it must exist."""
    return _chosen(ctx).open()


def new_workspace_of(ctx: typer.Context) -> Workspace:
    """The chosen workspace, created if absent (for the commands that make one)."""
    return _chosen(ctx).ensure()


def display_zone() -> tzinfo:
    """The zone times are shown to people in (setting ``display_zone``, default JST)."""
    from fairfollow.instants import zone_named
    from fairfollow.settings import Settings

    return zone_named(Settings().display_zone)


def shown(at: datetime) -> str:
    """``at`` for a person: in the display zone, ISO 8601 with the offset."""
    from fairfollow.instants import for_people

    return for_people(at, display_zone())


def instant_of(
    ctx: typer.Context, given: str | None, *, season: int | None = None, option: str = "--at"
) -> datetime:
    """``given`` parsed (:func:`fairfollow.instants.parse_instant`: one parser, one message),
    else the season's forecast instant on a workspace built from a season (said on stderr),
    else now (live data)."""
    from fairfollow.instants import parse_instant

    if given is not None:
        return parse_instant(given, option)
    origin = workspace_of(ctx).origin()
    if origin is None:
        return datetime.now(UTC)
    at = origin.instant(season)
    err_console.print(
        f"{option} not given: the season's forecast instant, {shown(at)}", soft_wrap=True
    )
    return at


def origin_of(ctx: typer.Context, option: str) -> SeasonOrigin:
    """The season the workspace was built from, for an option it lets default."""
    origin = workspace_of(ctx).origin()
    if origin is None:
        raise InputError("cli.option_needs_season", option=option)
    return origin


# The options every command module shares, declared once.
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="Instant, ISO 8601 with offset, e.g. 2019-07-15T00:00+09:00 (default: the "
        "season's forecast instant on a workspace built from a season, else now).",
    ),
]
Season = Annotated[int, typer.Option(help="Hiring season (class graduating in spring).")]


@contextmanager
def opened(ctx: typer.Context, *, create: bool = False) -> Iterator[tuple[Workspace, Engine]]:
    """The chosen workspace and its ledger, disposed of on the way out: the one way a
    command opens the ledger (``create``: only a command that makes a workspace)."""
    from fairfollow.ledger.engine import new_workspace_ledger, workspace_ledger

    workspace = new_workspace_of(ctx) if create else workspace_of(ctx)
    engine = new_workspace_ledger(workspace) if create else workspace_ledger(workspace)
    try:
        yield workspace, engine
    finally:
        engine.dispose()


def ledger_of(ctx: typer.Context, *, create: bool = False) -> Engine:
    """The chosen workspace's ledger (created, at the current schema, with a new workspace;
    the workspace itself only by a command that makes one, ``create``)."""
    from fairfollow.ledger.engine import new_workspace_ledger, workspace_ledger

    if create:
        return new_workspace_ledger(new_workspace_of(ctx))
    return workspace_ledger(workspace_of(ctx))


SESSION_FILE = KeyFile.CLI_SESSION.value


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
    from fairfollow.settings import Settings

    token = Settings().token
    if token is not None and token.get_secret_value().strip():
        return token.get_secret_value().strip()
    path = session_path(workspace_of(ctx))
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def account_of(ctx: typer.Context, engine: Engine) -> Principal:
    """The account of the session's token (refused when missing, unknown, expired or
    revoked). Staff commands act as this account, never as a typed name."""
    from fairfollow.accounts import authority
    from fairfollow.usecases.journal import note_account

    principal = authority.authenticate(engine, token_of(ctx), datetime.now(UTC))
    note_account(principal.account_id)  # the command's action line names who acted
    return principal


def caller_of(ctx: typer.Context, engine: Engine) -> Principal | None:
    """The session's account, or None when no token is given: a use case then asks the
    caller to sign in with the same code as the web (``accounts.sign_in_required``)."""
    return None if token_of(ctx) is None else account_of(ctx, engine)


def authorized(ctx: typer.Context, action: Action) -> Principal:
    """The session's account if it may take ``action`` (the action table,
    :mod:`fairfollow.accounts.account`); refused otherwise (exit 2, one line)."""
    from fairfollow.accounts.actions import require
    from fairfollow.usecases.journal import note

    note(action.value)  # the command's action line names it, refused or not
    engine = ledger_of(ctx)
    try:
        return require(account_of(ctx, engine), action)
    finally:
        engine.dispose()


def acting_as(ctx: typer.Context, action: Action) -> Actor:
    """The actor a decision records for the authorized account."""
    from fairfollow.accounts.account import actor_of

    return actor_of(authorized(ctx, action))


AllowEmpty = Annotated[
    bool,
    typer.Option("--allow-empty", help="Pass on an empty log (by default an empty log fails)."),
]


def nothing_to_check(workspace: Workspace, size: int | None = None, allow: bool = False) -> None:
    """An audit never passes on a log that is not there: a missing ledger always fails, an
    empty log unless ``allow`` (``--allow-empty``)."""
    from fairfollow.errors import ConfigError, TransparencyLogError

    if workspace.creates_ledger():
        raise ConfigError("cli.no_ledger_to_check", path=str(workspace.root))
    if size == 0 and not allow:
        raise TransparencyLogError("cli.log_empty")
