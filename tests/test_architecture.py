"""Imports flow one way (STYLE): pure modules take values and return values, importing no
storage library and no storage module; the error tree and settings import nothing above them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "fairfollow"
STORAGE_LIBRARIES = {"duckdb", "sqlalchemy", "alembic", "ibis", "pyspark", "psycopg"}
STORAGE_MODULES = {
    "ledger",
    "event_store",
    "consent_store",
    "policy_store",
    "log_store",
    "governance_store",
    "pool_store",
    "activation_store",
    "store_catalog",
}
PURE = (
    "merkle",
    "canonical_json",
    "checkpoint",
    "rules",
    "rule_checks",
    "rule_packs",
    "pool_forecast",
    "metrics",
    "fairness",
    "consent",
    "policy",
    "calibration",
    "population",
    "job_hunt",
    "consent_history",
    "season_calendar",
    "dp_noise",
    "backtest",
    "prohibited",
)


def imports_of(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "fairfollow":
                names |= {f"fairfollow.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_storage(module: str) -> None:
    found = imports_of(module)
    libraries = {name.split(".")[0] for name in found} & STORAGE_LIBRARIES
    modules = {
        name.split(".")[1] for name in found if name.startswith("fairfollow.")
    } & STORAGE_MODULES
    assert not libraries and not modules, (module, libraries | modules)


@pytest.mark.parametrize("module", ["errors", "settings"])
def test_foundations_import_nothing_above_them(module: str) -> None:
    ours = {name for name in imports_of(module) if name.startswith("fairfollow")}
    assert ours <= {"fairfollow.errors"}, ours


def test_every_module_is_one_noun_of_modest_size() -> None:
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 450, path.name
        assert "util" not in path.stem and "helper" not in path.stem, path.name
