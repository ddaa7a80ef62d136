"""The cheapest benchmarks run end to end at a tiny size: `make bench` is not part of CI, and
a core change (the one actor format) once broke them without any test noticing."""

from __future__ import annotations

import pytest
from bench.bench_consent import Report

from bench import bench_consent, bench_release


def _collect() -> tuple[dict[str, float], Report]:
    figures: dict[str, float] = {}

    def report(name: str, value: float, unit: str, note: str = "") -> None:
        figures[name] = value

    return figures, report


def test_the_consent_bench_runs_on_a_small_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRFOLLOW_TEST_PG_URL", raising=False)  # SQLite is enough here
    figures, report = _collect()
    bench_consent.run(report, n_members=300)
    assert figures["consent.sqlite.bulk_evaluation_s"] > 0
    assert figures["consent.sqlite.count_star_s"] > 0


def test_the_release_bench_runs_a_few_governed_releases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_release, "RELEASES", 3)
    figures, report = _collect()
    bench_release.run(report)
    assert figures["release_governed_p50"] > 0
    assert figures["release_overhead_p50"] > 0
