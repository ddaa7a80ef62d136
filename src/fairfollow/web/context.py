"""What every route gets: the workspace, the ledger engines (a reader that never takes the
write lock, and a writer for sign-ins and actions), the log's public key, the clock, the
session policy and the page renderer — built once at start-up from the settings, passed
down, never global."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Path, Request

from fairfollow.accounts.session import SessionPolicy
from fairfollow.errors import ConfigError
from fairfollow.events.companies import company_names
from fairfollow.instants import zone_named
from fairfollow.ledger.engine import make_reader, open_ledger
from fairfollow.ledger.transaction import Engine
from fairfollow.settings import Settings
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.keys import SIGNER_FILE, NoteVerifier, parse_verifier_key
from fairfollow.web.i18n import EmployerNames
from fairfollow.web.pages import Pages
from fairfollow.workspace import Workspace

# A row id in a route's path: the ledger's integer keys are 64-bit, so a larger number is a
# 422 from the parser rather than an overflow inside the database driver.
RowId = Annotated[int, Path(ge=0, le=2**63 - 1)]


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    workspace: Workspace
    reader: Engine
    verifier: NoteVerifier
    pages: Pages
    ledger: Engine
    clock: Callable[[], datetime]
    session_policy: SessionPolicy
    publisher: LogPublisher  # signs and publishes the checkpoints releases and proofs add

    @classmethod
    def build(cls, settings: Settings, clock: Callable[[], datetime] | None = None) -> AppContext:
        """Open an existing workspace for serving; a missing ledger or log key is an error,
        never created here (a web server must not invent a workspace)."""
        workspace = Workspace.from_settings(settings)
        if not (workspace.keys_dir / SIGNER_FILE).exists():
            raise ConfigError("web.no_log_key", path=str(workspace.keys_dir))
        ledger = open_ledger(workspace.ledger_url)  # refuses a missing or old ledger
        # The pinned key (FAIRFOLLOW_LOG_PUBLIC_KEY) wins, as in `log audit`: a replaced key
        # file that re-signed every checkpoint then fails on the page too.
        publisher = LogPublisher.of_workspace(workspace)
        verifier = (
            parse_verifier_key(settings.log_public_key)
            if settings.log_public_key
            else publisher.verifier
        )
        policy = SessionPolicy(
            idle=timedelta(minutes=settings.web_session_idle_minutes),
            absolute=timedelta(hours=settings.web_session_hours),
        )
        return cls(
            settings,
            workspace,
            make_reader(workspace.ledger_url),
            verifier,
            Pages(
                zone_named(settings.display_zone),
                EmployerNames(lambda: company_names(workspace), workspace.duckdb_path),
            ),
            ledger,
            clock or _utc_now,
            policy,
            publisher,
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def context_of(request: Request) -> AppContext:
    found = request.app.state.context
    assert isinstance(found, AppContext)
    return found
