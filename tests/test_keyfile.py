"""Key files: created once under a race, kept private, refused when truncated or exposed."""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from fairfollow.consent.receipt_key import KEY_FILE, load_or_create_receipt_signer
from fairfollow.errors import ConfigError
from fairfollow.intake.desk import KEY_FILE as MATCHING_KEY_FILE
from fairfollow.intake.desk import matching_key
from fairfollow.keyfile import (
    SECRET_FILE_SIZE,
    load_key,
    load_or_create_key,
    load_or_create_secret,
)
from fairfollow.tlog.keys import (
    MEMBER_KEY_FILE,
    SIGNER_FILE,
    load_or_create_log_signer,
    load_or_create_member_key,
)

ROUNDS = 20
FILES = {
    "secret": "race.key",
    "log_signer": SIGNER_FILE,
    "receipt_signer": KEY_FILE,
    "matching_key": MATCHING_KEY_FILE,
}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _create(kind: str, keys_dir: Path) -> bytes:
    """What one process takes the key to be, as bytes it can send back."""
    if kind == "secret":
        return load_or_create_secret(keys_dir / FILES[kind])
    if kind == "log_signer":
        return load_or_create_log_signer(keys_dir).encode().encode()
    if kind == "receipt_signer":
        return load_or_create_receipt_signer(keys_dir).verifier.public_key
    return matching_key(keys_dir)


def _race(
    kind: str, root: str, rounds: int, barrier: Barrier, results: Queue[tuple[int, bytes]]
) -> None:
    for round_ in range(rounds):
        barrier.wait(timeout=60)  # both processes create the key at the same moment
        results.put((round_, _create(kind, Path(root) / f"round-{round_}" / "keys")))


@pytest.mark.parametrize("kind", sorted(FILES))
def test_two_processes_racing_agree_on_one_private_key(tmp_path: Path, kind: str) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_race, args=(kind, str(tmp_path), ROUNDS, barrier, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    got: dict[int, list[bytes]] = {}
    try:
        for _ in range(2 * ROUNDS):
            round_, content = results.get(timeout=120)
            got.setdefault(round_, []).append(content)
    finally:
        for worker in workers:
            worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0]
    assert sorted(got) == list(range(ROUNDS))
    for round_, (first, second) in got.items():
        keys_dir = tmp_path / f"round-{round_}" / "keys"
        assert first == second and first, round_
        assert [p.name for p in keys_dir.iterdir()] == [FILES[kind]]  # no temporary left
        assert _mode(keys_dir / FILES[kind]) == 0o600


def test_losing_the_race_returns_the_winners_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "k.key"

    def generate() -> bytes:  # another process publishes while this one generates
        path.parent.mkdir(parents=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(descriptor, b"theirs")
        os.close(descriptor)
        return b"mine!!"

    assert load_or_create_key(path, generate, size=6) == b"theirs"
    assert load_or_create_key(path, lambda: b"never!", size=6) == b"theirs"
    assert [p.name for p in path.parent.iterdir()] == ["k.key"]


def test_a_secret_is_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "s.key"
    secret = load_or_create_secret(path)
    assert len(secret) == 32 and load_or_create_secret(path) == secret
    assert len(load_key(path, size=SECRET_FILE_SIZE)) == SECRET_FILE_SIZE
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


def test_truncated_or_foreign_key_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "s.key"
    load_or_create_secret(path)
    with path.open("r+b") as handle:
        handle.truncate(10)
    with pytest.raises(
        ConfigError, match=rf"foundation\.key_truncated \(expected={SECRET_FILE_SIZE}, .*size=10\)"
    ):
        load_or_create_secret(path)
    path.write_bytes(b"z" * SECRET_FILE_SIZE)
    with pytest.raises(ConfigError, match=re.escape(f"foundation.key_not_hex (path='{path}')")):
        load_or_create_secret(path)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o700])
def test_key_files_others_may_read_are_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "keys" / "s.key"
    secret = load_or_create_secret(path)
    path.chmod(mode)
    with pytest.raises(ConfigError, match=rf"foundation\.key_mode \(mode='{mode:04o}'"):
        load_or_create_secret(path)
    path.chmod(0o400)  # narrower than 0600 is fine
    assert load_or_create_secret(path) == secret


def test_missing_and_non_regular_key_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"foundation\.key_missing"):
        load_key(tmp_path / "absent.key")
    (tmp_path / "dir.key").mkdir(mode=0o700)
    with pytest.raises(ConfigError, match=r"foundation\.key_not_file"):
        load_or_create_secret(tmp_path / "dir.key")


# Moved from tests/tlog/test_keys.py.
def test_log_keys_are_created_once_and_kept_private(tmp_path: Path) -> None:
    first = load_or_create_log_signer(tmp_path / "keys")
    second = load_or_create_log_signer(tmp_path / "keys")
    assert first.verifier == second.verifier
    mode = stat.S_IMODE((tmp_path / "keys" / SIGNER_FILE).stat().st_mode)
    assert mode == 0o600
    member_key = load_or_create_member_key(tmp_path / "keys")
    assert len(member_key) == 32 and member_key == load_or_create_member_key(tmp_path / "keys")
    assert stat.S_IMODE((tmp_path / "keys" / MEMBER_KEY_FILE).stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [MEMBER_KEY_FILE, SIGNER_FILE]


def test_a_malformed_log_key_file_is_refused_naming_it(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    load_or_create_log_signer(keys)
    (keys / SIGNER_FILE).write_text("PRIVATE+KEY+x+00000000+AAAA\n")
    with pytest.raises(ConfigError) as raised:
        load_or_create_log_signer(keys)
    assert raised.value.code == "tlog.signer_key_file_invalid"
    assert raised.value.params["path"] == str(keys / SIGNER_FILE)


# Moved from tests/consent/test_receipt_key.py.
def test_the_receipt_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    first = load_or_create_receipt_signer(keys)
    second = load_or_create_receipt_signer(keys)
    assert first.verifier == second.verifier
    assert stat.S_IMODE((keys / KEY_FILE).stat().st_mode) == 0o600
    (keys / KEY_FILE).write_text("not a key")
    with pytest.raises(ConfigError):
        load_or_create_receipt_signer(keys)


# Moved from tests/governance/test_intake.py.
def test_the_matching_key_is_created_once_and_private(tmp_path: Path) -> None:
    key = matching_key(tmp_path / "keys")
    assert key == matching_key(tmp_path / "keys") and len(key) == 32
    assert (tmp_path / "keys" / "intake-match.key").stat().st_mode & 0o777 == 0o600
