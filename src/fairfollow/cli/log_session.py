"""What the ``fairfollow log`` commands share: the workspace's ledger and log key, the
origin notice, key and policy files given on the command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.cli.context import workspace_of
from fairfollow.workspace import Workspace

if TYPE_CHECKING:
    from fairfollow.ledger.transaction import Engine
    from fairfollow.tlog.checkpoint_file import LogPublisher
    from fairfollow.tlog.keys import NoteSigner, NoteVerifier
    from fairfollow.tlog.policy import Policy

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
PolicyFile = Annotated[
    Path | None,
    typer.Option(
        "--policy", exists=True, dir_okay=False, help="A C2SP tlog-policy file: its witnesses."
    ),
]


@contextmanager
def open_log(ctx: typer.Context) -> Iterator[tuple[Workspace, Engine, LogPublisher]]:
    from fairfollow.ledger.engine import workspace_ledger
    from fairfollow.tlog.checkpoint_file import LogPublisher

    workspace = workspace_of(ctx)
    engine = workspace_ledger(workspace)
    try:
        publisher = LogPublisher.of_workspace(workspace)
        origin_notice(workspace, publisher.signer)
        yield workspace, engine, publisher
    finally:
        engine.dispose()


def origin_notice(workspace: Workspace, signer: NoteSigner) -> None:
    """Say so (on stderr) when FAIRFOLLOW_LOG_ORIGIN names another origin than the log's:
    an existing log keeps the origin it was created with."""
    if workspace.log_origin is None or workspace.log_origin == signer.name:
        return
    from fairfollow.cli.terminal import cli_language
    from fairfollow.messages.catalogue import text

    notice = text(
        "tlog.log_origin_kept", cli_language(), origin=signer.name, setting=workspace.log_origin
    )
    print(notice, file=sys.stderr)


def log_key(signer: NoteSigner) -> NoteVerifier:
    """The log's key as pinned in settings (FAIRFOLLOW_LOG_PUBLIC_KEY), else the
    workspace's own; a pinned key makes a replaced key file fail every check."""
    from fairfollow.settings import Settings
    from fairfollow.tlog.keys import parse_verifier_key

    pinned = Settings().log_public_key
    return signer.verifier if not pinned else parse_verifier_key(verifier_text(pinned))


def verifier_text(key: str) -> str:
    path = Path(key)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else key


def policy_of(workspace: Workspace, path: Path | None) -> Policy | None:
    """The policy file given, else the workspace's own (``log-witnesses.policy``) if any."""
    from fairfollow.tlog.policy import POLICY_FILE, parse_policy

    path = path or workspace.root / POLICY_FILE
    return parse_policy(path.read_text(encoding="utf-8")) if path.is_file() else None
