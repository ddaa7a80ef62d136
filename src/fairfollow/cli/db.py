"""``fairfollow db``: the ledger's schema, migrated only when asked."""

from __future__ import annotations

from typing import Annotated

import typer

from fairfollow.accounts import authority
from fairfollow.cli.account import first_administrator, show_first
from fairfollow.cli.context import new_workspace_of, workspace_of
from fairfollow.cli.terminal import console, err_console, error_sentence, print_json
from fairfollow.errors import GovernanceError
from fairfollow.ledger.engine import applied_heads, schema_heads, upgrade_workspace_ledger

db_app = typer.Typer(help="The ledger database: schema migrations.")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    new: Annotated[
        bool,
        typer.Option(
            "--new",
            help="Make a new, empty ledger in a workspace that lost its own (its history "
            "stays lost: to keep it, `fairfollow restore` a backup instead).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Create the ledger, or bring its schema to this version (every Alembic head). A ledger
    without an administrator, over a workspace without history, gets its bootstrap
    administrator; its one-time secret and the break-glass secret are printed once. A
    workspace whose ledger is missing is refused unless ``--new`` is given."""
    workspace = new_workspace_of(ctx)
    engine = upgrade_workspace_ledger(workspace, again=new)
    try:
        heads = sorted(applied_heads(engine))
        made = None
        if authority.needs_bootstrap(engine):
            try:
                made = first_administrator(engine, workspace)
            except GovernanceError as exc:  # history without an administrator: said, not made
                err_console.print(f"no administrator made: {error_sentence(exc)}", soft_wrap=True)
    finally:
        engine.dispose()
    if as_json:
        payload: dict[str, object] = {"ledger": workspace.ledger_url, "heads": heads}
        if made is not None:
            payload["administrator"] = {
                "login": made.admin.account.login,
                "secret": made.admin.secret,
                "break_glass": made.break_glass,
            }
        print_json(payload)
        return
    console.print(f"✓ ledger at {workspace.ledger_url} is at schema {', '.join(heads)}")
    if made is not None:
        show_first(made, False)


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
