"""The release's transparency-log leaf: what it says, and the ledger clock it sets.

:func:`leaf_body` is the one place a release or refusal leaf is built. The log is public,
so a leaf says only what a member or an auditor needs to check a release (docs/log.md,
"What a release leaf shows"): the kind, the instant, the employer's public id (the
platform's code, ``E0314``, never its name), the service, the decision, the ε spent, and
the commitment to the contributing members (docs/rights.md). The employer's figures — its
pool size (how many offers it made), the forecast and its intervals — are the employer's
business: the leaf carries only a commitment to them (:class:`FiguresOpening`), a salted
SHA-256 that the figures and their salt (the *opening*, kept with the decision in the
ledger) reproduce. The employer, its auditors and the regulator get the opening through
an authenticated call; anyone holding it checks it against the public leaf.

The ledger's clock is the instant of the latest leaf: a release is never recorded earlier
than anything already in the log (:func:`ledger_clock`), so a backdated release cannot
use a member again after a withdrawal the log has already passed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fairfollow import canonical_json
from fairfollow.canonical_json import JsonValue
from fairfollow.ledger.transaction import Connection
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafFormatError, decode_leaf

FIGURES_COMMITMENT_VERSION = 1
FIGURES_DOMAIN = b"fairfollow release figures v1\n"  # the hash's domain separator
FIGURES_SALT_BYTES = 16
SALT_DETAIL = "figures_salt"  # where the decision's detail keeps the opening's salt


@dataclass(frozen=True)
class FiguresOpening:
    """A release's figures and the salt their public commitment was made with."""

    figures: Mapping[str, JsonValue]
    salt: bytes

    @property
    def digest(self) -> str:
        """SHA-256 over the domain, the salt and the figures' canonical JSON (hex). The
        salt keeps a guess at the figures from being checked against the public leaf."""
        body = canonical_json.dumps(dict(self.figures))
        return hashlib.sha256(FIGURES_DOMAIN + self.salt + body).hexdigest()

    def commitment(self) -> dict[str, JsonValue]:
        """What the public leaf carries in place of the figures."""
        return {"v": FIGURES_COMMITMENT_VERSION, "alg": "sha256", "digest": self.digest}

    def opens(self, commitment: object) -> bool:
        """Whether this opening reproduces ``commitment`` (a leaf's ``figures_commitment``)."""
        if not isinstance(commitment, Mapping) or commitment.get("alg") != "sha256":
            return False
        return hmac.compare_digest(str(commitment.get("digest", "")), self.digest)

    def as_json(self) -> dict[str, JsonValue]:
        return {"figures": dict(self.figures), "salt": self.salt.hex()}


def open_figures(
    figures: Mapping[str, JsonValue], random_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> FiguresOpening:
    """A new opening of ``figures`` with a fresh random salt."""
    return FiguresOpening(dict(figures), random_bytes(FIGURES_SALT_BYTES))


def opening_of_detail(detail: Mapping[str, object]) -> FiguresOpening | None:
    """The opening a release decision's stored detail holds (its released figures and
    salt); None for a refusal, or a decision recorded before figures were committed."""
    figures, salt = detail.get("released"), detail.get(SALT_DETAIL)
    if not isinstance(figures, dict) or not isinstance(salt, str):
        return None
    try:
        return FiguresOpening(figures, bytes.fromhex(salt))
    except ValueError:
        return None


@dataclass(frozen=True)
class LeafFacts:
    """What a release leaf states (no personal data, no exact count, no employer's figure)."""

    decision_id: int
    request: str
    outcome: str
    reason: str
    employer: str
    service: str
    service_version: int | None
    season: int
    at: datetime
    citations: tuple[str, ...]
    opening: FiguresOpening | None = None  # the released figures, committed to
    epsilon: float | None = None
    members: JsonValue | None = None  # the commitment to the contributing members


def leaf_body(facts: LeafFacts) -> dict[str, JsonValue]:
    """The body of the leaf of one release decision."""
    body: dict[str, JsonValue] = {
        "decision_id": facts.decision_id,
        "request": facts.request,
        "outcome": facts.outcome,
        "reason": facts.reason,
        "employer": facts.employer,
        "service": facts.service,
        "service_version": facts.service_version,
        "season": facts.season,
        "at": facts.at.isoformat(),
        "citations": list(facts.citations),
    }
    if facts.opening is not None:
        body["figures_commitment"] = facts.opening.commitment()
        body["epsilon"] = facts.epsilon
    if facts.members is not None:
        body["members"] = facts.members
    return body


def ledger_clock(conn: Connection) -> datetime | None:
    """The instant of the latest leaf that states one (None for an empty log)."""
    size = log_store.tree_size(conn)
    for index in range(size - 1, max(-1, size - 64), -1):
        try:
            body = decode_leaf(log_store.read_leaf(conn, index).content).record.body
        except LeafFormatError:
            continue
        at = body.get("at")
        if isinstance(at, str):
            try:
                return datetime.fromisoformat(at)
            except ValueError:
                continue
    return None
