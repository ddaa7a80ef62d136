"""The engines that compute features: DuckDB on one machine, Apache Spark past it.

Kept apart from :mod:`fairfollow.model.feature_source` (which imports Ibis) so that the CLI can
offer ``--engine`` without loading the analysis stack at start-up.
"""

from __future__ import annotations

from enum import StrEnum


class Engine(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"
