"""The employer's desk: what an employer user may ask of the release door, and its standing.

:func:`request_forecast` is ``fairfollow release forecast`` for the signed-in employer: the
season the workspace is in, the approved yield-forecast service that names the employer
(else the example's id, so that the door itself refuses and records why), the workspace's
model scores of the season with the previous season's base rate, and the log signer — then
one call of :func:`fairfollow.release.door.release_forecast`. The model is loaded only when
the door gets as far as needing scores: a refusal never waits for it.

:func:`standing` is what the portal's front page shows: the season, the privacy budget
left, the service the forecasts come from, the latest list and the releases so far —
counts of the employer's own uploads and releases, nothing about any person.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from fairfollow.actor import PORTAL, Actor
from fairfollow.instants import JST
from fairfollow.intake.pool_store import intakes_of
from fairfollow.law.purposes import PurposeKey
from fairfollow.law.rules import Granularity
from fairfollow.ledger.transaction import Connection, Engine, reading
from fairfollow.model.scores import ForecastSource
from fairfollow.release.budget import Budget, PrivacyLimits
from fairfollow.release.budget_store import budget
from fairfollow.release.door import ReleaseRequest, release_forecast
from fairfollow.release.view import ReleaseOutcome
from fairfollow.services import examples, store
from fairfollow.tlog.keys import NoteSigner
from fairfollow.workspace import Workspace


def season_of(workspace: Workspace, at: datetime) -> int:
    """The hiring season the portal works in: the workspace's season when it was built from
    one, else the class graduating next spring (recruiting runs the year before)."""
    origin = workspace.origin()
    if origin is not None:
        return origin.current_season
    return at.astimezone(JST).year + 1


def forecast_service(conn: Connection, employer: str) -> tuple[str, bool]:
    """The approved aggregate forecast service naming ``employer`` (and True), else the
    yield-forecast example's id (and whether that one is approved): the door decides."""
    for service_id in store.list_services(conn):
        state = store.service_state(conn, service_id)
        if not state.current:
            continue
        spec = store.load_spec(conn, service_id, state.version)
        if (
            spec.names(employer)
            and spec.granularity is Granularity.AGGREGATE
            and PurposeKey.EMPLOYER_FORECAST in spec.purpose_keys()
        ):
            return service_id, True
    return examples.YIELD_FORECAST_ID, False


class _ModelScores:
    """The workspace's model scores, loaded on first use (a refusal never loads them)."""

    def __init__(self, workspace: Workspace, season: int) -> None:
        self._workspace = workspace
        self._season = season

    @functools.cached_property
    def _source(self) -> ForecastSource:
        from fairfollow.model.scores import model_scores

        return model_scores(self._workspace, self._season, self._season - 1)

    @property
    def base_rate(self) -> float:
        return self._source.base_rate

    @property
    def base_rate_source(self) -> str:
        return self._source.base_rate_source

    @property
    def dispersion(self) -> float:
        return self._source.dispersion

    def probabilities(self, employer: str, member_ids: Sequence[int]) -> Mapping[int, float]:
        return self._source.probabilities(employer, member_ids)

    def extra_variance(self, employer: str, offers: int) -> float:
        return self._source.extra_variance(employer, offers)


def request_forecast(
    engine: Engine,
    workspace: Workspace,
    employer: str,
    at: datetime,
    *,
    epsilon: float,
    signer: NoteSigner,
    limits: PrivacyLimits,
    actor: Actor = PORTAL,
) -> ReleaseOutcome:
    """One forecast of the employer's pool through the door (released or refused), asked by
    ``actor`` (the signed-in employer user; the portal itself when nobody is signed in)."""
    season = season_of(workspace, at)
    with reading(engine, "forecast service") as conn:
        service_id, _ = forecast_service(conn, employer)
    request = ReleaseRequest(employer, service_id, season, at, epsilon, actor=actor)
    return release_forecast(
        engine, request, _ModelScores(workspace, season), signer=signer, limits=limits
    )


@dataclass(frozen=True)
class ListSummary:
    """One list the employer uploaded, as the employer sent it (no match or consent count)."""

    intake_id: int
    season: int
    file_name: str
    at: datetime
    rows_read: int
    rows_accepted: int
    rows_quarantined: int


def lists_of(conn: Connection, employer: str) -> list[ListSummary]:
    """The employer's uploads, newest first."""
    return [
        ListSummary(
            i.intake_id,
            i.season,
            i.file_name,
            i.at,
            i.rows_read,
            i.rows_accepted,
            i.rows_quarantined,
        )
        for i in reversed(intakes_of(conn, employer))
    ]


@dataclass(frozen=True)
class Standing:
    """The employer's season at a glance."""

    employer: str
    season: int
    budget: Budget
    service_id: str
    service_approved: bool
    latest_list: ListSummary | None
    releases: int


def standing(conn: Connection, workspace: Workspace, employer: str, at: datetime) -> Standing:
    season = season_of(workspace, at)
    service_id, approved = forecast_service(conn, employer)
    held = budget(conn, employer, season)
    return Standing(
        employer=employer,
        season=season,
        budget=held,
        service_id=service_id,
        service_approved=approved,
        latest_list=next((i for i in lists_of(conn, employer) if i.season == season), None),
        releases=held.releases,
    )
