"""The names of the client companies (employers), as the analytics store's ``companies``
table keeps them: pages show a company's name where a person would otherwise read its code
(``E0314`` is company 314)."""

from __future__ import annotations

import duckdb

from fairfollow.errors import FairFollowError
from fairfollow.events.store import reading_store
from fairfollow.workspace import Workspace


def company_names(workspace: Workspace) -> dict[int, str]:
    """Company id → name for every client company; empty when the workspace has no store
    yet (a name is a courtesy on a page, never a reason for the page to fail)."""
    if not workspace.duckdb_path.exists():
        return {}
    try:
        with reading_store(workspace) as con:
            rows = con.execute(
                "SELECT company_id, name FROM companies WHERE is_client AND name IS NOT NULL"
            ).fetchall()
    except (duckdb.Error, FairFollowError):
        return {}
    return {int(company): str(name) for company, name in rows}
