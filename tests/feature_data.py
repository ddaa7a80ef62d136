"""Small synthetic store tables for feature tests (not a test module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.model.feature_source import FeatureInputs
from fairfollow.model.features import ConsentedMembers

JST = timezone(timedelta(hours=9))
AS_OF = datetime(2019, 7, 15, tzinfo=JST)
SEASON = 2020
DAY_MS = 86_400_000
KINDS = ("page_view", "login", "entry", "seminar_booking", "offer_report")


@dataclass
class Tables:
    """Mutable bundle of pyarrow tables, written to Parquet on demand."""

    tables: dict[str, pa.Table]

    def write(self, root: Path) -> FeatureInputs:
        root.mkdir(parents=True, exist_ok=True)
        files: dict[str, tuple[Path, ...]] = {}
        for name, table in self.tables.items():
            path = root / f"{name}.parquet"
            pq.write_table(table, path)
            files[name] = (path,)
        return FeatureInputs(files)


def everyone(tables: Tables, *, but: frozenset[int] = frozenset()) -> ConsentedMembers:
    """A consent verdict under which every member with events in ``tables``, ``but`` those,
    has valid consent for any purpose at any instant."""
    ids = frozenset(int(m) for m in pc.unique(tables.tables["events"]["member_id"]).to_pylist())
    return lambda purpose, at: ids - but


def _ts(ms: np.ndarray) -> pa.Array:
    return pa.array(ms, pa.timestamp("ms", tz="UTC"))


def random_tables(seed: int = 0, members: int = 30, events: int = 4000) -> Tables:
    """Events on both sides of the as-of time, partner data of two partners, 40 offers."""
    rng = np.random.default_rng(seed)
    t0 = int(AS_OF.timestamp() * 1000)
    companies = pa.table(
        {
            "company_id": pa.array(np.arange(1, 11), pa.int32()),
            "name": [f"c{i}" for i in range(10)],
            "industry_id": pa.array(rng.integers(1, 4, 10), pa.int16()),
            "is_client": [True] * 10,
            "client_active": [True] * 10,
        }
    )
    ts = t0 + rng.integers(-60 * DAY_MS, 30 * DAY_MS, events)
    kind = rng.choice(KINDS, events, p=[0.7, 0.1, 0.1, 0.05, 0.05])
    no_company = rng.random(events) < 0.3
    no_industry = ~no_company | (rng.random(events) < 0.5)
    event_table = pa.table(
        {
            "event_id": pa.array(np.arange(events), pa.int64()),
            "member_id": pa.array(rng.integers(1, members + 1, events), pa.int64()),
            "ts": _ts(ts),
            "event_type": pa.array(kind),
            "company_id": pa.array(rng.integers(1, 11, events), pa.int32(), mask=no_company),
            "industry_id": pa.array(rng.integers(1, 4, events), pa.int16(), mask=no_industry),
            "device": pa.array(rng.choice(["pc", "sp", "app"], events)),
            "dwell_s": pa.array(rng.integers(1, 300, events), pa.int32(), mask=kind != "page_view"),
            "season": pa.array(np.full(events, SEASON), pa.int16()),
        }
    )
    n_offers = 40
    offers = pa.table(
        {
            "offer_id": [f"o{i:03d}" for i in range(n_offers)],
            "season": pa.array(np.full(n_offers, SEASON), pa.int16()),
            "member_id": pa.array(rng.integers(1, members + 1, n_offers), pa.int64()),
            "company_id": pa.array(rng.integers(1, 11, n_offers), pa.int32()),
            "offered_at": _ts(t0 - rng.integers(DAY_MS, 50 * DAY_MS, n_offers)),
        }
    )
    n_partner = 600
    partner_events = pa.table(
        {
            "partner_id": pa.array(rng.choice(["partner_a", "partner_b"], n_partner)),
            "cookie_id": pa.array([f"k{i}" for i in rng.integers(0, 40, n_partner)]),
            "ts": _ts(t0 + rng.integers(-60 * DAY_MS, 30 * DAY_MS, n_partner)),
            "industry_id": pa.array(rng.integers(1, 4, n_partner), pa.int16()),
            "page_category": ["industry_news"] * n_partner,
            "season": pa.array(np.full(n_partner, SEASON), pa.int16()),
        }
    )
    cookie_links = pa.table(
        {
            "cookie_id": [f"k{i}" for i in range(40)],
            "member_id": pa.array(rng.integers(1, members + 1, 40), pa.int64()),
            "linked_at": _ts(t0 + rng.integers(-60 * DAY_MS, 10 * DAY_MS, 40)),
        }
    )
    partner_sources = pa.table(
        {
            "partner_id": ["partner_a", "partner_b"],
            "name": ["A", "B"],
            "stated_purposes": ["ad_delivery;employer_forecast", "ad_delivery"],
        }
    )
    return Tables(
        {
            "events": event_table,
            "companies": companies,
            "offers": offers,
            "partner_events": partner_events,
            "cookie_links": cookie_links,
            "partner_sources": partner_sources,
        }
    )
