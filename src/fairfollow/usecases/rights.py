"""Data-subject requests handled by staff: the open requests and carrying one out.

Each use case checks ``RIGHTS_ACT`` against the one action table first: the operator and the
privacy officer may both act, on the command line and the web alike. A completed request's
export is written to the one folder the workspace names
(:meth:`fairfollow.workspace.Workspace.request_export`), which the member's erasure removes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fairfollow.accounts.account import Principal, actor_of
from fairfollow.accounts.actions import Action, require
from fairfollow.rights import desk as rights_desk
from fairfollow.rights.effects import complete_request
from fairfollow.rights.request import RightsRequest


def due(principal: Principal | None, desk: rights_desk.Desk) -> list[RightsRequest]:
    """Open requests, soonest due first."""
    require(principal, Action.RIGHTS_ACT)
    return rights_desk.due_requests(desk)


def export_folder(desk: rights_desk.Desk, request_id: int) -> Path:
    """Where the export of ``request_id`` goes: the directory that holds its folder."""
    return desk.workspace.request_export(request_id).parent


def complete(
    principal: Principal | None,
    desk: rights_desk.Desk,
    request_id: int,
    at: datetime,
    *,
    out: Path | None = None,
) -> rights_desk.Completion:
    """Carry out a verified request and record it done, as the calling operator or privacy
    officer; an export goes to the workspace's one exports folder unless ``out`` is given."""
    me = require(principal, Action.RIGHTS_ACT)
    where = export_folder(desk, request_id) if out is None else out
    return complete_request(desk, request_id, actor=actor_of(me), at=at, out=where)
