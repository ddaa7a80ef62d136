"""``fairfollow db``: the ledger's schema, migrated only when asked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from fairfollow.accounts import authority
from fairfollow.cli.account import new_account
from fairfollow.cli.context import new_workspace_of, workspace_of
from fairfollow.cli.terminal import console, print_json
from fairfollow.ledger.engine import applied_heads, create_ledger, schema_heads

db_app = typer.Typer(help="The ledger database: schema migrations.")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Create the ledger, or bring its schema to this version (every Alembic head). A ledger
    without an administrator gets its bootstrap administrator, whose one-time secret is
    printed once."""
    workspace = new_workspace_of(ctx)
    engine = create_ledger(workspace.ledger_url)
    try:
        heads = sorted(applied_heads(engine))
        admin = (
            authority.bootstrap(engine, datetime.now(UTC))
            if authority.needs_bootstrap(engine)
            else None
        )
    finally:
        engine.dispose()
    if as_json:
        payload: dict[str, object] = {"ledger": workspace.ledger_url, "heads": heads}
        if admin is not None:
            payload["administrator"] = {"login": admin.account.login, "secret": admin.secret}
        print_json(payload)
        return
    console.print(f"✓ ledger at {workspace.ledger_url} is at schema {', '.join(heads)}")
    if admin is not None:
        new_account(admin, False, "administrator")


@db_app.command("status")
def status_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the ledger's schema revisions against this version's; exit 1 when behind."""
    from fairfollow.ledger.engine import make_engine

    workspace = workspace_of(ctx)
    applied: frozenset[str] = frozenset()
    if not workspace.creates_ledger():  # asking must not create the file
        engine = make_engine(workspace.ledger_url)
        try:
            applied = applied_heads(engine)
        finally:
            engine.dispose()
    missing = sorted(schema_heads() - applied)
    if as_json:
        print_json({"applied": sorted(applied), "missing": missing, "current": not missing})
    elif missing:
        console.print(f"✗ behind: missing {', '.join(missing)}; run `fairfollow db upgrade`")
    else:
        console.print(f"✓ current: {', '.join(sorted(applied))}")
    if missing:
        raise typer.Exit(1)
