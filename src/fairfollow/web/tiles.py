"""The log as C2SP ``tlog-tiles`` under ``/log``: hash tiles and entry bundles, public.

With ``/log/checkpoint`` (:mod:`fairfollow.web.log`) this is the tree any standard client
reads (Go's ``golang.org/x/mod/sumdb/tlog``, Tessera's and Sunlight's clients, witnesses).
Tiles are served up to the latest signed size only, full and partial alike; each is
immutable, so it is cached for good. Read-only, through the reader engine.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from fairfollow.accounts.actions import Action
from fairfollow.errors import TransparencyLogError
from fairfollow.tlog import tiles
from fairfollow.usecases.log import read_tile
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, context_of
from fairfollow.web.session import principal_of

router = APIRouter(dependencies=[Depends(check_access)])
TILE_ROUTE = "/log/tile/{level}/{rest:path}"
# Public, as the rest of the log: tiles hold hashes and the public leaves only.
ACCESS = {("GET", TILE_ROUTE): Action.LOG_READ}
Context = Annotated[AppContext, Depends(context_of)]


@router.get(TILE_ROUTE, include_in_schema=False)
def tile(request: Request, level: str, rest: str, ctx: Context) -> Response:
    """One tile or entry bundle (``application/octet-stream``); 404 for a malformed path or a
    tile no signed checkpoint covers yet."""
    try:
        data = read_tile(principal_of(request), ctx.reader, level, rest)
    except TransparencyLogError as exc:
        return Response(exc.code + "\n", status_code=404, media_type="text/plain")
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Cache-Control": tiles.IMMUTABLE},
    )
