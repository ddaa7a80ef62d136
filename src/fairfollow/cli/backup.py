"""``fairfollow backup DEST`` and ``fairfollow restore SRC DIR``: parse, one use case, render."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fairfollow.cli.context import workspace_of
from fairfollow.cli.terminal import console, print_json

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def backup_command(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="A new directory for the backup.")],
    as_json: JsonFlag = False,
) -> None:
    """A consistent, verifiable snapshot of the live workspace.

    Ledger, store, keys, checkpoint file and models, with a manifest of SHA-256s, published
    at DEST only once complete."""
    from fairfollow.usecases.backup import back_up

    manifest = back_up(workspace_of(ctx), dest, datetime.now(UTC))
    if as_json:
        print_json({"path": str(dest), **manifest.as_json()})
    else:
        console.print(
            f"[green]✓ backup written[/]: {dest} — {len(manifest.files)} files, "
            f"ledger {manifest.backend}, log size {manifest.log_size:,}"
        )


def restore_command(
    src: Annotated[Path, typer.Argument(help="A backup made by `fairfollow backup`.")],
    target: Annotated[Path, typer.Argument(metavar="DIR", help="A new directory to restore to.")],
    ledger_url: Annotated[
        str | None,
        typer.Option(help="For a PostgreSQL backup: the empty database to restore into."),
    ] = None,
    checkpoints: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoints",
            help="A checkpoint file kept outside the workspace; the restore must extend it. "
            "Repeatable.",
        ),
    ] = None,
    witness: Annotated[
        list[Path] | None,
        typer.Option(help="A witness's store; the restore must extend what it cosigned."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Restore a backup into a new directory, verified and audited.

    The backup is checked against its manifest, restored into the new DIR and proved: log
    verify, log audit, the budget recount, and no rollback behind --checkpoints or
    --witness. Refused (exit 2, nothing left at DIR) otherwise."""
    from fairfollow.settings import Settings
    from fairfollow.usecases.backup import restore

    pinned = Settings().log_public_key
    outcome = restore(
        src,
        target,
        ledger_url=ledger_url,
        checkpoint_files=checkpoints or [],
        witnesses=witness or [],
        pinned_key=pinned,
    )
    if as_json:
        print_json(
            {
                "ok": True,
                "path": str(outcome.path),
                "tree_size": outcome.tree_size,
                "checkpoints": outcome.checkpoints,
                "extends_size": outcome.seen_size,
            }
        )
    else:
        console.print(
            f"[green]✓ restored and verified[/]: {outcome.path} — log of "
            f"{outcome.tree_size:,} leaves, {outcome.checkpoints} checkpoints, audit passed"
        )
