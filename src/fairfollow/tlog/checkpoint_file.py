"""The plain checkpoint file: every signed checkpoint, published outside the database.

An operator who deletes checkpoint rows from the ledger still leaves them here (and with
any witness the file was sent to). One note after another, each ending with its signature
lines and a line holding only ``~`` (the note format has no other end marker)::

    fairfollow.local/log-1a2b3c4d
    42
    qINS1GRFhWHwdkUeqLEoP4yEMkTBBrxhmAo6aaONdoc=

    — fairfollow.local/log-1a2b3c4d Az3grlPv…
    ~

Every issuer of a checkpoint — a release through the door, a receipt, ``log checkpoint``,
the replay — goes through :func:`publish_checkpoint`, so the copy never lags the ledger;
:func:`check_copy` is how an audit holds the ledger to it (missing or behind fails).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from fairfollow.errors import TransparencyLogError
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.keys import NoteSigner, NoteVerifier, load_or_create_log_signer
from fairfollow.workspace import Workspace

SEPARATOR = "~\n"


def read_notes(path: Path) -> list[str]:
    """Every note in the file, oldest first (none when the file does not exist)."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TransparencyLogError("tlog.checkpoint_file_unreadable", path=str(path)) from exc
    notes = text.split(SEPARATOR)
    if notes[-1]:
        raise TransparencyLogError("tlog.checkpoint_file_truncated", path=str(path))
    return notes[:-1]


def append_notes(path: Path, notes: Sequence[str]) -> int:
    """Append the notes not yet in the file (compared by their signed body); returns how many
    were added. The file is only ever appended to, under an exclusive lock, and fsync'ed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # two issuers at once: one after the other
        known = {_body(note) for note in read_notes(path)}
        fresh = [note for note in notes if _body(note) not in known]
        for note in fresh:
            handle.write(note + SEPARATOR)
        handle.flush()
        os.fsync(handle.fileno())
    return len(fresh)


def _body(note: str) -> str:
    return note.split("\n\n", 1)[0]


@dataclass(frozen=True, eq=False)
class LogPublisher:
    """The log's signing key and the outside copy its checkpoints are published to; what an
    issuer of checkpoints is handed, so that none can sign without publishing."""

    signer: NoteSigner
    outside: Path

    @classmethod
    def of_workspace(cls, workspace: Workspace) -> LogPublisher:
        """The workspace's publisher; a log created now takes ``workspace.log_origin``."""
        signer = load_or_create_log_signer(workspace.keys_dir, workspace.log_origin)
        return cls(signer, workspace.checkpoint_file)

    @property
    def verifier(self) -> NoteVerifier:
        return self.signer.verifier


def publish_checkpoint(
    conn: Connection, publisher: LogPublisher, now: datetime
) -> log_store.StoredCheckpoint:
    """Sign the current tree head (or reuse the latest), keep it in the ledger and append it
    to the outside copy — with any earlier checkpoint the copy lacks, so a copy that was
    created late catches up. Called as the last step of its transaction: should the commit
    still fail, the copy holds a checkpoint the ledger lacks, which the audit reports."""
    stored = log_store.issue_checkpoint(conn, publisher.signer, now)
    catch_up(conn, publisher.outside)
    return stored


def catch_up(conn: Connection, outside: Path) -> int:
    """Append to the outside copy every checkpoint of the ledger it lacks; how many."""
    return append_notes(outside, [c.note for c in log_store.list_checkpoints(conn)])


class CopyState(StrEnum):
    """How the outside copy stands against the ledger's latest checkpoint."""

    CURRENT = "current"
    MISSING = "missing"
    BEHIND = "behind"
    TRUNCATED = "truncated"


@dataclass(frozen=True)
class CopyCheck:
    """The outside copy held against the ledger: its state, the largest tree size the copy
    holds (signed by the log key) and the size of the ledger's latest checkpoint."""

    state: CopyState
    path: Path
    copy_size: int
    ledger_size: int
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.state is CopyState.CURRENT


def check_copy(path: Path, latest: int | None, verifier: NoteVerifier) -> CopyCheck:
    """The copy at ``path`` against the ledger's latest checkpoint size (None: the ledger
    holds no checkpoint, and an absent copy is then current)."""
    ledger_size = latest or 0
    if latest is None and not path.exists():
        return CopyCheck(CopyState.CURRENT, path, 0, 0, ())
    if not path.exists():
        return CopyCheck(CopyState.MISSING, path, 0, ledger_size, ())
    try:
        notes = tuple(read_notes(path))
    except TransparencyLogError:
        return CopyCheck(CopyState.TRUNCATED, path, 0, ledger_size, ())
    sizes = [0]
    for note in notes:
        try:
            sizes.append(open_checkpoint(note, verifier).size)
        except TransparencyLogError:
            continue  # a note the log key did not sign: the audit names it
    copy_size = max(sizes)
    state = CopyState.BEHIND if latest is not None and copy_size < latest else CopyState.CURRENT
    if latest is not None and not notes:
        state = CopyState.BEHIND
    return CopyCheck(state, path, copy_size, ledger_size, notes)
