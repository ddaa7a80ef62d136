"""C2SP ``tlog-witness`` over HTTP, both sides: a witness answering ``add-checkpoint``, and
the log sending its checkpoints to the witnesses of a policy.

The request (``POST <prefix>/add-checkpoint``) is the old size the log thinks the witness
holds, the consistency proof from it, a blank line and the checkpoint note::

    old 10
    <base64 hash>
    …

    <signed checkpoint note>

The witness answers 200 with its cosignature line; 409 (``text/x.tlog.size``, its latest
size) when the old size is not the one it holds, or the root of the same size differs (a
split view); 422 when the proof fails or, for a budget witness, the leaves break a budget
(the body names the leaf); 403 when the log's signature fails; 404 for a log it does not
follow; 400 for a malformed request. State changes are atomic (the directory witness writes
a temporary file and renames it) and one request is answered at a time. Standard library
HTTP only: a witness is meant to run anywhere, apart from the log.
"""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog import merkle, tiles
from fairfollow.tlog.budget_witness import BudgetRules, vet_leaves
from fairfollow.tlog.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint, split_note
from fairfollow.tlog.cosignature import cosignature_time
from fairfollow.tlog.keys import NoteVerifier
from fairfollow.tlog.policy import Policy
from fairfollow.tlog.witness import Witness

SIZE_TYPE = "text/x.tlog.size"
MAX_REQUEST_BYTES = 1 << 20
MAX_PROOF = 63
TIMEOUT_SECONDS = 10.0
# Refusals and the HTTP status the protocol gives each.
_STATUS = {
    "tlog.split_view": 409,
    "tlog.log_truncated": 409,
    "tlog.log_rewritten": 422,
    "tlog.log_key_replaced": 403,
    "tlog.signature_invalid": 403,
    "tlog.note_unsigned": 403,
    "tlog.checkpoint_wrong_origin": 403,
}


@dataclass(frozen=True)
class AddCheckpoint:
    old: int
    proof: tuple[bytes, ...]
    note: str


def encode_request(old: int, proof: Sequence[bytes], note: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode("utf-8")


def parse_request(body: bytes) -> AddCheckpoint:
    """Read an add-checkpoint body; ``tlog.witness_request_malformed`` otherwise."""
    try:
        head, separator, note = body.decode("utf-8").partition("\n\n")
        lines = head.split("\n")
        digits = lines[0].removeprefix("old ")
        if not separator or not lines[0].startswith("old ") or not digits.isdigit():
            raise ValueError("old line")
        if (digits != "0" and digits.startswith("0")) or len(lines) - 1 > MAX_PROOF:
            raise ValueError("old size")
        proof = tuple(base64.b64decode(line, validate=True) for line in lines[1:])
        if any(len(h) != merkle.HASH_SIZE for h in proof):
            raise ValueError("proof hash")
    except ValueError as exc:  # UnicodeDecodeError and binascii.Error too
        raise TransparencyLogError("tlog.witness_request_malformed") from exc
    return AddCheckpoint(int(digits), proof, note)


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: str


def _refusal(status: int, exc: TransparencyLogError) -> Answer:
    detail = " ".join(f"{k}={v}" for k, v in sorted(exc.params.items()))
    return Answer(status, "text/plain; charset=utf-8", f"{exc.code} {detail}".strip() + "\n")


class WitnessService:
    """The witness's side: a directory witness following the logs of ``logs`` (keys
    configured, not learnt), optionally vetting each new tree's leaves first."""

    def __init__(
        self,
        witness: Witness,
        logs: Sequence[NoteVerifier],
        clock: Callable[[], datetime],
        vet: Callable[[Checkpoint], None] | None = None,
    ) -> None:
        self.witness = witness
        self.logs = {key.name: key for key in logs}
        self.clock = clock
        self.vet = vet
        self._lock = threading.Lock()

    def add_checkpoint(self, body: bytes) -> Answer:
        with self._lock:  # one state change at a time
            try:
                return self._add(body)
            except TransparencyLogError as exc:
                return _refusal(_STATUS.get(exc.code, 422), exc)

    def _add(self, body: bytes) -> Answer:
        try:
            request = parse_request(body)
            new = parse_checkpoint(split_note(request.note)[0])
        except TransparencyLogError as exc:
            return _refusal(400, exc)
        key = self.logs.get(new.origin)
        if key is None:
            return _refusal(
                404, TransparencyLogError("tlog.witness_log_unknown", origin=new.origin)
            )
        open_checkpoint(request.note, key, new.origin)  # 403 when it fails
        if request.old > new.size:
            return _refusal(400, TransparencyLogError("tlog.witness_request_malformed"))
        seen = self.witness.log(new.origin)
        latest = 0 if seen is None else seen.latest.size
        if request.old != latest:
            return Answer(409, SIZE_TYPE, f"{latest}\n")
        try:
            done = self.witness.observe(request.note, key, request.proof, self.clock(), self.vet)
        except TransparencyLogError as exc:
            if _STATUS.get(exc.code) == 409:
                return Answer(409, SIZE_TYPE, f"{latest}\n")
            raise
        line = done.note.rstrip("\n").rsplit("\n", 1)[-1]
        return Answer(200, "text/plain; charset=utf-8", line + "\n")


def serve(service: WitnessService, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering ``POST …/add-checkpoint`` (call ``serve_forever``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if not self.path.endswith("/add-checkpoint"):
                answer = Answer(404, "text/plain", "not found\n")
            elif length > MAX_REQUEST_BYTES:
                answer = Answer(413, "text/plain", "too large\n")
            else:
                answer = service.add_checkpoint(self.rfile.read(length))
            data = answer.body.encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the refusals are in the answers

    return ThreadingHTTPServer((host, port), Handler)


def fetch(prefix: str, path: str) -> bytes:
    """``<prefix>/<path>`` from a URL prefix or a directory of exported tiles."""
    if prefix.startswith(("http://", "https://")):
        url = f"{prefix.rstrip('/')}/{path}"
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:
                data: bytes = answer.read()
                return data
        except (urllib.error.URLError, OSError) as exc:
            raise TransparencyLogError("tlog.tiles_unreachable", path=url) from exc
    try:
        return (Path(prefix) / path).read_bytes()
    except OSError as exc:
        raise TransparencyLogError("tlog.tiles_unreachable", path=str(Path(prefix) / path)) from exc


def read_entries(prefix: str, size: int) -> list[bytes]:
    """The first ``size`` leaves of the log whose tiles are at ``prefix``."""
    entries: list[bytes] = []
    for tile in tiles.tiles_for_size(size):
        if tile.level is None:
            entries.extend(tiles.unbundle(fetch(prefix, tile.path())))
    return entries


def budget_vetting(prefix: str, rules: BudgetRules) -> Callable[[Checkpoint], None]:
    """The budget witness's check: the new tree's leaves, read from its tiles and hashed to
    the checkpoint's root, keep every budget (:func:`vet_leaves`)."""

    def vet(checkpoint: Checkpoint) -> None:
        entries = read_entries(prefix, checkpoint.size)
        if merkle.root([merkle.leaf_hash(e) for e in entries]) != checkpoint.root:
            raise TransparencyLogError("tlog.witness_leaves_unproven", size=checkpoint.size)
        vet_leaves(entries, rules)

    return vet


@dataclass(frozen=True)
class WitnessReply:
    """What one witness of the policy answered: its cosignature line, or why not."""

    name: str
    cosigned: bool
    status: int
    detail: str


def post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(f"{url.rstrip('/')}/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return int(answer.status), answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, f"tlog.witness_unreachable {exc}"


def collect_cosignatures(
    policy: Policy,
    note: str,
    size: int,
    held: Callable[[str], int],
    proof_from: Callable[[int], list[bytes]],
) -> tuple[str, list[WitnessReply]]:
    """Send ``note`` (of a tree of ``size`` leaves) to every witness of ``policy`` with a URL;
    ``held(name)`` guesses the size it holds, and a 409 tells the right one (one retry).
    Returns the note with every cosignature that verifies, and each witness's answer."""
    replies: list[WitnessReply] = []
    lines: list[str] = []
    for name, witness in sorted(policy.witnesses.items()):
        if witness.url is None:
            continue
        old = min(held(name), size)
        status, text = post(witness.url, encode_request(old, proof_from(old), note))
        if status == 409 and text.strip().isdigit() and int(text) != old and int(text) <= size:
            old = int(text)
            status, text = post(witness.url, encode_request(old, proof_from(old), note))
        if status == 200:
            line = text.strip().split("\n")[0] + "\n"
            try:
                cosignature_time(note + line, witness.key)
            except TransparencyLogError as exc:
                replies.append(WitnessReply(name, False, status, exc.code))
                continue
            lines.append(line)
            replies.append(WitnessReply(name, True, status, line.strip()))
        else:
            replies.append(WitnessReply(name, False, status, text.strip()))
    present = set(note.split("\n"))
    return note + "".join(li for li in lines if li.rstrip("\n") not in present), replies
