"""Checking the stored log: ``verify`` (fast, streaming) and ``audit`` (finds what changed).

What makes tampering visible, from strongest to weakest:

1. **Signed checkpoints.** Only the log key can sign a root. Recomputing each signed root
   from the leaf *contents* catches any change, deletion, insertion or reordering of leaves
   a checkpoint covers, however carefully the database was rewritten.
2. **Leaves that name their own index** (``log_record``): a swapped, shifted, duplicated or
   missing leaf shows up at its index even when its stored hash was rewritten to match.
3. **Stored hashes**: a leaf's stored hash against the hash of its content, and every
   stored subtree hash against the subtree recomputed from the contents.

A checkpoint older than the log's own record of its size is a failure (``rollback``): the
newest stored checkpoint may not be smaller than an earlier one, than a checkpoint kept in
the plain checkpoint file, or than the size a witness cosigned — a ledger restored from an
old backup, or a stale view served to this auditor, shows up here.

Leaves appended after the newest checkpoint are vouched for by no signature yet; the report
counts them (``unsigned_leaves``), and a checkpoint per release keeps that number at zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from fairfollow.errors import TransparencyLogError
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import merkle
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint import open_checkpoint
from fairfollow.tlog.keys import NoteVerifier
from fairfollow.tlog.record import claimed_index
from fairfollow.tlog.witness import WitnessedLog

FINDING_KINDS = (
    "modified",
    "deleted",
    "inserted",
    "reordered",
    "subtree",
    "checkpoint",
    "truncated",
    "key",
    "split",
    "rollback",
)
MAX_FINDINGS_PER_KIND = 1000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the log, at leaf ``index`` or over leaves ``[index, end)``."""

    kind: str
    index: int | None
    end: int | None
    detail: str


@dataclass(frozen=True)
class SignedHead:
    checkpoint_id: int
    size: int
    root: bytes


@dataclass(frozen=True)
class LogVerification:
    tree_size: int
    checkpoints: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class AuditReport:
    tree_size: int
    checkpoints: int
    signed_size: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def unsigned_leaves(self) -> int:
        return max(0, self.tree_size - self.signed_size)


def _signed_heads(
    conn: Connection, verifier: NoteVerifier, findings: list[Finding]
) -> list[SignedHead]:
    """Checkpoints whose signature holds, with the size and root *as signed*."""
    heads: list[SignedHead] = []
    for stored in log_store.list_checkpoints(conn):
        label = f"checkpoint {stored.checkpoint_id}"
        try:
            signed = open_checkpoint(stored.note, verifier)
        except TransparencyLogError as exc:
            findings.append(Finding("checkpoint", None, None, f"{label}: {exc}"))
            continue
        if (signed.size, signed.root) != (stored.size, stored.root):
            detail = f"{label}: the size or root column differs from the signed note"
            findings.append(Finding("checkpoint", None, None, detail))
        heads.append(SignedHead(stored.checkpoint_id, signed.size, signed.root))
    return heads


def rollback_findings(
    heads: Sequence[SignedHead], recorded: Sequence[tuple[str, int]]
) -> list[Finding]:
    """The newest checkpoint against every size the log already recorded: its earlier
    checkpoints and ``recorded`` (where, size) — the plain file's notes, a witness."""
    latest = heads[-1].size if heads else 0
    label = f"the latest checkpoint (size {latest})" if heads else "the ledger (no checkpoint)"
    earlier = [(f"checkpoint {h.checkpoint_id}", h.size) for h in heads[:-1]]
    findings = []
    for where, size in [*earlier, *recorded]:
        if size > latest:
            detail = (
                f"{label} is older than {where}, which recorded size {size}: "
                "the log was rolled back or this is a stale view"
            )
            findings.append(Finding("rollback", latest, size, detail))
    return findings


def _mirrored_sizes(notes: Sequence[str], verifier: NoteVerifier) -> list[tuple[str, int]]:
    """(where, size) of the checkpoints in the plain file that the log key signed."""
    sizes = []
    for note in notes:
        try:
            sizes.append(("the checkpoint file", open_checkpoint(note, verifier).size))
        except TransparencyLogError:
            continue  # audit reports a note that does not verify (_mirror_findings)
    return sizes


def _leaves(conn: Connection, on_progress: Progress | None) -> Iterator[log_store.StoredLeaf]:
    for count, leaf in enumerate(log_store.iter_leaves(conn), 1):
        yield leaf
        if on_progress is not None and count % 10_000 == 0:
            on_progress(count)


def verify_log(
    conn: Connection,
    verifier: NoteVerifier,
    on_progress: Progress | None = None,
    *,
    mirrored: Sequence[str] = (),
) -> LogVerification:
    """Recompute every signed checkpoint from the leaf contents in one streaming pass, check
    the store's consistency proofs between consecutive checkpoints, and fail when the newest
    checkpoint is older than a size already recorded (earlier checkpoints, ``mirrored``)."""
    findings: list[Finding] = []
    heads = _signed_heads(conn, verifier, findings)
    findings += rollback_findings(heads, _mirrored_sizes(mirrored, verifier))
    problems = [finding.detail for finding in findings]
    wanted = {head.size for head in heads}
    signed_size = max(wanted, default=0)
    roots = {0: merkle.EMPTY_ROOT}
    frontier: list[tuple[int, bytes]] = []
    count = 0
    for leaf in _leaves(conn, on_progress):
        if leaf.index != count:
            problems.append(f"leaf {count} is missing (the next stored leaf is {leaf.index})")
        recomputed = merkle.leaf_hash(leaf.content)
        if recomputed != leaf.leaf_hash:
            problems.append(f"leaf {leaf.index}: content does not match its stored hash")
        if leaf.index >= signed_size:
            # No signature covers this leaf yet; the index it names is the one check left.
            problems += _claim_problem(leaf)
        merkle.push_leaf(frontier, recomputed)
        count += 1
        if count in wanted:
            roots[count] = merkle.fold([value for _, value in frontier])
    for head in heads:
        label = f"checkpoint {head.checkpoint_id} (size {head.size})"
        if head.size not in roots:
            problems.append(f"{label}: the log holds only {count} leaves")
        elif roots[head.size] != head.root:
            problems.append(f"{label}: the leaves no longer hash to the signed root")
    for old, new in pairwise(heads):
        label = f"checkpoints {old.checkpoint_id} → {new.checkpoint_id}"
        if new.size < old.size:
            continue  # reported above as a rollback
        try:
            proof = log_store.consistency_proof(conn, old.size, new.size)
        except TransparencyLogError as exc:
            problems.append(f"{label}: no consistency proof: {exc}")
            continue
        if not merkle.verify_consistency(old.size, new.size, proof, old.root, new.root):
            problems.append(f"{label}: the consistency proof fails")
    return LogVerification(count, len(heads), tuple(problems))


def _claim_problem(leaf: log_store.StoredLeaf) -> list[str]:
    claim = claimed_index(leaf.content)
    if claim is None:
        return [f"leaf {leaf.index}: not a log record"]
    return [] if claim == leaf.index else [f"leaf {leaf.index} names index {claim}"]


def audit_log(
    conn: Connection,
    verifier: NoteVerifier,
    on_progress: Progress | None = None,
    *,
    witnessed: WitnessedLog | None = None,
    mirrored: Sequence[str] = (),
) -> AuditReport:
    """Find every modified, deleted, inserted or reordered leaf, with its index; with what
    a witness cosigned (``witnessed``) or the checkpoints copied to the plain file
    (``mirrored``), also truncation, deleted checkpoints, a replaced key and a split view."""
    findings: list[Finding] = []
    heads = _signed_heads(conn, verifier, findings)
    signed_size = max((head.size for head in heads), default=0)
    positions: list[int] = []
    claims: list[int | None] = []
    stored: list[bytes] = []
    recomputed: list[bytes] = []
    for leaf in _leaves(conn, on_progress):
        positions.append(leaf.index)
        stored.append(leaf.leaf_hash)
        recomputed.append(merkle.leaf_hash(leaf.content))
        if recomputed[-1] != leaf.leaf_hash:
            detail = "content does not match its stored leaf hash"
            findings.append(Finding("modified", leaf.index, None, detail))
        claims.append(claimed_index(leaf.content))
        if claims[-1] is None:
            findings.append(Finding("modified", leaf.index, None, "not a log record"))
    findings += _placement(positions, claims, signed_size)
    levels = _levels(recomputed)
    stored_levels = _stored_levels(conn, stored, levels, findings)
    findings += _checkpoint_findings(heads, levels, stored_levels)
    if witnessed is not None:
        findings += _witness_findings(conn, witnessed, verifier, levels)
    findings += _mirror_findings(conn, mirrored, verifier)
    recorded = _mirrored_sizes(mirrored, verifier)
    if witnessed is not None:
        recorded.append(("the witness's cosigned checkpoint", witnessed.latest.size))
    findings += rollback_findings(heads, recorded)
    return AuditReport(len(positions), len(heads), signed_size, _capped(findings))


def _pinned_heads(conn: Connection, verifier: NoteVerifier) -> set[tuple[int, bytes]]:
    """(size, root) of the stored checkpoints that ``verifier``'s key really signed."""
    heads: set[tuple[int, bytes]] = set()
    for stored in log_store.list_checkpoints(conn):
        try:
            signed = open_checkpoint(stored.note, verifier)
        except TransparencyLogError:
            continue
        heads.add((signed.size, signed.root))
    return heads


def _witness_findings(
    conn: Connection, log: WitnessedLog, verifier: NoteVerifier, levels: list[list[bytes]]
) -> list[Finding]:
    """Hold the log to what the witness cosigned."""
    findings: list[Finding] = []
    if log.log_key != verifier.encode():
        detail = f"the log's key {verifier.encode()} is not the key the witness pinned"
        findings.append(Finding("key", None, None, detail))
    pinned = _pinned_heads(conn, log.verifier())
    size = len(levels[0])
    if size < log.latest.size:
        detail = f"the witness cosigned size {log.latest.size}; the log holds {size} leaves"
        findings.append(Finding("truncated", size, log.latest.size, detail))
    for seen in log.history:
        label = f"cosigned checkpoint of size {seen.size}"
        if (seen.size, seen.root) not in pinned:
            findings.append(Finding("checkpoint", None, None, f"{label} is not in the ledger"))
        if any(s == seen.size and r != seen.root for s, r in pinned):
            detail = f"{label}: the ledger holds another root for that size (split view)"
            findings.append(Finding("split", None, None, detail))
        if seen.size <= size and seen.size and _range_hash(levels, 0, seen.size) != seen.root:
            detail = f"{label}: the leaves no longer hash to the root the witness cosigned"
            findings.append(Finding("checkpoint", 0, seen.size, detail))
    return findings


def _mirror_findings(
    conn: Connection, notes: Sequence[str], verifier: NoteVerifier
) -> list[Finding]:
    """Each checkpoint in the plain file must still be in the ledger."""
    pinned = _pinned_heads(conn, verifier)
    findings: list[Finding] = []
    for note in notes:
        try:
            signed = open_checkpoint(note, verifier)
        except TransparencyLogError as exc:
            detail = f"checkpoint file: a note does not verify with the log key ({exc})"
            findings.append(Finding("key", None, None, detail))
            continue
        if (signed.size, signed.root) not in pinned:
            detail = f"checkpoint file: the checkpoint of size {signed.size} is not in the ledger"
            findings.append(Finding("checkpoint", None, None, detail))
    return findings


def _placement(positions: list[int], claims: list[int | None], signed_size: int) -> list[Finding]:
    """Compare where each leaf sits with the index it was logged at."""
    findings: list[Finding] = []
    expected = max(signed_size, positions[-1] + 1 if positions else 0)
    holders: dict[int, list[int]] = {}
    unreadable = {p for p, claim in zip(positions, claims, strict=True) if claim is None}
    for position, claim in zip(positions, claims, strict=True):
        if claim is not None:
            holders.setdefault(claim, []).append(position)
    missing = [v for v in range(expected) if v not in holders and v not in unreadable]
    for start, end in _runs(missing):
        findings.append(Finding("deleted", start, end, f"no leaf holds index {start}..{end - 1}"))
    for claim, where in sorted(holders.items()):
        if len(where) > 1:
            detail = f"{len(where)} leaves claim index {claim} (at {where}); extras were inserted"
            findings.append(Finding("inserted", claim, None, detail))
        elif claim >= expected:
            detail = f"the leaf at position {where[0]} claims index {claim}, beyond the log"
            findings.append(Finding("inserted", where[0], None, detail))
    moved = [(p, p - c) for p, c in zip(positions, claims, strict=True) if c is not None and c != p]
    start = 0
    while start < len(moved):
        end = start
        while end + 1 < len(moved) and moved[end + 1] == (moved[end][0] + 1, moved[start][1]):
            end += 1
        first, last, offset = moved[start][0], moved[end][0], moved[start][1]
        detail = f"leaves logged at {first - offset}..{last - offset} sit at {first}..{last}"
        findings.append(Finding("reordered", first, last + 1, detail))
        start = end + 1
    return findings


def _runs(values: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Consecutive runs of sorted integers as half-open ranges."""
    start = 0
    for position in range(1, len(values) + 1):
        if position == len(values) or values[position] != values[position - 1] + 1:
            yield values[start], values[position - 1] + 1
            start = position


def _levels(leaf_hashes: list[bytes]) -> list[list[bytes]]:
    """Every perfect subtree hash, level by level (level 0: the leaves)."""
    levels = [leaf_hashes]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append(
            [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        )
    return levels


def _stored_levels(
    conn: Connection, stored: list[bytes], levels: list[list[bytes]], findings: list[Finding]
) -> list[list[bytes | None]]:
    """Stored subtree hashes laid out like ``levels``; report the lowest disagreements."""
    layout: list[list[bytes | None]] = [list(stored)]
    layout += [[None] * len(level) for level in levels[1:]]
    for level, index, node in log_store.iter_nodes(conn):
        if level >= len(levels) or index >= len(levels[level]):
            detail = f"a stored subtree hash covers leaves {index << level}.. beyond the log"
            findings.append(Finding("subtree", index << level, (index + 1) << level, detail))
        else:
            layout[level][index] = node
    wrong: set[tuple[int, int]] = {
        (0, i) for i, (a, b) in enumerate(zip(stored, levels[0], strict=True)) if a != b
    }
    for level in range(1, len(levels)):
        for index, value in enumerate(layout[level]):
            if value == levels[level][index]:
                continue
            wrong.add((level, index))
            if (level - 1, 2 * index) in wrong or (level - 1, 2 * index + 1) in wrong:
                continue  # already reported lower down
            span = (index << level, (index + 1) << level)
            what = "missing" if value is None else "differs from the leaves below it"
            detail = f"stored subtree hash ({level}, {index}) {what}"
            findings.append(Finding("subtree", span[0], span[1], detail))
    return layout


def _range_hash(levels: Sequence[Sequence[bytes | None]], start: int, end: int) -> bytes | None:
    parts = [levels[level][index] for level, index in merkle.perfect_subtrees(start, end)]
    hashes = [part for part in parts if part is not None]
    return merkle.fold(hashes) if len(hashes) == len(parts) else None


def _checkpoint_findings(
    heads: list[SignedHead], levels: list[list[bytes]], stored: list[list[bytes | None]]
) -> list[Finding]:
    """Each signed root against the leaves; localise a difference by walking down from the
    signed root while the stored hashes still reproduce it (so they are authentic)."""
    findings: list[Finding] = []
    size = len(levels[0])
    for head in heads:
        label = f"checkpoint {head.checkpoint_id} (size {head.size})"
        if head.size > size:
            detail = f"{label}: the log holds only {size} leaves; leaves were deleted"
            findings.append(Finding("checkpoint", size, head.size, detail))
            continue
        if head.size == 0 or _range_hash(levels, 0, head.size) == head.root:
            continue
        start, end, authentic = 0, head.size, head.root
        while end - start > 1:
            split = start + merkle.split_point(end - start)
            left, right = _range_hash(stored, start, split), _range_hash(stored, split, end)
            if left is None or right is None or merkle.node_hash(left, right) != authentic:
                break  # the stored hashes were rewritten too; this is as close as we get
            if _range_hash(levels, start, split) != left:
                end, authentic = split, left
            else:
                start, authentic = split, right
        detail = f"{label}: leaves no longer hash to the signed root; changed in {start}..{end - 1}"
        findings.append(Finding("checkpoint", start, end, detail))
    return findings


def _capped(findings: list[Finding]) -> tuple[Finding, ...]:
    kept: list[Finding] = []
    counts = dict.fromkeys(FINDING_KINDS, 0)
    for finding in findings:
        counts[finding.kind] += 1
        if counts[finding.kind] <= MAX_FINDINGS_PER_KIND:
            kept.append(finding)
    for kind, count in counts.items():
        if count > MAX_FINDINGS_PER_KIND:
            detail = f"{count - MAX_FINDINGS_PER_KIND} more {kind} findings not listed"
            kept.append(Finding(kind, None, None, detail))
    return tuple(kept)
