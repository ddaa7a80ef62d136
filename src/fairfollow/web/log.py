"""The public transparency-log routes: pages and endpoints any witness or auditor can follow.

Read-only: every route reads through the application's reader engine, which never takes
the ledger's write lock, so the log answers while releases are being written. A release
leaf commits to the employer's figures without showing them (docs/log.md); their opening
is the one route here that needs an account (the employer its own, oversight any).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response

from fairfollow.accounts.actions import Action
from fairfollow.ledger.transaction import reading
from fairfollow.tlog import proofs
from fairfollow.usecases.openings import release_opening
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
# Public: any witness or auditor follows the log without an account (C2SP tlog-witness);
# nothing in these answers is personal data.
ACCESS = {
    ("GET", "/log"): Action.LOG_READ,
    ("GET", "/log/checkpoint"): Action.LOG_READ,
    ("GET", "/log/proof/inclusion"): Action.LOG_READ,
    ("GET", "/log/proof/consistency"): Action.LOG_READ,
    ("GET", "/log/leaves"): Action.LOG_READ,
    ("GET", "/api/v1/log/checkpoint"): Action.LOG_READ,
    ("GET", "/api/v1/log/proof/inclusion"): Action.LOG_READ,
    ("GET", "/api/v1/log/proof/consistency"): Action.LOG_READ,
    ("GET", "/api/v1/log/leaves"): Action.LOG_READ,
    ("GET", "/api/v1/log/openings/{decision_id}"): Action.RELEASE_OPENING,
}
Context = Annotated[AppContext, Depends(context_of)]


def checkpoint(ctx: Context) -> Response:
    """The latest signed checkpoint, as a C2SP signed note (text/plain)."""
    with reading(ctx.reader, "latest checkpoint") as conn:
        note = proofs.latest_checkpoint_note(conn)
    if note is None:
        raise HTTPException(status_code=404, detail="the log has no signed checkpoint yet")
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8")


def inclusion(
    ctx: Context,
    index: Annotated[int, Query(ge=0, description="Leaf index, 0-based.")],
    size: Annotated[int | None, Query(ge=0, description="Tree size; default now.")] = None,
) -> dict[str, object]:
    """The inclusion proof of one leaf (hashes in base64), as `fairfollow log prove`."""
    with reading(ctx.reader, "inclusion proof") as conn:
        return proofs.inclusion(conn, index, size).as_json()


def consistency(
    ctx: Context,
    size1: Annotated[int, Query(alias="from", ge=0, description="Older tree size.")],
    size2: Annotated[int | None, Query(alias="to", ge=0, description="Newer; default now.")] = None,
) -> dict[str, object]:
    """The consistency proof between two tree sizes, as `fairfollow log consistency`."""
    with reading(ctx.reader, "consistency proof") as conn:
        return proofs.consistency(conn, size1, size2).as_json()


def leaves(
    ctx: Context,
    start: Annotated[int, Query(ge=0, description="First leaf index.")] = 0,
    count: Annotated[
        int, Query(ge=1, le=proofs.MAX_BUNDLE, description="How many leaves.")
    ] = proofs.MAX_BUNDLE,
) -> dict[str, object]:
    """A bundle of leaves in log order: their canonical JSON and leaf hashes."""
    with reading(ctx.reader, "leaf bundle") as conn:
        return proofs.bundle(conn, start, count).as_json()


@router.get("/api/v1/log/openings/{decision_id}")
def opening(request: Request, ctx: Context, decision_id: RowId) -> dict[str, object]:
    """The figures behind release ``decision_id``'s public commitment, with their salt:
    SHA-256 over "fairfollow release figures v1\\n", the salt and the figures' canonical
    JSON is the leaf's ``figures_commitment.digest``. The employer's own, or oversight."""
    return release_opening(principal_of(request), ctx.reader, decision_id).as_json()


# The same endpoints at the paths witnesses expect and in the versioned JSON API.
for prefix in ("/log", "/api/v1/log"):
    router.add_api_route(f"{prefix}/checkpoint", checkpoint, methods=["GET"])
    router.add_api_route(f"{prefix}/proof/inclusion", inclusion, methods=["GET"])
    router.add_api_route(f"{prefix}/proof/consistency", consistency, methods=["GET"])
    router.add_api_route(f"{prefix}/leaves", leaves, methods=["GET"])


@router.get("/log", include_in_schema=False)
def log_page(request: Request, ctx: Context) -> Response:
    """The log for people: the latest head and every checkpoint, checked on the server and
    again in the browser by the shipped script."""
    with reading(ctx.reader, "log page") as conn:
        heads = proofs.check_heads(conn, ctx.verifier)
    return ctx.pages.render(
        request,
        "log.html",
        {"heads": heads, "latest": heads[-1] if heads else None, "key": ctx.verifier.encode()},
    )
