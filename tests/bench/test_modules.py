"""Every benchmark module imports and has its entry point: ``make bench`` is not run by CI,
so a renamed core function would otherwise break a bench silently until someone runs it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench"
MODULES = sorted(p.stem for p in BENCH.glob("bench_*.py"))


def test_there_are_benches() -> None:
    assert {"bench_cli", "bench_ingest", "bench_erasure", "bench_web", "bench_scaling"} <= set(
        MODULES
    )


@pytest.mark.parametrize("name", MODULES)
def test_each_bench_imports_and_runs_as_run_report(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.run)


def test_the_full_season_bench_imports() -> None:
    assert callable(importlib.import_module("bench.full").main)
