"""A small world for rights tests: an ingested season, a consent ledger for 30 of its
members (20 consenting), an approved forecast service and E0001's list of all 30, matched by
the real keyed-hash matcher from the store's identities (not a test module)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from fairfollow.events.store import ingest, open_store
from fairfollow.intake.desk import IntakeInputs, intake_bytes, workspace_inputs
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.engine import open_ledger
from fairfollow.release.door import ReleaseRequest, release_forecast
from fairfollow.release.view import ReleaseOutcome
from fairfollow.rights.desk import Desk
from fairfollow.rights.request import IdentityCheck, IdentityMethod, RequestInput, RightKind
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace
from tests.actors import as_actor
from tests.governance_fixtures import (
    AT,
    ATTESTATION,
    HEADER,
    SOURCE,
    approve_forecast,
    seed_consent,
)

SEASON = 2020
CHECK = IdentityCheck(
    IdentityMethod.OPERATOR_VERIFIED, as_actor("ops-tanaka"), "driving licence seen"
)
LATER = datetime(2019, 7, 20, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    member_id: int
    email: str
    name_kanji: str
    name_kana: str
    birth_date: date


@dataclass
class World:
    workspace: Workspace
    season_dir: Path
    engine: Engine
    desk: Desk
    people: tuple[Person, ...]
    consenting: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return tuple(p.member_id for p in self.people)

    def inputs(self) -> IntakeInputs:
        found = workspace_inputs(self.workspace, SEASON, PurposeKey.EMPLOYER_FORECAST)
        # The small world's employers are clients whatever the simulated company table says.
        return replace(found, clients=(found.clients or frozenset()) | {"E0001", "E0002"})

    def employer_csv(self, people: Sequence[Person]) -> bytes:
        lines = [HEADER]
        for p in people:
            lines.append(
                f"A{p.member_id},{p.name_kanji},{p.name_kana},{p.email},"
                f"{p.birth_date.isoformat()},東都大学,2019-04-01,2019-06-01"
            )
        return ("\n".join(lines) + "\n").encode("utf-8")

    def take_in(self, employer: str = "E0001", inputs: IntakeInputs | None = None) -> None:
        intake_bytes(
            self.engine,
            employer,
            SEASON,
            self.employer_csv(self.people),
            f"{employer}.csv",
            ATTESTATION,
            inputs or self.inputs(),
            at=AT,
            actor=as_actor("test"),
        )

    def release(self, at: datetime = AT) -> ReleaseOutcome:
        return release_forecast(
            self.engine, ReleaseRequest("E0001", "yield-forecast", SEASON, at), SOURCE
        )

    def request(self, kind: RightKind, member: int, **detail: object) -> int:
        from fairfollow.rights.desk import file_request
        from fairfollow.rights.detail import correction_of, detail_of

        fields = detail.get("fields")
        typed = (
            correction_of(fields)  # type: ignore[arg-type]
            if kind is RightKind.CORRECTION
            else detail_of(kind.value, detail)
        )
        item = RequestInput(kind, member, AT, identity=CHECK, detail=typed)
        return file_request(self.desk, item, actor=as_actor("ops-tanaka")).request_id


def _people(workspace: Workspace, count: int) -> tuple[Person, ...]:
    con = open_store(workspace)
    try:
        rows = con.execute(
            "SELECT member_id, email, name_kanji, name_kana, birth_date FROM members "
            "WHERE season = ? AND email IS NOT NULL AND name_kana IS NOT NULL "
            "AND name_kanji IS NOT NULL AND birth_date IS NOT NULL "
            "AND email IN (SELECT email FROM members GROUP BY email HAVING count(*) = 1) "
            "ORDER BY member_id LIMIT ?",
            [SEASON, count],
        ).fetchall()
    finally:
        con.close()
    return tuple(Person(int(m), str(e), str(k), str(n), b) for m, e, k, n, b in rows)


def make_world(tmp_path: Path, ledger_url: str, season_dir: Path, *, members: int = 30) -> World:
    """The world described in the module docstring (a copy of the season is kept beside)."""
    own = tmp_path / "season"
    shutil.copytree(season_dir, own)
    workspace = Workspace(tmp_path / "ws", ledger_url_override=ledger_url).ensure()
    ingest(workspace, own)
    people = _people(workspace, members)
    engine = open_ledger(ledger_url)
    ids = [p.member_id for p in people]
    consenting = tuple(ids[:20])
    seed_consent(engine, ids, consenting)
    approve_forecast(engine, ["E0001", "E0002"])
    desk = Desk(workspace, engine, Settings.model_construct(home=workspace.root))
    world = World(workspace, own, engine, desk, people, consenting)
    world.take_in()
    return world
