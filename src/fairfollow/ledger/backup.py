"""Copying the ledger while it is in use: SQLite's online backup API, or ``pg_dump``.

A plain file copy of a live SQLite ledger can catch a write half done (and misses what is
still in the WAL); the online backup API copies one consistent snapshot, page by page, while
writers go on. PostgreSQL is copied with ``pg_dump`` (one repeatable-read snapshot) in its
custom format, and put back with ``pg_restore`` into an empty database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from fairfollow.errors import LedgerError

SQLITE_FILE = "ledger.sqlite"
PG_DUMP_FILE = "ledger.pgdump"
# Debian's PostgreSQL server binaries are not on PATH; pg_dump is looked for there too.
PG_BIN_DIRS = (
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def copy_sqlite(url: str, target: Path) -> None:
    """A consistent snapshot of the SQLite ledger at ``url`` into the new file ``target``."""
    source = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            # pages=-1: the whole database in one step, under one read transaction.
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise LedgerError("ops.ledger_copy_failed", backend="sqlite", detail=str(exc)) from exc
    finally:
        source.close()
    with target.open("rb") as handle:
        os.fsync(handle.fileno())


def tool(name: str) -> str:
    """The path of a PostgreSQL client program (``pg_dump``, ``pg_restore``)."""
    found = shutil.which(name) or next(
        (str(Path(d) / name) for d in PG_BIN_DIRS if (Path(d) / name).is_file()), None
    )
    if found is None:
        raise LedgerError("ops.pg_tool_missing", tool=name)
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection string of a SQLAlchemy URL, and the password as PGPASSWORD."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def dump_postgres(url: str, target: Path) -> None:
    """``pg_dump`` of the ledger at ``url`` (custom format) into ``target``."""
    dsn, env = _libpq(url)
    done = subprocess.run(
        [tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", dsn],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise LedgerError("ops.ledger_copy_failed", backend="postgresql", detail=done.stderr[-500:])


def restore_postgres(dump: Path, url: str) -> None:
    """``pg_restore`` of ``dump`` into the (empty) database at ``url``."""
    dsn, env = _libpq(url)
    done = subprocess.run(
        [tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={dsn}", str(dump)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise LedgerError("ops.ledger_restore_failed", detail=done.stderr[-500:])
