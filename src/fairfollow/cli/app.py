"""The ``fairfollow`` command line: parse, make one core call, render.

Sub-command groups live beside the noun they serve (``consent_cli``, ``log_cli`` …) and are
registered here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fairfollow.cli.terminal import err_console
from fairfollow.errors import FairFollowError
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

app = typer.Typer(
    name="fairfollow",
    help="FairFollow: job-site behaviour in, consented aggregate forecasts out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace directory (env FAIRFOLLOW_HOME)."),
    ] = None,
) -> None:
    settings = Settings() if workspace is None else Settings(home=workspace)
    ctx.obj = Workspace.from_settings(settings)


def workspace_of(ctx: typer.Context) -> Workspace:
    """The workspace chosen by the root options, created on first use."""
    found = ctx.find_root().obj
    if not isinstance(found, Workspace):
        raise typer.BadParameter("workspace not initialised")
    return found.ensure()


def _register() -> None:
    # Imported here, after `app` exists, so command modules may import `workspace_of`.
    from fairfollow.cli import season as season_cli

    season_cli.register(app)
    from fairfollow.cli import log as log_cli

    log_cli.register(app)
    from fairfollow.cli import model as model_cli

    model_cli.register(app)
    from fairfollow.cli import governance as governance_cli

    governance_cli.register(app)
    from fairfollow.cli import consent as consent_cli
    from fairfollow.cli import policy as policy_cli

    consent_cli.register(app)
    policy_cli.register(app)


_register()


def main() -> None:
    try:
        app()
    except FairFollowError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(2) from exc
