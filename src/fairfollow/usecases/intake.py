"""Take an employer's applicant/offer list: the employer user's own upload, or staff's
intake on an employer's behalf — one call of the intake core
(:func:`fairfollow.intake.upload.take_upload`) for both.

The attestation (APPI Art. 30) is checked before anything is read, and the size cap before
the file is parsed. The employer user's list is always its own employer's, for the season
the workspace is in; staff name the employer and the season, and may ask for the platform's
view of the report (match and consent figures), which never goes to the employer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.errors import AuthenticationError
from fairfollow.intake.report import IntakeReport
from fairfollow.intake.upload import Upload, take_upload
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.records.provision import Attestation
from fairfollow.release.desk import ListSummary, lists_of, season_of
from fairfollow.workspace import Workspace


@dataclass(frozen=True)
class IntakeDesk:
    """Where lists go: the workspace (its members, cookie sync and secret), its ledger, and
    the size cap of one list."""

    engine: Engine
    workspace: Workspace
    max_bytes: int


@dataclass(frozen=True)
class OwnListAsk:
    """An employer user's upload: the bytes, the file's name, the attestation."""

    data: bytes
    file_name: str
    attestation: Attestation


@dataclass(frozen=True)
class ListAsk:
    """Staff's intake for an employer: which employer and season, and optionally the
    contractor survey's links (ID-only lists) and the platform's view of the report."""

    employer: str
    season: int
    data: bytes
    file_name: str
    attestation: Attestation
    survey_links: Mapping[str, str] = field(default_factory=dict)
    internal: bool = False


@dataclass(frozen=True)
class TakenList:
    """The intake's report and the view of it the caller may have."""

    report: IntakeReport
    internal: bool = False

    def as_json(self) -> dict[str, object]:
        return self.report.as_json() if self.internal else self.report.employer_view()


def take_own_list(
    principal: Principal | None, ask: OwnListAsk, desk: IntakeDesk, now: datetime
) -> TakenList:
    """The signed-in employer user's list, for its own employer and the current season."""
    me = require(principal, Action.EMPLOYER_UPLOAD)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_UPLOAD)
    upload = Upload(
        me.employer, season_of(desk.workspace, now), ask.data, ask.file_name, ask.attestation
    )
    return TakenList(_take(desk, upload, now, me))


def take_list(
    principal: Principal | None, ask: ListAsk, desk: IntakeDesk, at: datetime
) -> TakenList:
    """An analyst, operator or privacy officer takes a list in for the employer."""
    me = require(principal, Action.INTAKE_UPLOAD)
    upload = Upload(
        ask.employer, ask.season, ask.data, ask.file_name, ask.attestation, ask.survey_links
    )
    return TakenList(_take(desk, upload, at, me), internal=ask.internal)


def _take(desk: IntakeDesk, upload: Upload, at: datetime, me: Principal) -> IntakeReport:
    return take_upload(
        desk.engine,
        desk.workspace,
        upload,
        at=at,
        actor=actor_of(me),
        max_bytes=desk.max_bytes,
    )


def own_lists(principal: Principal | None, engine: Engine) -> tuple[ListSummary, ...]:
    """The signed-in employer's uploads, newest first (no match or consent count)."""
    me = require(principal, Action.EMPLOYER_READ)
    if me.employer is None:  # the action table admits employer users only
        raise AuthenticationError("accounts.sign_in_required", action=Action.EMPLOYER_READ)
    with reading(engine, "employer lists") as conn:
        return tuple(lists_of(conn, me.employer))
