"""What every route gets: the workspace, the read-only ledger engine, the log's public key
and the page renderer — built once at start-up from the settings, passed down, never global."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from fairfollow.errors import ConfigError
from fairfollow.ledger.engine import make_reader, open_ledger
from fairfollow.ledger.transaction import Engine
from fairfollow.settings import Settings
from fairfollow.tlog.keys import (
    SIGNER_FILE,
    NoteVerifier,
    load_or_create_log_signer,
    parse_verifier_key,
)
from fairfollow.web.pages import Pages
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    workspace: Workspace
    reader: Engine
    verifier: NoteVerifier
    pages: Pages

    @classmethod
    def build(cls, settings: Settings) -> AppContext:
        """Open an existing workspace for serving; a missing ledger or log key is an error,
        never created here (a web server must not invent a workspace)."""
        workspace = Workspace.from_settings(settings)
        if not (workspace.keys_dir / SIGNER_FILE).exists():
            raise ConfigError(
                f"no transparency-log key in {workspace.keys_dir}: serve a workspace that "
                "has a log (run `make demo` or `fairfollow log checkpoint` first)"
            )
        open_ledger(workspace.ledger_url).dispose()  # refuses a missing or old ledger
        # The pinned key (FAIRFOLLOW_LOG_PUBLIC_KEY) wins, as in `log audit`: a replaced key
        # file that re-signed every checkpoint then fails on the page too.
        verifier = (
            parse_verifier_key(settings.log_public_key)
            if settings.log_public_key
            else load_or_create_log_signer(workspace.keys_dir).verifier
        )
        return cls(settings, workspace, make_reader(workspace.ledger_url), verifier, Pages())


def context_of(request: Request) -> AppContext:
    found = request.app.state.context
    assert isinstance(found, AppContext)
    return found
