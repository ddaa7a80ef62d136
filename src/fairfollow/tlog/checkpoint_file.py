"""The plain checkpoint file: every signed checkpoint, appended outside the database.

An operator who deletes checkpoint rows from the ledger still leaves them here (and with
any witness the file was sent to). One note after another, each ending with its signature
lines and a line holding only ``~`` (the note format has no other end marker)::

    fairfollow.local/log-1a2b3c4d
    42
    qINS1GRFhWHwdkUeqLEoP4yEMkTBBrxhmAo6aaONdoc=

    — fairfollow.local/log-1a2b3c4d Az3grlPv…
    ~
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from fairfollow.errors import TransparencyLogError

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
    were added. The file is only ever appended to, and fsync'ed."""
    known = {_body(note) for note in read_notes(path)}
    fresh = [note for note in notes if _body(note) not in known]
    if not fresh:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for note in fresh:
            handle.write(note + SEPARATOR)
        handle.flush()
        os.fsync(handle.fileno())
    return len(fresh)


def _body(note: str) -> str:
    return note.split("\n\n", 1)[0]
