"""The ledger database: engine creation and migrations (SQLite default, PostgreSQL in production).

Storage modules (``consent/store.py``, ``tlog/store.py`` …) declare their tables on
:data:`metadata` and ship an Alembic revision under ``migrations/versions``. Migrations run
when asked (``fairfollow db upgrade``, :func:`create_ledger` when a workspace is created),
never on an ordinary open: :func:`open_ledger` checks that the schema is current and names the
command when it is not. Opening a workspace's ledger never creates it
(:func:`workspace_ledger`); only a command that makes a workspace on purpose does
(:func:`new_workspace_ledger`), and never over a ledger the workspace lost. Every ledger
table is append-only: corrections are new rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine

from fairfollow.errors import LedgerError
from fairfollow.workspace import Workspace

metadata = MetaData()

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the CLI and a web process use the file at once; busy_timeout makes a writer
    # wait for another instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # pysqlite's deferred BEGIN lets two writers read the same state and then fail on upgrade;
    # taking the write lock at BEGIN serialises read-check-write transactions (privacy budget).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings each backend needs to be safe for concurrency."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # invalid URL or missing driver
        raise LedgerError("ledger.unopenable", url=url, reason=str(exc)) from exc
    return engine


def _sqlite_reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def make_reader(url: str) -> Engine:
    """A read-only engine: it never takes the ledger's write lock, and refuses to write.

    SQLite opens the file read-only (``mode=ro``) with a deferred BEGIN, so readers proceed
    beside a writer under WAL; PostgreSQL runs every transaction ``READ ONLY``.
    """
    try:
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///")).resolve()
            engine = create_engine(
                f"sqlite:///file:{path}?mode=ro&uri=true",
                connect_args={"timeout": 30, "check_same_thread": False},
            )
            event.listen(engine, "connect", _sqlite_reader_pragmas)
        else:
            engine = create_engine(
                url, pool_pre_ping=True, execution_options={"postgresql_readonly": True}
            )
    except Exception as exc:  # invalid URL or missing driver
        raise LedgerError("ledger.unopenable", url=url, reason=str(exc)) from exc
    return engine


def _config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(engine: Engine, target: str = "heads") -> None:
    """Apply every Alembic revision not yet applied, up to ``target`` (all heads)."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)


def schema_heads() -> frozenset[str]:
    """The revisions a current ledger is at (one head per storage area)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(_config()).get_heads())


def applied_heads(engine: Engine) -> frozenset[str]:
    """The revisions the database at ``engine`` is at (empty for a new database)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def _sqlite_parent(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def create_ledger(url: str) -> Engine:
    """Create (or bring up to date) the ledger at ``url``: ``db upgrade`` and new workspaces."""
    _sqlite_parent(url)
    engine = make_engine(url)
    try:
        upgrade(engine)
    except Exception as exc:
        engine.dispose()
        raise LedgerError("ledger.migration_failed", url=str(engine.url), reason=str(exc)) from exc
    return engine


def open_ledger(url: str) -> Engine:
    """Open the ledger at ``url``; a schema that is behind this version is refused, by name."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise LedgerError("ledger.missing", path=url.removeprefix("sqlite:///"))
    engine = make_engine(url)
    try:
        applied = applied_heads(engine)
    except Exception as exc:
        engine.dispose()
        raise LedgerError("ledger.unopenable", url=str(engine.url), reason=str(exc)) from exc
    missing = schema_heads() - applied
    if missing:
        engine.dispose()
        raise LedgerError(
            "ledger.schema_behind",
            url=str(engine.url),
            applied=sorted(applied),
            needed=sorted(schema_heads()),
        )
    return engine


def workspace_ledger(workspace: Workspace) -> Engine:
    """The workspace's ledger, which must be there: opening never creates one, so a deleted
    ledger is never silently replaced by an empty one that then passes every audit."""
    if workspace.creates_ledger():
        raise _missing(workspace)
    return open_ledger(workspace.ledger_url)


def new_workspace_ledger(workspace: Workspace, *, again: bool = False) -> Engine:
    """The ledger of a workspace a command is making on purpose: created at the current
    schema when the workspace never had one, else opened. A workspace that lost its ledger
    gets a new, empty one only when asked explicitly (``again``: ``db upgrade --new``)."""
    if not workspace.creates_ledger():
        return open_ledger(workspace.ledger_url)
    if workspace.lost_ledger() and not again:
        raise _missing(workspace)
    engine = create_ledger(workspace.ledger_url)
    workspace.mark_ledger()
    return engine


def upgrade_workspace_ledger(workspace: Workspace, *, again: bool = False) -> Engine:
    """``db upgrade``: the workspace's ledger brought to the current schema, or created when
    the workspace never had one (one it lost, only ``again``: ``--new``)."""
    if workspace.lost_ledger() and not again:
        raise _missing(workspace)
    made = workspace.creates_ledger()
    engine = create_ledger(workspace.ledger_url)
    if made:
        workspace.mark_ledger()
    return engine


def refuse_lost_ledger(workspace: Workspace) -> None:
    """Refuse a workspace that lost its ledger (before a command that makes one stores
    anything else in it)."""
    if workspace.lost_ledger():
        raise _missing(workspace)


def _missing(workspace: Workspace) -> LedgerError:
    if workspace.lost_ledger():
        return LedgerError("workspace_guard.ledger_lost", path=str(workspace.ledger_file))
    return LedgerError("workspace_guard.ledger_never_made", path=str(workspace.root))
