"""Employers' names from the analytics store's companies table."""

from __future__ import annotations

from pathlib import Path

from fairfollow.events.companies import company_names
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace


def test_client_companies_are_named_from_the_store(replayed_workspace: Path) -> None:
    names = company_names(Workspace.from_settings(Settings(home=replayed_workspace)))
    assert names and all(name.startswith("株式会社") for name in names.values())
    assert all(name.endswith(f"{company:04d}") for company, name in names.items())


def test_a_workspace_without_a_store_has_no_names(tmp_path: Path) -> None:
    assert company_names(Workspace.from_settings(Settings(home=tmp_path)).ensure()) == {}
