"""The policy rollout matrix: policy versions × screens, what each screen displays since when.

The privacy officer's view of the 2019 defect (a revised policy that never reached one
registration screen): each cell says whether a screen displayed a version at the chosen
instant, from when to when; a screen *lags* when it still displays a version older than the
active one. Beside the matrix stand every activation decision the gate recorded (refusals
included) and every forced activation with who forced it and why — kept forever, since
status events are append-only. Read-only; activation itself is
:func:`fairfollow.consent.activation_store.activate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fairfollow.consent.activation_store import RecordedDecision, VersionRow, overview
from fairfollow.consent.policy import Deployment, PolicyStatus, Screen, StatusEvent
from fairfollow.consent.policy_store import load_deployments, status_history
from fairfollow.instants import utc
from fairfollow.ledger.transaction import Connection


@dataclass(frozen=True)
class Stint:
    """One period in which a screen displayed one version: [since, until)."""

    version_id: str
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class Cell:
    version_id: str
    shown_now: bool  # the screen displays this version at the matrix's instant
    stints: tuple[Stint, ...]  # every period it displayed it, up to the instant


@dataclass(frozen=True)
class ScreenLine:
    screen: Screen
    displayed: str | None
    displayed_since: datetime | None
    lagging: bool
    cells: tuple[Cell, ...]  # in the order of :attr:`RolloutMatrix.versions`


@dataclass(frozen=True)
class RolloutMatrix:
    at: datetime
    active: tuple[str, ...]
    versions: tuple[VersionRow, ...]
    screens: tuple[ScreenLine, ...]
    decisions: tuple[RecordedDecision, ...]  # every gate decision, oldest first
    forced: tuple[StatusEvent, ...]  # every forced activation, with its actor and reason

    @property
    def lagging(self) -> tuple[ScreenLine, ...]:
        return tuple(line for line in self.screens if line.lagging)


def stints(deployments: Sequence[Deployment], screen_id: str, at: datetime) -> tuple[Stint, ...]:
    """The periods a screen displayed each version, up to ``at`` (pure; deployments at the
    same instant are ordered by ``deploy_id``, as everywhere)."""
    mine = sorted(
        (d for d in deployments if d.screen_id == screen_id and d.deployed_at <= at),
        key=lambda d: (d.deployed_at, d.deploy_id),
    )
    found: list[Stint] = []
    for current, following in zip(mine, [*mine[1:], None], strict=True):
        if current.version_id is None:
            continue
        until = following.deployed_at if following is not None else None
        if (
            found
            and found[-1].version_id == current.version_id
            and found[-1].until == (current.deployed_at)
        ):
            found[-1] = Stint(current.version_id, found[-1].since, until)
        else:
            found.append(Stint(current.version_id, current.deployed_at, until))
    return tuple(found)


def rollout_matrix(conn: Connection, at: datetime) -> RolloutMatrix:
    """The matrix at ``at`` from the ledger's versions, screens, deployments and decisions."""
    at = utc(at)
    seen = overview(conn, at)
    deployments = load_deployments(conn)
    versions = tuple(
        sorted(seen.versions, key=lambda v: (v.version.effective_at, v.version.version_id))
    )
    lines = []
    for row in sorted(seen.screens, key=lambda r: r.screen.screen_id):
        periods = stints(deployments, row.screen.screen_id, at)
        cells = tuple(
            Cell(
                v.version.version_id,
                row.displayed == v.version.version_id,
                tuple(p for p in periods if p.version_id == v.version.version_id),
            )
            for v in versions
        )
        since = periods[-1].since if periods and periods[-1].until is None else None
        lines.append(ScreenLine(row.screen, row.displayed, since, row.lagging, cells))
    forced = tuple(e for e in status_history(conn) if e.forced and e.status is PolicyStatus.ACTIVE)
    return RolloutMatrix(at, seen.active, versions, tuple(lines), seen.decisions, forced)
