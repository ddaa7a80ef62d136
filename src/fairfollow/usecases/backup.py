"""Backing up a live workspace and restoring it into a new directory that proves itself.

A backup is a directory published by one rename once it is complete, so a backup that was
killed part-way leaves only a hidden ``.NAME.*.partial`` beside it and never a backup. It
holds the ledger (SQLite's online backup or ``pg_dump``), the analytics store as its
catalogue lists it, the keys (mode 0600), the plain checkpoint file, the models and every
other file of the workspace, and ``manifest.json``: the SHA-256 of every file and the log's
size and root at the snapshot.

A restore trusts nothing it did not check: the manifest must list exactly the files there
are, with their hashes; the restored log must verify and pass the audit, its budgets must
equal the log's recount, and it must extend every checkpoint recorded outside it (the
operator's off-machine checkpoint file, a witness). A restore that would roll the log back
behind what the world has already seen is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from fairfollow.errors import ConfigError, TransparencyLogError
from fairfollow.events.backup import snapshot_store
from fairfollow.ledger import backup as ledger_backup
from fairfollow.ledger.engine import make_reader, open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.release.reconciliation import reconcile_budgets
from fairfollow.tlog import store as log_store
from fairfollow.tlog.audit import audit_log, verify_log
from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.checkpoint_file import SEPARATOR, read_notes
from fairfollow.tlog.keys import NoteVerifier, load_or_create_log_signer, parse_verifier_key
from fairfollow.tlog.witness import Witness
from fairfollow.workspace import Workspace

MANIFEST = "manifest.json"
FORMAT = "fairfollow-backup/1"
KEY_MODE = 0o600
# Files of a live workspace a backup never copies as files: the ledger (copied through its
# backup API instead) and the store (copied as its catalogue lists it).
_LEDGER_FILES = {"ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm", "ledger.sqlite-journal"}


class SeenBy(StrEnum):
    """Where a checkpoint a restore must not roll back was recorded."""

    BACKUP_MANIFEST = "backup_manifest"
    CHECKPOINT_FILE = "checkpoint_file"
    WITNESS = "witness"


@dataclass(frozen=True)
class BackupManifest:
    created_at: datetime
    backend: str  # sqlite | postgresql
    log_size: int
    log_root: bytes
    files: dict[str, str]  # path under the backup -> SHA-256 hex

    def as_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "created_at": self.created_at.isoformat(),
            "ledger": self.backend,
            "log": {"size": self.log_size, "root": base64.b64encode(self.log_root).decode()},
            "files": dict(sorted(self.files.items())),
        }


@dataclass(frozen=True)
class RestoreOutcome:
    path: Path
    tree_size: int
    checkpoints: int
    seen_size: int  # the largest checkpoint recorded outside the backup that it extends


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by relative path. Hashing is the backup's main
    cost beyond copying the bytes; hashlib releases the GIL on large updates, so the files
    are hashed on every core at once."""
    paths = list(_files(root))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        digests = list(pool.map(_sha256, paths))
    return {p.relative_to(root).as_posix(): d for p, d in zip(paths, digests, strict=True)}


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _sync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _copy_plain_files(workspace: Workspace, target: Path) -> None:
    """Every other file of the workspace: keys, models, reports, season.json, exports."""
    for path in _files(workspace.root):
        rel = path.relative_to(workspace.root)
        if any(part.startswith(".") for part in rel.parts) or rel.as_posix() in _LEDGER_FILES:
            continue
        if rel.parts[0] == "analytics" and (
            len(rel.parts) == 1 or rel.parts[1] in {"tables", "store.duckdb", "store.duckdb.wal"}
        ):
            continue
        if rel.as_posix() == "log-checkpoints.txt":
            continue  # copied first, on its own
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(path, destination)
        except FileNotFoundError:
            continue  # removed while we walked (a temporary file)
        if rel.parts[0] == "keys":
            destination.chmod(KEY_MODE)


def _copy_checkpoint_file(workspace: Workspace, target: Path) -> None:
    """The complete notes of the plain checkpoint file (a note being appended is left out).
    Copied before the ledger, so every note it holds is in the ledger snapshot too."""
    if not workspace.checkpoint_file.exists():
        return
    text = workspace.checkpoint_file.read_text(encoding="utf-8")
    end = text.rfind(SEPARATOR)
    (target / workspace.checkpoint_file.name).write_text(
        text[: end + len(SEPARATOR)] if end >= 0 else "", encoding="utf-8"
    )


def _log_head(url: str) -> tuple[int, bytes]:
    engine = make_reader(url)
    try:
        with reading(engine, "backup") as conn:
            size = log_store.tree_size(conn)
            return size, log_store.root_at(conn, size)
    finally:
        engine.dispose()


def back_up(workspace: Workspace, destination: Path, now: datetime) -> BackupManifest:
    """A consistent snapshot of the live ``workspace``, published at ``destination``."""
    if destination.exists():
        raise ConfigError("ops.backup_exists", path=str(destination))
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.parent / f".{destination.name}.{secrets.token_hex(6)}.partial"
    partial.mkdir()
    try:
        _copy_checkpoint_file(workspace, partial)
        url = workspace.ledger_url
        if ledger_backup.is_sqlite(url):
            backend = "sqlite"
            copy = partial / ledger_backup.SQLITE_FILE
            ledger_backup.copy_sqlite(url, copy)
            size, root = _log_head(f"sqlite:///{copy}")
        else:
            # The head read first is a prefix of what the dump holds (the log only grows).
            backend = "postgresql"
            size, root = _log_head(url)
            ledger_backup.dump_postgres(url, partial / ledger_backup.PG_DUMP_FILE)
        snapshot_store(workspace, partial / "analytics")
        _copy_plain_files(workspace, partial)
        files = _digests(partial)
        manifest = BackupManifest(now, backend, size, root, files)
        body = json.dumps(manifest.as_json(), indent=2).encode()
        with (partial / MANIFEST).open("wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        for directory in sorted({p.parent for p in _files(partial)}, key=lambda p: -len(p.parts)):
            _sync_dir(directory)
        partial.rename(destination)  # published: complete or not at all
        _sync_dir(destination.parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def check_backup(source: Path) -> BackupManifest:
    """The backup's manifest, once every file is what it lists; refused otherwise."""
    path = source / MANIFEST
    if not source.is_dir() or not path.is_file():
        raise ConfigError("ops.backup_incomplete", path=str(source))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(data.get("format"))
        manifest = BackupManifest(
            datetime.fromisoformat(data["created_at"]),
            str(data["ledger"]),
            int(data["log"]["size"]),
            base64.b64decode(data["log"]["root"]),
            {str(k): str(v) for k, v in data["files"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError("ops.backup_incomplete", path=str(source)) from exc
    found = _digests(source)
    found.pop(MANIFEST, None)
    for name in sorted(set(found) ^ set(manifest.files)):
        raise ConfigError("ops.backup_altered", path=str(source), file=name)
    for name, digest in sorted(manifest.files.items()):
        if found[name] != digest:
            raise ConfigError("ops.backup_altered", path=str(source), file=name)
    return manifest


def _seen_heads(
    notes: Sequence[str], witnesses: Sequence[Path], key: NoteVerifier
) -> list[tuple[SeenBy, int, bytes]]:
    """(where, size, root) of every checkpoint recorded outside the restored ledger."""
    heads = []
    for note in notes:
        try:
            signed = open_checkpoint(note, key)
        except TransparencyLogError:
            continue  # the audit reports a note that does not verify
        heads.append((SeenBy.CHECKPOINT_FILE, signed.size, signed.root))
    for directory in witnesses:
        seen = Witness(directory, create=False).log(key.name)
        if seen is not None:
            heads.append((SeenBy.WITNESS, seen.latest.size, seen.latest.root))
    return heads


def restore(
    source: Path,
    target: Path,
    *,
    ledger_url: str | None = None,
    checkpoint_files: Sequence[Path] = (),
    witnesses: Sequence[Path] = (),
    pinned_key: str | None = None,
) -> RestoreOutcome:
    """Restore the backup ``source`` into the new directory ``target`` (and, for a
    PostgreSQL backup, the empty database ``ledger_url``), then prove it: refused, with
    nothing left at ``target``, unless it verifies, passes the audit and the budget recount,
    and extends every checkpoint the ``checkpoint_files`` and ``witnesses`` have seen."""
    manifest = check_backup(source)
    if target.exists():
        raise ConfigError("ops.restore_target_exists", path=str(target))
    if manifest.backend == "postgresql" and not ledger_url:
        raise ConfigError("ops.restore_needs_ledger_url")
    partial = target.parent / f".{target.name}.{secrets.token_hex(6)}.partial"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copytree(source, partial, ignore=shutil.ignore_patterns(MANIFEST))
        for key_file in (partial / "keys").glob("*"):
            key_file.chmod(KEY_MODE)
        workspace = Workspace(partial, ledger_url_override=None)
        if manifest.backend == "postgresql" and ledger_url:
            ledger_backup.restore_postgres(partial / ledger_backup.PG_DUMP_FILE, ledger_url)
            (partial / ledger_backup.PG_DUMP_FILE).unlink()
            workspace = Workspace(partial, ledger_url_override=ledger_url)
        outcome = _prove(workspace, manifest, checkpoint_files, witnesses, pinned_key)
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return RestoreOutcome(target, outcome[0], outcome[1], outcome[2])


def _prove(
    workspace: Workspace,
    manifest: BackupManifest,
    checkpoint_files: Sequence[Path],
    witnesses: Sequence[Path],
    pinned_key: str | None,
) -> tuple[int, int, int]:
    key = (
        parse_verifier_key(pinned_key)
        if pinned_key
        else load_or_create_log_signer(workspace.keys_dir).verifier
    )
    outside = [note for path in checkpoint_files for note in read_notes(path)]
    mirrored = [*read_notes(workspace.checkpoint_file), *outside]
    engine = open_ledger(workspace.ledger_url)
    try:
        with reading(engine, "restore") as conn:
            size = log_store.tree_size(conn)
            heads = [(SeenBy.BACKUP_MANIFEST, manifest.log_size, manifest.log_root)]
            heads += _seen_heads(outside, witnesses, key)
            for where, seen_size, seen_root in heads:
                if seen_size > size or log_store.root_at(conn, seen_size) != seen_root:
                    raise TransparencyLogError(
                        "ops.restore_rolls_back", size=size, seen=seen_size, where=where
                    )
            verified = verify_log(conn, key, mirrored=mirrored)
            problems = list(verified.problems)
            watched = [Witness(w, create=False).log(key.name) for w in witnesses] or [None]
            for witnessed in watched:
                report = audit_log(conn, key, witnessed=witnessed, mirrored=mirrored)
                problems += [finding.detail for finding in report.findings]
            budgets = reconcile_budgets(conn)
            problems += [finding.detail for finding in budgets.employers]
            problems += [finding.detail for finding in budgets.members]
            problems += list(budgets.unrecounted)
    finally:
        engine.dispose()
    if problems:
        raise TransparencyLogError("ops.restore_unverified", problems=problems[:5])
    return size, verified.checkpoints, max((h[1] for h in heads), default=0)
