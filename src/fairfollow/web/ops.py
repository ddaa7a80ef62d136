"""What an operator's tools read: ``/readyz``, ``/metrics`` and JSON log lines.

``/readyz`` answers without authentication and says only which check failed, by a short
code. ``/metrics`` is the Prometheus text format (``prometheus_client``) behind a staff
token (:data:`~fairfollow.accounts.actions.Action.METRICS_READ`). The log line carries a
request id, the route *template* (never the path: it can hold an id), the caller's account
id, the action and the outcome — no member id, name, e-mail, token or query string. A
request that performs a declared action also writes that action's line
(:mod:`fairfollow.usecases.journal`), with the code of the error that ended it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)

from fairfollow.accounts.actions import Action
from fairfollow.usecases import journal
from fairfollow.usecases.health import figures, readiness
from fairfollow.web.access import action_of, check_access, route_key
from fairfollow.web.context import context_of

router = APIRouter(dependencies=[Depends(check_access)])
ACCESS = {
    ("GET", "/readyz"): Action.SITE_READ,
    ("GET", "/metrics"): Action.METRICS_READ,
}
logger = logging.getLogger("fairfollow.requests")


class Metrics:
    """One registry per application (tests build many applications in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "fairfollow_request_seconds",
            "Request latency by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.decisions = Gauge(
            "fairfollow_release_decisions",
            "Release decisions in the ledger, by outcome (released, refused, gap) and reason.",
            ["outcome", "reason"],
            registry=self.registry,
        )
        self.epsilon = Gauge(
            "fairfollow_epsilon_spent",
            "Privacy budget ε spent over all employers, by season.",
            ["season"],
            registry=self.registry,
        )
        self.log_size = Gauge(
            "fairfollow_log_size", "Leaves in the transparency log.", registry=self.registry
        )
        self.checkpoint_age = Gauge(
            "fairfollow_checkpoint_age_seconds",
            "Age of the newest signed checkpoint (-1: none yet).",
            registry=self.registry,
        )
        self.intake_rows = Gauge(
            "fairfollow_intake_rows",
            "Rows of employer lists taken in, by outcome (accepted, quarantined).",
            ["outcome"],
            registry=self.registry,
        )
        self.rights_requests = Gauge(
            "fairfollow_rights_requests",
            "Data-subject requests open now, and those of them past their due date.",
            ["state"],
            registry=self.registry,
        )
        self.cosignature_age = Gauge(
            "fairfollow_witness_cosignature_age_seconds",
            "Age of the newest witness cosignature on a checkpoint (-1: none yet).",
            registry=self.registry,
        )


def metrics_of(request: Request) -> Metrics:
    found = request.app.state.metrics
    assert isinstance(found, Metrics)
    return found


@router.get("/readyz")
def ready(request: Request) -> JSONResponse:
    """Readiness: the ledger answers at the current schema, the log key and a model are
    there; else 503 with the codes of what is missing."""
    ctx = context_of(request)
    found = readiness(ctx.workspace, ctx.reader)
    if found.ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not_ready", "reasons": list(found.reasons)}, status_code=503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    ctx = context_of(request)
    board = metrics_of(request)
    now = figures(ctx.reader, ctx.clock())
    board.log_size.set(now.log_size)
    board.checkpoint_age.set(-1 if now.checkpoint_age_s is None else now.checkpoint_age_s)
    board.decisions.clear()
    for (outcome, reason), count in now.decisions.items():
        board.decisions.labels(outcome, reason).set(count)
    board.epsilon.clear()
    for season, spent in now.epsilon_by_season.items():
        board.epsilon.labels(str(season)).set(spent)
    for outcome in ("accepted", "quarantined"):
        board.intake_rows.labels(outcome).set(now.intake_rows.get(outcome, 0))
    for state in ("open", "overdue"):
        board.rights_requests.labels(state).set(now.rights_requests.get(state, 0))
    cosigned = now.cosignature_age_s
    board.cosignature_age.set(-1 if cosigned is None else cosigned)
    return Response(generate_latest(board.registry), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> None:
    """The request middleware: latency by route, and one JSON log line per request."""
    app.state.metrics = Metrics()
    journal.configure()

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = journal.new_request_id()
        request.state.request_id = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-Id"] = request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            method, route = route_key(request)
            if request.scope.get("route") is None:
                route = "unmatched"  # never the raw path
            metrics_of(request).latency.labels(method, route, str(status)).observe(elapsed)
            principal = getattr(request.state, "principal", None)
            account = getattr(principal, "account_id", None)
            action = action_of(request) if request.scope.get("route") is not None else None
            if action is not None:
                error = getattr(request.state, "error", None)
                outcome, code = journal.outcome_of(error)
                if error is None and status >= 400:  # refused or failed before the core
                    outcome = (
                        journal.Outcome.REFUSED if status in (401, 403) else journal.Outcome.FAILED
                    )
                    code = f"http.{status}"
                journal.record(
                    channel="web",
                    request_id=request_id,
                    action=action.value,
                    account=account,
                    outcome=outcome,
                    code=code,
                )
            logger.info(
                json.dumps(
                    {
                        "event": "request",
                        "request_id": request_id,
                        "method": method,
                        "route": route,
                        "action": None if action is None else action.value,
                        "account": account,
                        "status": status,
                        "outcome": "ok" if status < 400 else "refused" if status < 500 else "error",
                        "ms": round(elapsed * 1000, 1),
                    },
                    sort_keys=True,
                )
            )
