"""Release-door benchmark: a forecast release for a 1,000-offer pool, 200 times.

The governed path is the whole door (budget lock, approval and rule checks, consent filter
over the pool in SQL, forecast, OpenDP noise, decision, ε odometer, provision record with
its subjects, transparency-log leaf — one transaction). The baseline, measured in the same
run, is the same computation without the governance steps: the exact Poisson-binomial
forecast of the same pool and OpenDP noise on its figures. Reported: p50 and p95 latency of
each, and their ratio. Runs on SQLite (the embedded default) in a temporary directory.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench import BENCH_ACTOR
from fairfollow.accounts import authority
from fairfollow.accounts.account import Role
from fairfollow.consent.policy import PolicyVersion, Purpose, Screen
from fairfollow.consent.policy_store import add_purposes, add_screens, add_version, deploy
from fairfollow.consent.store import Member, add_events, add_members
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.employers.matching import MemberIdentity
from fairfollow.intake.desk import IntakeInputs, intake_bytes
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.model.scores import ScoreTable
from fairfollow.records.provision import Attestation
from fairfollow.release.budget_store import set_cap
from fairfollow.release.door import ReleaseRequest, release_forecast
from fairfollow.release.figures import exact_figures, release_figures
from fairfollow.season.policy_history import PURPOSES, V2_PURPOSES
from fairfollow.services import workflow as wf
from fairfollow.services.examples import YIELD_FORECAST_ID, yield_forecast

Report = Callable[..., None]
OFFERS = 1_000
RELEASES = 200
CONSENTING = 0.85
T0 = datetime(2019, 3, 1, tzinfo=UTC)
AT = datetime(2019, 7, 15, tzinfo=UTC)
EMPLOYER = "E0001"


def _seed(engine_url: str, rng: np.random.Generator) -> tuple[ScoreTable, list[float], int]:
    engine = create_ledger(engine_url)
    members = list(range(1, OFFERS + 1))
    consenting = [m for m in members if rng.random() < CONSENTING]
    with engine.begin() as conn:
        add_purposes(conn, [Purpose(**p.__dict__) for p in PURPOSES])
        version = PolicyVersion("v2", T0, frozenset(V2_PURPOSES), "新", "new")
        add_version(conn, version, at=T0, actor=BENCH_ACTOR)
        add_screens(conn, [Screen("pc_registration", "pc_web", "PC", "PC")])
        deploy(conn, "pc_registration", "v2", T0)
        add_members(conn, [Member(m, T0 - timedelta(days=1)) for m in members])
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
                    "registration_checkbox",
                )
                for i, m in enumerate(consenting)
            ],
        )
        set_cap(conn, EMPLOYER, 2020, 10.0 * RELEASES, actor=BENCH_ACTOR, at=T0)
    admin = authority.principal_for(engine, authority.bootstrap(engine, T0).account.login)
    staff = {"po": Role.PRIVACY_OFFICER, "r1": Role.REVIEWER, "r2": Role.REVIEWER, "owner": None}
    for person, role in staff.items():
        authority.create_account(engine, admin, person, display_name=person, now=T0)
        if role is not None:
            authority.change_role(engine, admin, person, role, grant=True, now=T0)
    p = {person: authority.principal_for(engine, person) for person in staff}
    wf.register_service(engine, yield_forecast([EMPLOYER], owner="owner"), actor=p["owner"], now=T0)
    wf.submit_service(engine, YIELD_FORECAST_ID, actor=p["owner"], now=T0)
    wf.sign_off_service(engine, YIELD_FORECAST_ID, actor=p["po"], now=T0)
    for reviewer in ("r1", "r2"):
        wf.approve_service(engine, YIELD_FORECAST_ID, actor=p[reviewer], now=T0)
    header = "applicant_id,name_kanji,name_kana,email,birth_date,university,entry_date,offer_date"
    rows = [
        f"A{m},名前,カナ {m},s{m}@u.ac.jp,1997-04-02,東都大学,2019-04-01,2019-06-01"
        for m in members
    ]
    identities = [MemberIdentity(m, f"s{m}@u.ac.jp", f"カナ {m}", T0.date()) for m in members]
    attestation = Attestation("社", "東京", "代表", "entry form", "agreed")
    inputs = IntakeInputs(b"b" * 32, identities, {}, {}, PurposeKey.EMPLOYER_FORECAST)
    data = ("\n".join([header, *rows]) + "\n").encode()
    intake_bytes(
        engine, EMPLOYER, 2020, data, "E0001.csv", attestation, inputs, at=AT, actor=BENCH_ACTOR
    )
    engine.dispose()
    p = rng.uniform(0.2, 0.9, OFFERS)
    scores = {(EMPLOYER, m): float(p[m - 1]) for m in consenting}
    behavioural = [scores[(EMPLOYER, m)] for m in consenting]
    return ScoreTable(0.52, "bench", scores), behavioural, OFFERS - len(consenting)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ms = np.asarray(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def run(report: Report) -> None:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="fairfollow-bench-release-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'ledger.sqlite'}"
        source, behavioural, base_offers = _seed(url, rng)
        engine = open_ledger(url)
        request = ReleaseRequest(EMPLOYER, YIELD_FORECAST_ID, 2020, AT, epsilon=1.0)
        governed: list[float] = []
        baseline: list[float] = []
        for _ in range(RELEASES):
            start = time.perf_counter()
            outcome = release_forecast(engine, request, source)
            governed.append(time.perf_counter() - start)
            if not outcome.released:
                raise RuntimeError(f"bench release refused: {outcome.reason}")
            start = time.perf_counter()
            release_figures(exact_figures(behavioural, base_offers, source.base_rate), 1.0)
            baseline.append(time.perf_counter() - start)
        engine.dispose()
    g50, g95 = _percentiles(governed)
    b50, b95 = _percentiles(baseline)
    note = f"{OFFERS}-offer pool, {RELEASES} releases, SQLite"
    report("release_governed_p50", g50, "ms", note)
    report("release_governed_p95", g95, "ms", note)
    report("release_baseline_p50", b50, "ms", "forecast + OpenDP noise, no governance")
    report("release_baseline_p95", b95, "ms", "forecast + OpenDP noise, no governance")
    report("release_overhead_p50", g50 / b50, "x", "governed / baseline")
    report("release_overhead_p95", g95 / b95, "x", "governed / baseline")


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:28s} {value:10.3f} {unit:3s} {note}")

    run(_print)
