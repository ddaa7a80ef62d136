"""What every command gets from the root options: the workspace and its ledger.

Command modules import these; :mod:`fairfollow.cli.app` imports the command modules, never
the other way round.
"""

from __future__ import annotations

import typer

from fairfollow.ledger.engine import workspace_ledger
from fairfollow.ledger.transaction import Engine
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
