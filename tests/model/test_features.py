"""Feature definitions: hand-computed values, the as-of cut (leakage test), partner purposes."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fairfollow.errors import ModelError
from fairfollow.model.booster import SENSITIVE_ATTRIBUTES
from fairfollow.model.engines import Engine
from fairfollow.model.feature_source import build_features, duckdb_backend
from fairfollow.model.features import (
    AGGREGATE_CLIP,
    AGGREGATE_PURPOSE,
    FEATURE_PURPOSE,
    KEY_COLUMNS,
    ConsentedMembers,
    FeatureTables,
    feature_specs,
    partner_decisions,
)
from tests.feature_data import AS_OF, DAY_MS, SEASON, Tables, everyone, random_tables

T0 = int(AS_OF.timestamp() * 1000)


def _at(days: float) -> int:
    return T0 + int(days * DAY_MS)


def hand_tables() -> Tables:
    """One member, one offer from company 1 (industry 2) made ten days before the as-of."""
    events = [
        # (days from as-of, type, company, industry, device, dwell)
        (-20, "page_view", 1, None, "sp", 10),
        (-15, "seminar_booking", 1, None, "sp", None),
        (-9, "offer_report", 1, None, "sp", None),
        (-6, "offer_report", 3, None, "sp", None),
        (-5, "page_view", 1, None, "sp", 30),
        (-4, "entry", 3, None, "sp", None),
        (-3, "page_view", 2, None, "sp", 5),
        (-2, "page_view", None, 2, "sp", 5),
        (-1, "page_view", 3, None, "pc", 5),
        (-1, "login", None, None, "sp", None),
        (0, "page_view", 1, None, "sp", 999),  # at the as-of time: must not count
        (1, "offer_report", 2, None, "sp", None),
    ]
    ev = pa.table(
        {
            "event_id": pa.array(range(len(events)), pa.int64()),
            "member_id": pa.array([7] * len(events), pa.int64()),
            "ts": pa.array([_at(e[0]) for e in events], pa.timestamp("ms", tz="UTC")),
            "event_type": [e[1] for e in events],
            "company_id": pa.array([e[2] for e in events], pa.int32()),
            "industry_id": pa.array([e[3] for e in events], pa.int16()),
            "device": [e[4] for e in events],
            "dwell_s": pa.array([e[5] for e in events], pa.int32()),
            "season": pa.array([SEASON] * len(events), pa.int16()),
        }
    )
    companies = pa.table(
        {
            "company_id": pa.array([1, 2, 3], pa.int32()),
            "name": ["one", "two", "three"],
            "industry_id": pa.array([2, 2, 3], pa.int16()),
            "is_client": [True, False, False],
            "client_active": [True, False, False],
        }
    )
    offers = pa.table(
        {
            "offer_id": ["o1"],
            "season": pa.array([SEASON], pa.int16()),
            "member_id": pa.array([7], pa.int64()),
            "company_id": pa.array([1], pa.int32()),
            "offered_at": pa.array([_at(-10)], pa.timestamp("ms", tz="UTC")),
        }
    )
    partner = [("partner_a", "k1", -8, 2), ("partner_a", "k1", -12, 3), ("partner_a", "k1", 1, 2),
               ("partner_b", "k1", -2, 2), ("partner_a", "k2", -3, 2)]  # fmt: skip
    partner_events = pa.table(
        {
            "partner_id": [p[0] for p in partner],
            "cookie_id": [p[1] for p in partner],
            "ts": pa.array([_at(p[2]) for p in partner], pa.timestamp("ms", tz="UTC")),
            "industry_id": pa.array([p[3] for p in partner], pa.int16()),
            "page_category": ["industry_news"] * len(partner),
            "season": pa.array([SEASON] * len(partner), pa.int16()),
        }
    )
    links = pa.table(
        {
            "cookie_id": ["k1", "k2"],
            "member_id": pa.array([7, 7], pa.int64()),
            # k2 is linked only after the as-of time: its browsing is not the member's yet.
            "linked_at": pa.array([_at(-30), _at(1)], pa.timestamp("ms", tz="UTC")),
        }
    )
    sources = pa.table(
        {
            "partner_id": ["partner_a", "partner_b"],
            "name": ["A", "B"],
            "stated_purposes": [f"ad_delivery;{FEATURE_PURPOSE}", "ad_delivery"],
        }
    )
    return Tables(
        {"events": ev, "companies": companies, "offers": offers, "partner_events": partner_events,
         "cookie_links": links, "partner_sources": sources}
    )  # fmt: skip


def _build(tables: Tables, root: Path, as_of: datetime = AS_OF) -> pa.Table:
    inputs = tables.write(root)
    return build_features(
        duckdb_backend(), Engine.DUCKDB, inputs, season=SEASON, as_of=as_of,
        consented=everyone(tables),
    ).table  # fmt: skip


def test_hand_computed_features(tmp_path: Path) -> None:
    row = _build(hand_tables(), tmp_path).to_pylist()[0]
    expected = {
        "views_before": 1, "views_after": 4, "views_per_day_after": 0.4, "logins_after": 1,
        "company_views_before": 1, "company_views_after": 1, "company_dwell_after": 30,
        "company_view_share_after": 0.25, "other_company_views_after": 2,
        "industry_views_before": 1, "industry_views_after": 3, "industry_view_share": 0.8,
        "entries_total": 1, "entries_after": 1, "entries_industry": 0, "seminars_total": 1,
        "seminars_after": 0, "company_seminars": 1, "offer_reports_other": 1,
        "offer_reports_other_industry": 0, "offer_reported": 1, "days_since_offer": 10,
        "days_since_last_event": 1, "days_since_company_view": 5, "mobile_share": 0.9,
        "company_popularity": math.log(3 / 5), "company_entries": math.log(1 / 2),
        "company_seminar_rate": 0.0, "offer_industry": 2, "partner_views": 2,
        "partner_views_after": 1, "partner_industry_share": 0.5,
    }  # fmt: skip
    assert set(expected) == {s.name for s in feature_specs(True)}
    for name, value in expected.items():
        assert row[name] == pytest.approx(value), name
    assert (row["offer_id"], row["member_id"], row["company_id"], row["industry_id"]) == (
        "o1", 7, 1, 2,
    )  # fmt: skip


def test_columns_follow_the_declared_specs(tmp_path: Path) -> None:
    table = _build(random_tables(1), tmp_path)
    assert table.column_names == list(KEY_COLUMNS) + [s.name for s in feature_specs(True)]
    assert table.num_rows == 40
    assert table.column("offer_id").to_pylist() == sorted(table.column("offer_id").to_pylist())


def _after(table: pa.Table, column: str) -> np.ndarray:
    cut = pa.scalar(AS_OF, pa.timestamp("ms", tz="UTC"))
    return np.asarray(pc.greater_equal(table.column(column), cut))


def _tamper(tables: Tables, seed: int) -> Tables:
    """Change, delete and add rows at or after the as-of time in every time-stamped input."""
    rng = np.random.default_rng(100 + seed)
    t = dict(tables.tables)
    ev = t["events"]
    late = _after(ev, "ts")
    frame = ev.to_pandas()
    frame.loc[late, "event_type"] = rng.choice(["page_view", "offer_report", "entry"], late.sum())
    frame.loc[late, "company_id"] = rng.integers(1, 11, late.sum())
    frame.loc[late, "device"] = "pc"
    frame.loc[late, "dwell_s"] = 10_000
    keep = ~late | (rng.random(len(frame)) < 0.5)  # delete about half of the late rows
    frame = frame[keep]
    extra = frame.head(50).copy()  # new rows for real members, at exactly the as-of time
    extra["ts"] = AS_OF
    extra["event_type"] = "page_view"
    t["events"] = pa.Table.from_pandas(
        pd.concat([frame, extra]), schema=ev.schema, preserve_index=False
    )
    pe = t["partner_events"]
    t["partner_events"] = pe.filter(pa.array(~_after(pe, "ts")))
    links = t["cookie_links"].to_pandas()
    late_links = _after(t["cookie_links"], "linked_at")
    links.loc[late_links, "member_id"] = rng.integers(1, 30, late_links.sum())
    t["cookie_links"] = pa.Table.from_pandas(
        links, schema=t["cookie_links"].schema, preserve_index=False
    )
    offers = t["offers"]
    new_offer = offers.slice(0, 1).to_pylist()[0] | {"offer_id": "late", "offered_at": AS_OF}
    t["offers"] = pa.concat_tables([offers, pa.Table.from_pylist([new_offer], offers.schema)])
    return Tables(t)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_events_at_or_after_the_as_of_time_change_nothing(tmp_path: Path, seed: int) -> None:
    tables = random_tables(seed)
    before = _build(tables, tmp_path / "plain")
    after = _build(_tamper(tables, seed), tmp_path / "tampered")
    assert before.equals(after)
    # The check has teeth: the same tampering one day earlier changes features.
    earlier = _build(_tamper(tables, seed), tmp_path / "earlier", AS_OF + timedelta(days=1))
    assert not before.drop(["days_since_offer"]).equals(earlier.drop(["days_since_offer"]))


def test_partner_purposes_decide_what_is_read(tmp_path: Path) -> None:
    tables = random_tables(3)
    decisions = {d.partner_id: d for d in partner_decisions(
        tables.tables["partner_sources"], FEATURE_PURPOSE)}  # fmt: skip
    assert decisions["partner_a"].allowed
    assert not decisions["partner_b"].allowed
    assert "APPI Art. 18(1)" in decisions["partner_b"].reason
    # Defect (c): every partner collected for advertising only → no partner features at all.
    ads_only = pa.table({"partner_id": ["partner_a", "partner_b"], "name": ["A", "B"],
                         "stated_purposes": ["ad_delivery", "ad_delivery"]})  # fmt: skip
    tables.tables["partner_sources"] = ads_only
    build = build_features(
        duckdb_backend(), Engine.DUCKDB, tables.write(tmp_path), season=SEASON, as_of=AS_OF,
        consented=everyone(tables),
    )  # fmt: skip
    assert not build.partner_data_used
    assert not any(name.startswith("partner") for name in build.table.column_names)
    assert build.feature_names == tuple(s.name for s in feature_specs(False))


def test_sensitive_attributes_are_not_inputs_or_features() -> None:
    assert {f.name for f in fields(FeatureTables)}.isdisjoint({"member_attributes"})
    names = {s.name for s in feature_specs(True)} | set(KEY_COLUMNS)
    assert names.isdisjoint(SENSITIVE_ATTRIBUTES)


def test_naive_as_of_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"model\.as_of_naive"):
        _build(random_tables(0), tmp_path, datetime(2019, 7, 15))


AGGREGATES = ["company_popularity", "company_entries", "company_seminar_rate"]
PREVIOUS = SEASON - 1


def _aggregates(
    tables: Tables, root: Path, consented: ConsentedMembers, *, previous: bool
) -> pa.Table:
    """The company aggregates of every offer, from this season or from the one before."""
    build = build_features(
        duckdb_backend(), Engine.DUCKDB, tables.write(root), season=SEASON, as_of=AS_OF,
        consented=consented, company_season=PREVIOUS if previous else None,
        company_as_of=AS_OF - timedelta(days=365) if previous else None,
    )  # fmt: skip
    assert build.aggregates.purpose == AGGREGATE_PURPOSE == "statistics"
    assert build.aggregates.citation == "APPI Art. 18(1)"
    return build.table.select(["offer_id", *AGGREGATES])


def _with_previous_season(tables: Tables) -> Tables:
    """Add last season's events (other members, a year earlier) for the aggregates."""
    earlier = random_tables(seed=11, members=40, events=3000).tables["events"]
    shift = pc.subtract(earlier["ts"].cast(pa.int64()), 365 * DAY_MS)
    earlier = earlier.set_column(2, "ts", shift.cast(pa.timestamp("ms", tz="UTC")))
    earlier = earlier.set_column(1, "member_id", pc.add(earlier["member_id"], 10_000))
    earlier = earlier.set_column(8, "season", pa.array([PREVIOUS] * len(earlier), pa.int16()))
    return Tables({**tables.tables, "events": pa.concat_tables([tables.tables["events"], earlier])})


def _heaviest(tables: Tables, season: int) -> int:
    """The member with the most company events of ``season`` before the as-of time."""
    ev = tables.tables["events"].to_pandas()
    ev = ev[(ev.season == season) & ev.company_id.notna() & (ev.ts < AS_OF)]
    return int(ev.groupby("member_id").size().idxmax())


def _without(tables: Tables, member: int) -> Tables:
    ev = tables.tables["events"]
    return Tables({**tables.tables, "events": ev.filter(pc.not_equal(ev["member_id"], member))})


@pytest.mark.parametrize("previous", [False, True], ids=["same-season", "previous-season"])
def test_only_members_with_statistics_consent_feed_the_company_aggregates(
    tmp_path: Path, previous: bool
) -> None:
    tables = _with_previous_season(random_tables(5)) if previous else random_tables(5)
    member = _heaviest(tables, PREVIOUS if previous else SEASON)
    asked: list[tuple[str, datetime]] = []

    def lacking_one(purpose: str, at: datetime) -> frozenset[int]:
        asked.append((purpose, at))
        return frozenset(everyone(tables, but=frozenset({member}))(purpose, at))

    # Without consent for statistics: the member's events change nothing, exactly.
    present = _aggregates(tables, tmp_path / "a", lacking_one, previous=previous)
    absent = _aggregates(_without(tables, member), tmp_path / "b", lacking_one, previous=previous)
    assert present.equals(absent)
    assert asked == [(AGGREGATE_PURPOSE, AS_OF)] * 2  # at the as-of instant passed in
    # With consent, the same events do count.
    consented = everyone(tables)
    present = _aggregates(tables, tmp_path / "c", consented, previous=previous)
    absent = _aggregates(_without(tables, member), tmp_path / "d", consented, previous=previous)
    assert not present.equals(absent)
    # Fail closed: nobody with consent, no company counts (the smoothed shares of nothing).
    nobody = _aggregates(tables, tmp_path / "e", lambda p, t: (), previous=previous)
    assert set(nobody.column("company_seminar_rate").to_pylist()) <= {0.0, None}


def _heavy(views: int, entries: int, bookings: int) -> pa.Table:
    """A consenting member (not an offer holder) with this many events on company 1."""
    kinds = ["page_view"] * views + ["entry"] * entries + ["seminar_booking"] * bookings
    n = len(kinds)
    return pa.table(
        {
            "event_id": pa.array(np.arange(10**6, 10**6 + n), pa.int64()),
            "member_id": pa.array([777] * n, pa.int64()),
            "ts": pa.array([_at(-1) - i for i in range(n)], pa.timestamp("ms", tz="UTC")),
            "event_type": kinds,
            "company_id": pa.array([1] * n, pa.int32()),
            "industry_id": pa.array([None] * n, pa.int16()),
            "device": ["sp"] * n,
            "dwell_s": pa.array([10] * n, pa.int32()),
            "season": pa.array([SEASON] * n, pa.int16()),
        }
    )


def test_one_member_counts_at_most_the_clip_in_the_company_aggregates(tmp_path: Path) -> None:
    tables = random_tables(6)

    def with_heavy(views: int, entries: int, bookings: int, name: str) -> pa.Table:
        events = tables.tables["events"]
        extra = _heavy(views, entries, bookings).cast(events.schema)
        more = Tables({**tables.tables, "events": pa.concat_tables([events, extra])})
        return _aggregates(more, tmp_path / name, everyone(more), previous=False)

    clip = AGGREGATE_CLIP
    at_clip = with_heavy(clip["page_view"], clip["entry"], clip["seminar_booking"], "clip")
    assert with_heavy(18_000, 2_000, 500, "extreme").equals(at_clip)
    assert not with_heavy(clip["page_view"] - 1, 1, 1, "below").equals(at_clip)  # it counts
