"""Helpers shared by the governance tests: a small consent ledger, an approved service, an
employer list, and a release worker for the multi-process budget test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine

from fairfollow.accounts import authority
from fairfollow.accounts.account import Principal, Role
from fairfollow.consent.policy import PolicyVersion, Purpose, Screen
from fairfollow.consent.policy_store import add_purposes, add_screens, add_version, deploy
from fairfollow.consent.store import Member, add_events, add_members
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.employers.matching import MemberIdentity
from fairfollow.intake.desk import IntakeInputs, intake_bytes
from fairfollow.law.purposes import PurposeKey
from fairfollow.model.scores import ScoreTable
from fairfollow.records.provision import Attestation
from fairfollow.season.policy_history import PURPOSES, V1_PURPOSES, V2_PURPOSES
from fairfollow.services import workflow as wf
from fairfollow.services.examples import yield_forecast
from tests.actors import as_actor

T0 = datetime(2019, 3, 1, tzinfo=UTC)
AT = datetime(2019, 7, 15, tzinfo=UTC)
KEY = b"k" * 32
ATTESTATION = Attestation(
    provider_name="株式会社テスト",
    provider_address="東京都千代田区1-1",
    representative="代表 太郎",
    obtained_how="collected from applicants through our entry form",
    consent_statement="applicants consented to sharing with the platform for forecasts",
)
HEADER = "applicant_id,name_kanji,name_kana,email,birth_date,university,entry_date,offer_date"


def identity(member_id: int) -> MemberIdentity:
    return MemberIdentity(
        member_id, f"s{member_id}@uni.ac.jp", f"テスト {member_id}", date(1997, 4, 2)
    )


def seed_consent(engine: Engine, members: Iterable[int], consenting: Iterable[int]) -> None:
    """Members registered before T0 on one screen showing v1 then v2; ``consenting`` grant
    the forecast purpose on v2, the others were never asked (the 2019 defect b)."""
    with engine.begin() as conn:
        add_purposes(conn, [Purpose(**p.__dict__) for p in PURPOSES])
        add_version(
            conn,
            PolicyVersion("v1", T0 - timedelta(days=365), frozenset(V1_PURPOSES), "旧", "old"),
            at=T0,
            actor=as_actor("po"),
        )
        add_version(
            conn,
            PolicyVersion(
                "v2",
                T0,
                frozenset(V2_PURPOSES),
                "新",
                "new",
                frozenset({PurposeKey.EMPLOYER_FORECAST}),
            ),
            at=T0,
            actor=as_actor("po"),
        )
        add_screens(conn, [Screen("pc_registration", "pc_web", "PC", "PC")])
        deploy(conn, "pc_registration", "v1", T0 - timedelta(days=365))
        deploy(conn, "pc_registration", "v2", T0)
        add_members(conn, [Member(m, T0 - timedelta(days=30)) for m in members])
        add_events(
            conn,
            [
                ConsentEvent(
                    i + 1,
                    m,
                    PurposeKey.EMPLOYER_FORECAST,
                    ConsentAction.GRANT,
                    "pc_registration",
                    "v2",
                    T0 + timedelta(days=1),
                    "reconsent_dialog",
                )
                for i, m in enumerate(sorted(consenting))
            ],
        )


STAFF: Mapping[str, Role | None] = {
    "po": Role.PRIVACY_OFFICER,
    "r1": Role.REVIEWER,
    "r2": Role.REVIEWER,
    "owner": None,
}

# The log leaves the accounts of STAFF add (the administrator's grant and three more).
STAFF_LEAVES = 1 + sum(1 for role in STAFF.values() if role is not None)
# The log leaves the committee's decisions in :func:`approve_forecast` add (two reviewers'
# approvals and the approval they make up).
COMMITTEE_LEAVES = 3


def staff(
    engine: Engine, roles: Mapping[str, Role | None] = STAFF, now: datetime = T0
) -> dict[str, Principal]:
    """A bootstrap administrator (``admin``) who creates these accounts and grants roles."""
    admin = authority.principal_for(engine, authority.bootstrap(engine, now).account.login)
    for login, role in roles.items():
        authority.create_account(engine, admin, login, display_name=login, now=now)
        if role is not None:
            authority.change_role(engine, admin, login, role, grant=True, now=now)
    return {"admin": admin} | {login: authority.principal_for(engine, login) for login in roles}


def approve_forecast(engine: Engine, employers: Sequence[str]) -> dict[str, Principal]:
    p = staff(engine)
    wf.register_service(engine, yield_forecast(employers, owner="owner"), actor=p["owner"], now=T0)
    wf.submit_service(engine, "yield-forecast", actor=p["owner"], now=T0)
    wf.sign_off_service(engine, "yield-forecast", actor=p["po"], now=T0)
    wf.approve_service(engine, "yield-forecast", actor=p["r1"], now=T0)
    wf.approve_service(engine, "yield-forecast", actor=p["r2"], now=T0)
    return p


def seed_more_consent(engine: Engine, consenting: Sequence[int], silent: Sequence[int]) -> None:
    """More members on the ledger of :func:`seed_consent`: ``consenting`` grant the
    forecast purpose, ``silent`` never do."""
    with engine.begin() as conn:
        add_members(conn, [Member(m, T0 - timedelta(days=30)) for m in (*consenting, *silent)])
        add_events(
            conn,
            [
                ConsentEvent(
                    10_000 + m,
                    m,
                    PurposeKey.EMPLOYER_FORECAST,
                    ConsentAction.GRANT,
                    "pc_registration",
                    "v2",
                    T0 + timedelta(days=1),
                    "reconsent_dialog",
                )
                for m in consenting
            ],
        )


def employer_csv(members: Iterable[int], *, offers: bool = True) -> bytes:
    lines = [HEADER]
    for m in members:
        i = identity(m)
        offer = "2019-06-01" if offers else ""
        lines.append(
            f"A{m:05d},名前 {m},{i.name_kana},{i.email},1997-04-02,東都大学,2019-04-01,{offer}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def inputs(members: Iterable[int]) -> IntakeInputs:
    return IntakeInputs(KEY, [identity(m) for m in members], {}, {}, PurposeKey.EMPLOYER_FORECAST)


def take_in(engine: Engine, employer: str, members: Sequence[int], known: Iterable[int]) -> None:
    intake_bytes(
        engine,
        employer,
        2020,
        employer_csv(members),
        f"{employer}.csv",
        ATTESTATION,
        inputs(known),
        at=AT,
        actor=as_actor("test"),
    )


@dataclass(frozen=True)
class Ready:
    members: tuple[int, ...]
    consenting: tuple[int, ...]


def ready_ledger(engine: Engine, *, members: int = 30, consenting: int = 20) -> Ready:
    """Consent ledger, approved yield forecast for E0001/E0002, and E0001's pool of all."""
    everyone = tuple(range(1, members + 1))
    yes = everyone[:consenting]
    seed_consent(engine, everyone, yes)
    approve_forecast(engine, ["E0001", "E0002"])
    take_in(engine, "E0001", everyone, everyone)
    return Ready(everyone, yes)


SOURCE = ScoreTable(base_rate=0.5, base_rate_source="test", default=0.8)


def release_worker(url: str, start: object, results: object) -> None:
    """One release in its own process (multi-process budget test)."""
    from fairfollow.ledger.engine import make_engine
    from fairfollow.release.door import ReleaseRequest, release_forecast

    engine = make_engine(url)
    start.wait()  # type: ignore[attr-defined]
    outcome = release_forecast(
        engine, ReleaseRequest("E0001", "yield-forecast", 2020, AT, epsilon=1.0), SOURCE
    )
    results.put((outcome.released, outcome.reason, outcome.epsilon_spent))  # type: ignore[attr-defined]
    engine.dispose()
