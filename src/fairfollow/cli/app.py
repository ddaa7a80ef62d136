"""The ``fairfollow`` command line: parse, make one core call, render.

Each command group is a module of this package (``cli/consent.py``, ``cli/log.py`` …), which
registers its commands here; what they share comes from :mod:`fairfollow.cli.context`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fairfollow.cli import (
    account,
    consent,
    db,
    demo,
    governance,
    log,
    model,
    policy,
    rights,
    season,
    serve,
)
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


def _register() -> None:
    # Command modules import what they need from `cli.context`, never from here.
    for commands in (
        season,
        demo,
        log,
        model,
        governance,
        consent,
        policy,
        db,
        account,
        serve,
        rights,
    ):
        commands.register(app)


_register()


def main() -> None:
    try:
        app()
    except FairFollowError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(2) from exc
