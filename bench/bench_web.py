"""Web latency benchmark: the member portal's main page and a forecast request, over HTTP
on loopback under a bounded load, against the same core call without HTTP, in one run.

A 2,000-student season is replayed (pools, consents, a trained model, releases, the log)
into a workspace per backend — SQLite (the embedded default) and PostgreSQL when
``FAIRFOLLOW_TEST_PG_URL`` is set (``make bench`` starts one). ``fairfollow serve`` runs in
its own process (1 worker on SQLite, 2 on PostgreSQL); :data:`CLIENTS` concurrent clients
(httpx2, keep-alive, bearer tokens) call one route for :data:`SECONDS` seconds each. The
baseline is the route's core call in this process, one at a time, for the same time.
Figures: p50/p95 of each, the HTTP/core ratios, requests per second, and errors (must be 0).
Goals (serviceability, stated here; the issue sets none): with 20 concurrent clients the
member page's p95 ≤ 500 ms and a forecast request's p95 ≤ 2,000 ms, no errors.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import numpy as np

from bench import BENCH_ACTOR

Report = Callable[..., None]
CLIENTS = int(os.environ.get("FAIRFOLLOW_BENCH_WEB_CLIENTS", "20"))
SECONDS = float(os.environ.get("FAIRFOLLOW_BENCH_WEB_SECONDS", "30"))
STUDENTS = 2_000
PAGE_GOAL_MS = 500.0
FORECAST_GOAL_MS = 2_000.0
CORE_NOTE = "the route's core call, no HTTP, 1 caller"


@dataclass(frozen=True)
class Latencies:
    ms: list[float]
    errors: int
    seconds: float

    def p(self, q: float) -> float:
        return float(np.percentile(self.ms, q)) if self.ms else float("nan")

    @property
    def per_second(self) -> float:
        return len(self.ms) / self.seconds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _load(
    base: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: dict[str, object] | None,
    clients: int,
    seconds: float,
) -> Latencies:
    """``clients`` callers, each sending the request again as soon as it is answered. A body
    with an ε asks a slightly different ε each time: an identical forecast request gets the
    stored release back (no ε, no model), which is not the work measured here."""
    done: list[float] = []
    asked = itertools.count()
    errors = 0
    deadline = time.perf_counter() + seconds

    async def caller(client: httpx2.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            sent = body
            epsilon = None if body is None else body.get("epsilon")
            if body is not None and isinstance(epsilon, float):
                sent = {**body, "epsilon": epsilon + next(asked) * 1e-6}
            answer = await client.request(method, path, headers=headers, json=sent)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code >= 400:
                errors += 1
            else:
                done.append(elapsed)

    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.perf_counter()
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await asyncio.gather(*(caller(client) for _ in range(clients)))
    return Latencies(done, errors, time.perf_counter() - started)


def _core(call: Callable[[], object], seconds: float) -> Latencies:
    done: list[float] = []
    deadline = time.perf_counter() + seconds
    started_all = time.perf_counter()
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        call()
        done.append((time.perf_counter() - started) * 1000)
    return Latencies(done, 0, time.perf_counter() - started_all)


def _replayed(root: Path, season: Path, ledger_url: str | None) -> Path:
    from fairfollow.scenarios.replay import replay
    from fairfollow.workspace import Workspace

    ws = root / "ws"
    replay(season, Workspace(ws, ledger_url_override=ledger_url))
    return ws


def _tokens(ws: Path, ledger_url: str | None) -> tuple[dict[str, str], str, str]:
    """Bearer tokens of the site's member and employer user and their logins; the employer's
    season cap raised so the load never runs out of budget."""
    from fairfollow.accounts import authority
    from fairfollow.ledger.engine import open_ledger
    from fairfollow.ledger.transaction import transaction
    from fairfollow.release.budget_store import set_cap
    from fairfollow.scenarios.site_accounts import demo_subjects, open_site_accounts
    from fairfollow.workspace import Workspace

    now = datetime.now(UTC)
    engine = open_ledger(Workspace(ws, ledger_url_override=ledger_url).ledger_url)
    try:
        member, employer = demo_subjects(engine)
        opened = {
            a.kind: a for a in open_site_accounts(engine, now, member_id=member, employer=employer)
        }
        tokens = {
            k: authority.login(engine, opened[k].login, opened[k].secret, now).token
            for k in ("member", "employer")
        }
        with transaction(engine, "bench cap") as conn:
            set_cap(conn, employer, 2020, 1e6, actor=BENCH_ACTOR, at=now)
    finally:
        engine.dispose()
    return tokens, opened["member"].login, opened["employer"].login


def _serve(ws: Path, ledger_url: str | None, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "FAIRFOLLOW_HOME": str(ws)}
    env.pop("FAIRFOLLOW_LEDGER_URL", None)
    if ledger_url:
        env["FAIRFOLLOW_LEDGER_URL"] = ledger_url
    binary = str(Path(sys.executable).with_name("fairfollow"))
    server = subprocess.Popen(
        [binary, "--workspace", str(ws), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx2.HTTPError:
            time.sleep(0.2)
    server.kill()
    said = server.stderr.read().decode()[-800:] if server.stderr else ""
    raise RuntimeError(f"fairfollow serve did not start: {said}")


def _core_calls(
    ws: Path, ledger_url: str | None, member_login: str, employer_login: str
) -> tuple[Callable[[], object], Callable[[], object], Callable[[], None]]:
    from fairfollow.accounts import authority
    from fairfollow.ledger.engine import open_ledger
    from fairfollow.release.budget import PrivacyLimits
    from fairfollow.rights import portal
    from fairfollow.rights.desk import Desk
    from fairfollow.settings import Settings
    from fairfollow.tlog.checkpoint_file import LogPublisher
    from fairfollow.usecases.forecast import OwnForecastAsk, ReleaseDesk, request_own_forecast
    from fairfollow.workspace import Workspace

    settings = Settings(home=ws, ledger_url=ledger_url)
    workspace = Workspace.from_settings(settings)
    engine = open_ledger(workspace.ledger_url)
    rights_desk = Desk(workspace, engine, settings)
    member = authority.principal_for(engine, member_login)
    employer_user = authority.principal_for(engine, employer_login)
    # Built once, as the web application builds it at start-up.
    release_desk = ReleaseDesk(
        engine,
        workspace,
        LogPublisher.of_workspace(workspace),
        PrivacyLimits.from_settings(settings),
    )

    def page() -> object:
        return portal.holdings(rights_desk, member)

    asked = itertools.count()

    def forecast() -> object:  # another ε each call: an identical request is a stored repeat
        epsilon = 0.9 + next(asked) * 1e-6
        return request_own_forecast(
            employer_user, OwnForecastAsk(epsilon), release_desk, datetime.now(UTC)
        )

    return page, forecast, engine.dispose


def _measure(report: Report, backend: str, season: Path, ledger_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = _replayed(Path(tmp), season, ledger_url)
        tokens, member_login, employer_login = _tokens(ws, ledger_url)
        workers = 2 if ledger_url else 1
        server, base = _serve(ws, ledger_url, workers)
        load = f"{CLIENTS} clients × {SECONDS:.0f} s, {workers} worker(s)"
        load += f", load {os.getloadavg()[0]:.1f}"
        try:
            member_http = asyncio.run(
                _load(
                    base,
                    "GET",
                    "/me",
                    {"authorization": f"Bearer {tokens['member']}", "accept": "text/html"},
                    None,
                    CLIENTS,
                    SECONDS,
                )
            )
            forecast_http = asyncio.run(
                _load(
                    base,
                    "POST",
                    "/api/v1/employer/forecasts",
                    {"authorization": f"Bearer {tokens['employer']}"},
                    {"epsilon": 1.0},
                    CLIENTS,
                    SECONDS,
                )
            )
        finally:
            server.terminate()
            server.wait(30)
        page, forecast, close = _core_calls(ws, ledger_url, member_login, employer_login)
        try:
            member_core = _core(page, SECONDS / 3)
            forecast_core = _core(forecast, SECONDS / 3)
        finally:
            close()
    for name, http, core, goal in (
        ("member_page", member_http, member_core, PAGE_GOAL_MS),
        ("forecast", forecast_http, forecast_core, FORECAST_GOAL_MS),
    ):
        verdict = "pass" if http.p(95) <= goal and http.errors == 0 else "FAIL"
        report(f"{backend}.{name}.http_p50", http.p(50), "ms", load)
        report(
            f"{backend}.{name}.http_p95",
            http.p(95),
            "ms",
            f"goal ≤ {goal:.0f} ms, 0 errors: {verdict}",
        )
        report(
            f"{backend}.{name}.http_rps",
            http.per_second,
            "req/s",
            f"{len(http.ms)} answered, {http.errors} errors",
        )
        report(
            f"{backend}.{name}.core_p50",
            core.p(50),
            "ms",
            "the route's core call, no HTTP, 1 caller",
        )
        report(
            f"{backend}.{name}.core_p95",
            core.p(95),
            "ms",
            "the route's core call, no HTTP, 1 caller",
        )
        report(
            f"{backend}.{name}.http_over_core_p50",
            http.p(50) / core.p(50),
            "x",
            f"{CLIENTS} concurrent HTTP callers / 1 in-process caller",
        )


def run(report: Report) -> None:
    from fairfollow.season.config import SimulationConfig
    from fairfollow.season.simulator import simulate

    with tempfile.TemporaryDirectory() as tmp:
        season = Path(tmp) / "season"
        simulate(
            SimulationConfig(students=STUDENTS, seed=1, out=season, defects=frozenset({"a", "b"}))
        )
        _measure(report, "sqlite", season, None)
        pg = os.environ.get("FAIRFOLLOW_TEST_PG_URL", "")
        if not pg:
            report("postgresql", float("nan"), "", "not measured: FAIRFOLLOW_TEST_PG_URL unset")
            return
        import sqlalchemy as sa

        name = f"bench_web_{os.getpid()}"
        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            _measure(report, "postgresql", season, pg.rsplit("/", 1)[0] + f"/{name}")
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
