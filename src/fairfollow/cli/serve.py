"""``fairfollow serve``: the web application on the workspace, with uvicorn.

Serving needs a workspace that holds a ledger, and nothing more: what a fresh workspace still
lacks (the transparency log's key, before its first checkpoint) is made here, and said.

The app is handed to uvicorn by import string as a factory, so that each worker process
builds its own (and so that the CLI never imports the web package: both are adapters).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from fairfollow.cli.context import workspace_of
from fairfollow.cli.terminal import cli_language, console
from fairfollow.messages.catalogue import text
from fairfollow.workspace import Workspace

APP_FACTORY = "fairfollow.web.app:create_app"


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes; default 1 on SQLite, 2 with a PostgreSQL ledger."),
    ] = None,
    site_accounts: Annotated[
        bool,
        typer.Option(
            help="Demo only: create (or reset) one account per kind of web user for the "
            "replayed season and print their one-time secrets before serving."
        ),
    ] = False,
) -> None:
    """Serve the web pages and the JSON API (/api/v1) for the workspace."""
    import uvicorn

    workspace = workspace_of(ctx)
    _prepare(workspace)  # a missing or old ledger is refused before serving
    if site_accounts:
        _print_site_accounts(workspace.ledger_url)
    os.environ["FAIRFOLLOW_HOME"] = str(workspace.root)  # the factory reads the settings
    if workspace.ledger_url_override:
        os.environ["FAIRFOLLOW_LEDGER_URL"] = workspace.ledger_url_override
    count = workers or (1 if workspace.ledger_url.startswith("sqlite") else 2)
    console.print(f"FairFollow on http://{host}:{port}/ ({count} worker(s)); Ctrl-C stops it")
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=count)


def _prepare(workspace: Workspace) -> None:
    """Make what serving needs (the log key of a fresh workspace), saying so."""
    from fairfollow.ledger.engine import workspace_ledger
    from fairfollow.usecases.log import prepare_serving

    engine = workspace_ledger(workspace)  # refuses a workspace whose ledger is missing
    try:
        prepared = prepare_serving(workspace, engine)
    finally:
        engine.dispose()
    if prepared.created_log_key:
        path = str(workspace.keys_dir)
        console.print(text("cli.serve_log_key_created", cli_language(), path=path))


def _print_site_accounts(ledger_url: str) -> None:
    from datetime import UTC, datetime

    from fairfollow.cli.terminal import table
    from fairfollow.ledger.engine import open_ledger
    from fairfollow.scenarios.site_accounts import demo_subjects, open_site_accounts

    engine = open_ledger(ledger_url)
    try:
        member, employer = demo_subjects(engine)
        opened = open_site_accounts(engine, datetime.now(UTC), member_id=member, employer=employer)
    finally:
        engine.dispose()
    rows = [(a.kind, a.login, a.secret, a.totp_secret or "") for a in opened]
    console.print(
        table(
            "Accounts to sign in with (shown once; each sign-in with the secret uses it up: "
            "set a password on /account)",
            ["who", "login", "one-time secret", "TOTP secret (authenticator app)"],
            rows,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
