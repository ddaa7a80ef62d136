"""Key files in the workspace's keys directory: created once, atomically, and kept private.

Every secret FairFollow keeps on disk (the log's signing key, the member-reference key, the
consent-receipt key, the intake matching key) goes through this module, so there is one
way to create a key and one way to trust it.

Creating: the key is written to a temporary file *in the same directory* (opened
``O_CREAT | O_EXCL`` with mode 0600), flushed and fsync'ed, then published under its final
name with ``os.link``. A hard link never replaces an existing file, so when two processes
start at once exactly one key wins; the loser reads the winner's file. Because the final
name appears only after the content is on disk, no process ever reads a half-written key.
The directory is fsync'ed so that the new name survives a crash.

Loading refuses, with a :class:`~fairfollow.errors.ConfigError` naming the file, a key file
that others may read or write (mode wider than 0600), that is not a regular file, or whose
length is not the key's (a truncated or foreign file).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from fairfollow.errors import ConfigError

MODE = 0o600
SECRET_BYTES = 32
# A secret file holds the hex of SECRET_BYTES random bytes and a newline.
SECRET_FILE_SIZE = 2 * SECRET_BYTES + 1


def load_key(path: Path, *, size: int | None = None) -> bytes:
    """The bytes of the key file ``path``; ``size`` is its exact length when the format has one.

    ``ConfigError`` if the file is missing, unreadable, readable by others, or of the wrong
    length.
    """
    content = _read(path, size)
    if content is None:
        raise ConfigError("foundation.key_missing", path=str(path))
    return content


def load_or_create_key(
    path: Path, generate: Callable[[], bytes], *, size: int | None = None
) -> bytes:
    """The key file's bytes, first writing ``generate()`` to it if it does not exist yet.

    Safe when several processes call it at once: all of them get the same bytes.
    """
    existing = _read(path, size)
    if existing is not None:
        return existing
    content = generate()
    if size is not None and len(content) != size:
        raise ConfigError(
            "foundation.key_wrong_size", path=str(path), size=len(content), expected=size
        )
    _publish(path, content)
    # Read back even when this process won: every caller trusts the file, not its memory.
    published = _read(path, size)
    if published is None:
        raise ConfigError("foundation.key_vanished", path=str(path))
    return published


def load_or_create_secret(path: Path) -> bytes:
    """A 32-byte secret for keyed hashes, kept as hex in ``path`` and created on first use."""

    def generate() -> bytes:
        return (secrets.token_hex(SECRET_BYTES) + "\n").encode("ascii")

    text = load_or_create_key(path, generate, size=SECRET_FILE_SIZE)
    try:
        return bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError("foundation.key_not_hex", path=str(path)) from exc


def _read(path: Path, size: int | None) -> bytes | None:
    """The file's bytes after checking it, or None if it does not exist."""
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang the reader.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError("foundation.key_unreadable", path=str(path), reason=str(exc)) from exc
    try:
        # fstat the open file, not the name: what is checked is what is read.
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError("foundation.key_not_file", path=str(path))
        mode = stat.S_IMODE(info.st_mode)
        if mode & ~MODE:
            raise ConfigError("foundation.key_mode", path=str(path), mode=f"{mode:04o}")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            content = handle.read()
    except OSError as exc:
        raise ConfigError("foundation.key_unreadable", path=str(path), reason=str(exc)) from exc
    finally:
        os.close(descriptor)
    if size is not None and len(content) != size:
        raise ConfigError(
            "foundation.key_truncated", path=str(path), size=len(content), expected=size
        )
    return content


def _publish(path: Path, content: bytes) -> None:
    """Put ``content`` at ``path`` unless a file is already there (then leave that one)."""
    directory = path.parent
    temporary = directory / f".{path.name}.{secrets.token_hex(8)}.tmp"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
        try:
            os.fchmod(descriptor, MODE)  # exactly 0600, whatever the umask
            with os.fdopen(descriptor, "wb", closefd=False) as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            os.close(descriptor)
        # No clobber: if another process published first, its key is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
        temporary.unlink()
        _sync_directory(directory)
    except OSError as exc:
        raise ConfigError("foundation.key_not_created", path=str(path), reason=str(exc)) from exc
    finally:
        temporary.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as exc:
        # Some file systems cannot fsync a directory; the key itself is already on disk.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(descriptor)
