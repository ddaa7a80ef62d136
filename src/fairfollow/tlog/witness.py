"""A witness: a party apart from the log's operator that remembers what it has seen.

The witness keeps its own directory — never the log's database::

    DIR/witness.key                 its Ed25519 seed (mode 0600, via ``keyfile``)
    DIR/logs/<origin hash>.json     per log: the log key it pinned on first sight, and
                                    every checkpoint it cosigned (size, root, note)

For each new checkpoint of a log it (1) checks the log's signature with the key it pinned
the first time (a replaced key is refused), (2) refuses a smaller tree (truncation or
rollback) and a tree of the same size with another root (a split view), (3) checks the
consistency proof from the last checkpoint it cosigned to the new one, and only then
(4) cosigns it (C2SP ``tlog-cosignature``, :mod:`fairfollow.tlog.cosignature`) and records
it. What it recorded is what ``log audit --witness DIR`` holds the log to.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fairfollow.errors import TransparencyLogError
from fairfollow.keyfile import load_or_create_key
from fairfollow.keys import KeyFile
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint, split_note
from fairfollow.tlog.cosignature import CosignerSigner, cosign, cosigner_from_seed
from fairfollow.tlog.keys import NoteVerifier, parse_verifier_key

KEY_FILE = KeyFile.WITNESS.value
SEED_BYTES = 32
NAME_PREFIX = "fairfollow.local/witness-"


@dataclass(frozen=True)
class Witnessed:
    """One checkpoint the witness cosigned."""

    size: int
    root: bytes
    note: str  # with the cosignature
    cosigned_at: int


@dataclass(frozen=True)
class WitnessedLog:
    origin: str
    log_key: str  # the verifier key pinned on first sight
    history: tuple[Witnessed, ...]

    @property
    def latest(self) -> Witnessed:
        return self.history[-1]

    def verifier(self) -> NoteVerifier:
        return parse_verifier_key(self.log_key)


class Witness:
    """A witness over its directory; the clock is passed to :meth:`observe`."""

    def __init__(self, directory: Path, *, create: bool = True) -> None:
        self.directory = directory
        if not create and not (directory / KEY_FILE).is_file():
            raise TransparencyLogError("tlog.witness_directory_invalid", directory=str(directory))
        seed = load_or_create_key(
            directory / KEY_FILE, lambda: secrets.token_bytes(SEED_BYTES), size=SEED_BYTES
        )
        public = cosigner_from_seed("x", seed).verifier.public_key
        self.signer: CosignerSigner = cosigner_from_seed(
            NAME_PREFIX + hashlib.sha256(public).hexdigest()[:8], seed
        )

    def _path(self, origin: str) -> Path:
        return self.directory / "logs" / f"{hashlib.sha256(origin.encode()).hexdigest()[:16]}.json"

    def log(self, origin: str) -> WitnessedLog | None:
        """What this witness has recorded for the log ``origin`` (None: never seen)."""
        path = self._path(origin)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            history = tuple(
                Witnessed(int(h["size"]), bytes.fromhex(h["root"]), h["note"], int(h["at"]))
                for h in data["history"]
            )
            found = WitnessedLog(data["origin"], data["log_key"], history)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TransparencyLogError("tlog.witness_state_unreadable", path=str(path)) from exc
        if found.origin != origin or not history:
            raise TransparencyLogError(
                "tlog.witness_state_other_log", path=str(path), origin=origin
            )
        return found

    def observe(
        self,
        note: str,
        log_key: NoteVerifier,
        proof: Sequence[bytes],
        now: datetime,
        vet: Callable[[Checkpoint], None] | None = None,
    ) -> Witnessed:
        """Cosign ``note`` if it is consistent with everything seen before (``proof`` is
        the log's consistency proof from the last cosigned size) and ``vet`` (the budget
        witness's check of the new leaves) does not refuse it; else refuse, saying why."""
        body, _ = split_note(note)
        origin = parse_checkpoint(body).origin
        seen = self.log(origin)
        if seen is not None and seen.log_key != log_key.encode():
            raise TransparencyLogError("tlog.log_key_replaced", origin=origin)
        new = open_checkpoint(note, log_key, origin)
        if seen is not None:
            _check_extends(seen.latest, new, proof)
            if (new.size, new.root) == (seen.latest.size, seen.latest.root):
                return seen.latest
        if vet is not None:
            vet(new)
        at = int(now.timestamp())
        cosigned = Witnessed(new.size, new.root, cosign(note, self.signer, at), at)
        history = (*(() if seen is None else seen.history), cosigned)
        self._save(WitnessedLog(origin, log_key.encode(), history))
        return cosigned

    def _save(self, log: WitnessedLog) -> None:
        path = self._path(log.origin)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "origin": log.origin,
            "log_key": log.log_key,
            "history": [
                {"size": h.size, "root": h.root.hex(), "note": h.note, "at": h.cosigned_at}
                for h in log.history
            ],
        }
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def _check_extends(last: Witnessed, new: Checkpoint, proof: Sequence[bytes]) -> None:
    if new.size < last.size:
        raise TransparencyLogError("tlog.log_truncated", size=new.size, cosigned=last.size)
    if new.size == last.size:
        if new.root != last.root:
            raise TransparencyLogError("tlog.split_view", size=new.size)
        return
    if last.size and not merkle.verify_consistency(
        last.size, new.size, list(proof), last.root, new.root
    ):
        raise TransparencyLogError("tlog.log_rewritten", size=new.size, cosigned=last.size)


def send_checkpoints(
    conn: Connection, witness: Witness, log_key: NoteVerifier, now: datetime
) -> list[Witnessed]:
    """The log operator's side: send every stored checkpoint the witness has not cosigned
    yet, oldest first, each with the consistency proof from the witness's last one; keep
    each cosigned note in the ledger. A refusal (TransparencyLogError) stops the round."""
    cosigned: list[Witnessed] = []
    for stored in sorted(log_store.list_checkpoints(conn), key=lambda c: c.checkpoint_id):
        seen = witness.log(log_key.name)
        last = 0 if seen is None else seen.latest.size
        if seen is not None and any(
            (h.size, h.root) == (stored.size, stored.root) for h in seen.history
        ):
            continue  # cosigned already
        try:
            extends = 0 < last < stored.size
            proof = log_store.consistency_proof(conn, last, stored.size) if extends else []
        except TransparencyLogError as exc:
            raise TransparencyLogError("tlog.log_extension_unproven", size=last) from exc
        done = witness.observe(stored.note, log_key, proof, now)
        log_store.record_cosigned(conn, done.size, done.root, done.note)
        cosigned.append(done)
    return cosigned
