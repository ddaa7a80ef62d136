"""Where the release door gets per-offer probabilities and the aggregate base rate.

The door asks a :class:`ForecastSource` for the probabilities of the offers of members whose
consent is valid, and nothing else: the data of others is not read (APPI Art. 18). The
source's ``base_rate`` is an aggregate — the previous season's share of offers accepted,
across all clients — used for every offer forecast without behavioural data.

:func:`model_scores` builds the source from the analysts' pipeline (``analysis``): the
current model scores, on request, the feature rows of the members the door names.
Individual probabilities stay inside the platform; only the pool's aggregate leaves,
through the door.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.employer_ids import EmployerId
from fairfollow.errors import ForecastError
from fairfollow.workspace import Workspace

if TYPE_CHECKING:
    from fairfollow.model.booster import TrainedModel


class ForecastSource(Protocol):
    @property
    def base_rate(self) -> float: ...

    @property
    def base_rate_source(self) -> str: ...

    @property
    def dispersion(self) -> float:
        """Σp(1−p) / (S(1 − S/n)) of the model's probabilities on the training season."""
        ...

    def probabilities(self, employer: str, member_ids: Sequence[int]) -> Mapping[int, float]:
        """The acceptance probability of each member's offer from ``employer`` (members
        without a score are left out and forecast from the base rate)."""
        ...

    def extra_variance(self, employer: str, offers: int) -> float:
        """The model's widening for a pool of ``offers`` of ``employer``: the variance its
        errors share within the pool, measured on the previous season (public)."""
        ...


@dataclass(frozen=True)
class ScoreTable:
    """Probabilities by (employer, member), and the base rate."""

    base_rate: float
    base_rate_source: str
    scores: Mapping[tuple[str, int], float] = field(default_factory=dict)
    default: float | None = None  # every member scores this when not in ``scores``
    widening: float = 0.0  # shared rate variance: a pool of m offers widens by m² · this
    dispersion: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.base_rate <= 1.0:
            raise ForecastError("model.base_rate_out_of_range", rate=self.base_rate)

    def probabilities(self, employer: str, member_ids: Sequence[int]) -> dict[int, float]:
        found: dict[int, float] = {}
        for member in member_ids:
            p = self.scores.get((employer, member), self.default)
            if p is not None:
                found[member] = p
        return found

    def extra_variance(self, employer: str, offers: int) -> float:
        return float(offers) ** 2 * self.widening


def dispersion_of(probabilities: Sequence[float] | np.ndarray) -> float:
    """How much less a sum of these probabilities varies than a binomial at their mean:
    ``Σ p(1−p) / (n p̄(1 − p̄))`` (1 when all are equal; measured on the training season,
    it is a public property of the model that the release's interval uses)."""
    p = np.asarray(probabilities, dtype=np.float64)
    mean = float(p.mean()) if p.size else 0.0
    if not 0.0 < mean < 1.0:
        return 1.0
    return float(min(1.0, max(1e-3, float((p * (1.0 - p)).mean()) / (mean * (1.0 - mean)))))


def base_rate_of(accepted: Sequence[bool]) -> float:
    if not accepted:
        raise ForecastError("model.no_base_outcomes")
    return float(np.mean(np.asarray(accepted, dtype=np.float64)))


# The feature rows of the (company_id, member_id) pairs asked for: in memory, or on an engine
# (``fairfollow.model.feature_source.pool_rows`` over DuckDB or Spark).
PoolRows = Callable[[pa.Table], pa.Table]


def pools_table(pools: Mapping[int, Sequence[int]]) -> pa.Table:
    """(company_id, member_id) pairs of the members named per company."""
    pairs = sorted({(c, m) for c, members in pools.items() for m in members})
    return pa.table(
        {
            "company_id": pa.array([c for c, _ in pairs], pa.int64()),
            "member_id": pa.array([m for _, m in pairs], pa.int64()),
        }
    )


def rows_in_memory(features: pa.Table) -> PoolRows:
    """Pool rows read from a feature table held in memory."""

    def rows(pools: pa.Table) -> pa.Table:
        keys = pc.add(
            pc.multiply(features["company_id"].cast(pa.int64()), 1 << 40),
            features["member_id"].cast(pa.int64()),
        )
        wanted = pc.add(pc.multiply(pools["company_id"], 1 << 40), pools["member_id"])
        return features.filter(pc.is_in(keys, value_set=wanted)).sort_by("offer_id")

    return rows


@dataclass(frozen=True)
class PoolStatistics:
    """What the forecast of one employer's pool rests on: its scored offers, the expected
    acceptances (sum of p) and their variance (sum of p(1 − p)). Internal, never released."""

    company_id: int
    offers: int
    expected: float
    variance: float


def pool_statistics(model: TrainedModel, rows: pa.Table) -> tuple[PoolStatistics, ...]:
    """Score ``rows`` (feature rows of the pools' members) and sum them per company."""
    from fairfollow.model.evaluation import scored_offers

    if rows.num_rows == 0:
        return ()
    scored = scored_offers(model, rows)
    scored["q"] = scored["p_model"] * (1.0 - scored["p_model"])
    grouped = scored.sort_values("offer_id").groupby("company_id", sort=True)
    return tuple(
        PoolStatistics(
            int(str(company)), len(group), float(group["p_model"].sum()), float(group["q"].sum())
        )
        for company, group in grouped
    )


@dataclass(frozen=True)
class ModelScores:
    """Scores the model on request, for the members named only: the release door asks after
    its consent filter, so nobody else's behaviour is ever scored."""

    features: pa.Table
    model: TrainedModel
    base_rate: float
    base_rate_source: str
    rows: PoolRows | None = None  # default: read from ``features`` in memory
    dispersion: float = 1.0

    def probabilities(self, employer: str, member_ids: Sequence[int]) -> dict[int, float]:
        from fairfollow.model.evaluation import scored_offers

        company = EmployerId.parse(employer).number
        read = self.rows or rows_in_memory(self.features)
        rows = read(pools_table({company: member_ids}))
        if rows.num_rows == 0:
            return {}
        scored = scored_offers(self.model, rows)
        return {
            int(m): float(p) for m, p in zip(scored["member_id"], scored["p_model"], strict=True)
        }

    def extra_variance(self, employer: str, offers: int) -> float:
        company = EmployerId.parse(employer).number
        companies = np.full(offers, company, dtype=np.int64)
        return self.model.metadata.widening.extra_variance(companies) if offers else 0.0


def model_scores(
    workspace: Workspace, season: int, training_season: int, rows: PoolRows | None = None
) -> ModelScores:
    """The workspace's current model over ``season``'s features, scored lazily; the base rate
    from ``training_season``'s reported outcomes (the analysts' offers table). ``rows`` reads
    the named members' feature rows (default: in memory; on a cluster, ``pool_rows`` on
    Spark over the shared Parquet files)."""
    from fairfollow.model.booster import load_model
    from fairfollow.model.evaluation import scored_offers
    from fairfollow.model.feature_source import offers_path, read_features

    model = load_model(workspace.models_dir)
    trained_on = read_features(workspace, training_season).table
    dispersion = dispersion_of(scored_offers(model, trained_on)["p_model"].to_numpy())
    features = read_features(workspace, season).table
    path = offers_path(workspace, training_season)
    if not path.exists():
        raise ForecastError("model.no_base_offers", season=training_season)
    outcomes = pq.read_table(path, columns=["accepted"]).column("accepted").drop_null()
    rate = base_rate_of([bool(v) for v in outcomes.to_pylist()])
    if not 0.0 <= rate <= 1.0:
        raise ForecastError("model.base_rate_out_of_range", rate=rate)
    source = f"share of offers accepted in season {training_season}, all clients"
    return ModelScores(features, model, rate, source, rows, dispersion)


class LazySource:
    """A forecast source loaded on first use, so that a request the door refuses before it
    needs scores never waits for (or fails on) the model. Both front doors load it so."""

    def __init__(self, load: Callable[[], ForecastSource]) -> None:
        self._load = load
        self._loaded: ForecastSource | None = None

    def _source(self) -> ForecastSource:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    @property
    def base_rate(self) -> float:
        return self._source().base_rate

    @property
    def base_rate_source(self) -> str:
        return self._source().base_rate_source

    @property
    def dispersion(self) -> float:
        return self._source().dispersion

    def probabilities(self, employer: str, member_ids: Sequence[int]) -> Mapping[int, float]:
        return self._source().probabilities(employer, member_ids)

    def extra_variance(self, employer: str, offers: int) -> float:
        return self._source().extra_variance(employer, offers)
