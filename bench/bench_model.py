"""Model benchmark: offer features on four engines, LightGBM training, scoring, evaluation.

On one simulated season (``FAIRFOLLOW_BENCH_STUDENTS``, default 200,000 per season), for
the current season's client offers at its forecast date:

- the features through Ibis on DuckDB (the product path);
- the same features as one hand-tuned DuckDB SQL query (integer offer keys, flags computed
  once, events counted per offer and flag combination before the filtered sums) — issue
  goal: Ibis at most 1.3x its time;
- a straightforward pandas implementation (read, merge, group by) — goal: at least 5x
  slower than Ibis on DuckDB;
- the same Ibis definitions on PySpark ``local[2]`` (reported, session start apart).

Every engine counts the company aggregates of members whose consent for ``statistics`` is
valid at the forecast date (read from the ledger once; the timed Ibis builds get the same
set), clipped per member. Both baselines are checked equal to the Ibis table before their
times are reported. Then:
LightGBM training (previous season), scoring rows/s, and the evaluation and backtest
figures that docs/model.md quotes. The season directory comes from FAIRFOLLOW_BENCH_SEASON
(set by ``python -m bench``) or is simulated; the ingested workspace is cached beside it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fairfollow.consent.coverage import consented_members
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.events.store import ingest
from fairfollow.intake.desk import matching_key
from fairfollow.ledger.engine import create_ledger
from fairfollow.model.analysis import (
    backtest_season,
    build_season_features,
    evaluate_season,
    forecast_date,
    train_season_model,
)
from fairfollow.model.booster import TrainingParams, load_model
from fairfollow.model.feature_source import (
    Engine,
    FeatureInputs,
    build_features,
    duckdb_backend,
    read_features,
    spark_backend,
    spark_session,
)
from fairfollow.model.features import AGGREGATE_CLIP, AGGREGATE_PURPOSE
from fairfollow.season.config import SimulationConfig
from fairfollow.season.simulator import simulate
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace

Report = Callable[..., None]
SEASON = 2020
PARTNER = "partner_a"


def _season_dir(students: int) -> Path:
    given = os.environ.get("FAIRFOLLOW_BENCH_SEASON")
    if given:
        return Path(given)
    base = Path(os.environ.get("FAIRFOLLOW_BENCH_DIR", tempfile.gettempdir()))
    out = base / f"fairfollow-bench-season-{students}-s1"
    if not (out / "manifest.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        simulate(SimulationConfig(students=students, seed=1, out=out))
    return out


def _workspace(season_dir: Path) -> Workspace:
    """The ingested store, cached beside the season (ingest has its own benchmark)."""
    stamp = (season_dir / "manifest.json").stat().st_mtime_ns
    workspace = Workspace(season_dir.parent / f"{season_dir.name}-ws-{stamp}")
    if not workspace.duckdb_path.exists():
        ingest(workspace.ensure(), season_dir)
    engine = create_ledger(workspace.ledger_url)
    try:  # idempotent: a cache from before the company aggregates read consent gets it now
        key = matching_key(workspace.keys_dir)
        ingest_consent_logs(engine, season_dir, key=key, now=forecast_date(SEASON))
    finally:
        engine.dispose()
    return workspace


def _listing(paths: tuple[Path, ...]) -> str:
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]"


def hand_sql(inputs: FeatureInputs, as_of: datetime, members: Path) -> str:
    """The feature table as one DuckDB query, written by hand for speed (``members``: a
    Parquet file of the members the company aggregates count)."""
    cut = f"TIMESTAMPTZ '{as_of.astimezone(UTC).isoformat()}'"
    cap = " ".join(f"WHEN '{k}' THEN {n}" for k, n in AGGREGATE_CLIP.items())
    cut_s = int(as_of.timestamp())
    f = {t: _listing(inputs.paths(t)) for t in ("events", "companies", "offers")}
    f["partner_events"] = _listing(inputs.paths("partner_events"))
    f["cookie_links"] = _listing(inputs.paths("cookie_links"))
    sec = "epoch_ms(date_trunc('second', {}))::BIGINT // 1000"
    return f"""
WITH co AS (SELECT company_id, industry_id AS c_industry FROM read_parquet({f["companies"]})),
o AS (
  SELECT row_number() OVER (ORDER BY offer_id) AS k, offer_id, member_id, company_id,
         c_industry AS industry_id, offered_at
  FROM read_parquet({f["offers"]}) JOIN co USING (company_id)
  WHERE season = {SEASON} AND offered_at < {cut}),
ev AS NOT MATERIALIZED (
  SELECT member_id, ts, event_type, company_id, industry_id, device, dwell_s
  FROM read_parquet({f["events"]}) WHERE season = {SEASON} AND ts < {cut}),
member_cells AS (
  SELECT company_id, event_type, least(count(*), CASE event_type {cap} ELSE 0 END) AS n
  FROM ev WHERE company_id IS NOT NULL
    AND member_id IN (SELECT member_id FROM read_parquet('{members}'))
  GROUP BY member_id, company_id, event_type),
comp AS (
  SELECT company_id, coalesce(sum(n) FILTER (event_type = 'page_view'), 0) AS v,
         coalesce(sum(n) FILTER (event_type = 'entry'), 0) AS en,
         coalesce(sum(n) FILTER (event_type = 'seminar_booking'), 0) AS se
  FROM member_cells GROUP BY company_id),
shares AS (
  SELECT company_id, (v + 1) / (sum(v) OVER () + 1) AS vs, (en + 1) / (sum(en) OVER () + 1) AS es,
         CASE WHEN en > 0 THEN se::DOUBLE / en ELSE 0.0 END AS sr FROM comp),
flags AS (
  SELECT o.k, e.ts, e.dwell_s, e.event_type AS t, e.ts >= o.offered_at AS aft,
         e.device <> 'pc' AS mob,
         coalesce(e.company_id = o.company_id, false) AS sc,
         e.company_id IS NOT NULL AND NOT coalesce(e.company_id = o.company_id, false) AS oc,
         coalesce(coalesce(e.industry_id, c.c_industry) = o.industry_id, false) AS si,
         coalesce(e.industry_id, c.c_industry) IS NOT NULL AS ai
  FROM ev e JOIN o USING (member_id) LEFT JOIN co c ON e.company_id = c.company_id),
cells AS (
  SELECT k, t, aft, mob, sc, oc, si, ai, t = 'page_view' AS pv, count(*) AS c, max(ts) AS mx,
         sum(dwell_s) AS dw
  FROM flags GROUP BY ALL),
b AS (
  SELECT k,
    sum(c) FILTER (pv AND NOT aft) AS vb, sum(c) FILTER (pv AND aft) AS va,
    sum(c) FILTER (t = 'login' AND aft) AS la,
    sum(c) FILTER (pv AND sc AND NOT aft) AS cvb, sum(c) FILTER (pv AND sc AND aft) AS cva,
    sum(dw) FILTER (pv AND sc AND aft) AS cda, sum(c) FILTER (pv AND oc AND aft) AS ova,
    sum(c) FILTER (pv AND si AND NOT aft) AS ivb, sum(c) FILTER (pv AND si AND aft) AS iva,
    sum(c) FILTER (pv AND ai) AS av, sum(c) FILTER (t = 'entry') AS et,
    sum(c) FILTER (t = 'entry' AND aft) AS ea, sum(c) FILTER (t = 'entry' AND si) AS ei,
    sum(c) FILTER (t = 'seminar_booking') AS st,
    sum(c) FILTER (t = 'seminar_booking' AND aft) AS sa,
    sum(c) FILTER (t = 'seminar_booking' AND sc) AS cs,
    sum(c) FILTER (t = 'offer_report' AND oc) AS ro,
    sum(c) FILTER (t = 'offer_report' AND oc AND si) AS roi,
    sum(c) FILTER (t = 'offer_report' AND sc) AS rep,
    max(mx) AS le, max(mx) FILTER (pv AND sc) AS lc, sum(c) FILTER (mob) AS mob, sum(c) AS n
  FROM cells GROUP BY k),
p AS (
  SELECT o.k, count(*) AS pv, count(*) FILTER (pe.ts >= o.offered_at) AS pa,
         count(*) FILTER (pe.industry_id = o.industry_id) AS pi
  FROM read_parquet({f["partner_events"]}) pe
  JOIN read_parquet({f["cookie_links"]}) l ON pe.cookie_id = l.cookie_id
  JOIN o ON l.member_id = o.member_id
  WHERE pe.season = {SEASON} AND pe.ts < {cut} AND pe.partner_id = '{PARTNER}'
    AND l.linked_at < {cut}
  GROUP BY o.k)
SELECT o.offer_id, o.member_id, o.company_id, o.industry_id, {SEASON}::SMALLINT AS season,
  coalesce(vb, 0)::DOUBLE AS views_before, coalesce(va, 0)::DOUBLE AS views_after,
  coalesce(va, 0)::DOUBLE / greatest(({cut_s} - {sec.format("o.offered_at")}) / 86400.0, 1.0)
    AS views_per_day_after,
  coalesce(la, 0)::DOUBLE AS logins_after, coalesce(cvb, 0)::DOUBLE AS company_views_before,
  coalesce(cva, 0)::DOUBLE AS company_views_after, coalesce(cda, 0)::DOUBLE AS company_dwell_after,
  CASE WHEN va > 0 THEN coalesce(cva, 0)::DOUBLE / va ELSE 0.0 END
    AS company_view_share_after,
  coalesce(ova, 0)::DOUBLE AS other_company_views_after,
  coalesce(ivb, 0)::DOUBLE AS industry_views_before,
  coalesce(iva, 0)::DOUBLE AS industry_views_after,
  CASE WHEN av > 0 THEN (coalesce(ivb, 0) + coalesce(iva, 0))::DOUBLE / av ELSE 0.0 END
    AS industry_view_share,
  coalesce(et, 0)::DOUBLE AS entries_total, coalesce(ea, 0)::DOUBLE AS entries_after,
  coalesce(ei, 0)::DOUBLE AS entries_industry, coalesce(st, 0)::DOUBLE AS seminars_total,
  coalesce(sa, 0)::DOUBLE AS seminars_after, coalesce(cs, 0)::DOUBLE AS company_seminars,
  coalesce(ro, 0)::DOUBLE AS offer_reports_other,
  coalesce(roi, 0)::DOUBLE AS offer_reports_other_industry,
  coalesce(rep, 0)::DOUBLE AS offer_reported,
  ({cut_s} - {sec.format("o.offered_at")}) / 86400.0 AS days_since_offer,
  ({cut_s} - {sec.format("le")}) / 86400.0 AS days_since_last_event,
  ({cut_s} - {sec.format("lc")}) / 86400.0 AS days_since_company_view,
  CASE WHEN n > 0 THEN coalesce(mob, 0)::DOUBLE / n ELSE 0.0 END AS mobile_share,
  ln(s.vs) AS company_popularity, ln(s.es) AS company_entries,
  coalesce(s.sr, 0.0) AS company_seminar_rate, o.industry_id::DOUBLE AS offer_industry,
  coalesce(p.pv, 0)::DOUBLE AS partner_views, coalesce(p.pa, 0)::DOUBLE AS partner_views_after,
  CASE WHEN p.pv > 0 THEN p.pi::DOUBLE / p.pv ELSE 0.0 END AS partner_industry_share
FROM o LEFT JOIN b USING (k) LEFT JOIN shares s ON o.company_id = s.company_id
LEFT JOIN p USING (k)
ORDER BY o.offer_id
"""


def pandas_features(
    inputs: FeatureInputs, as_of: datetime, members: frozenset[int]
) -> pd.DataFrame:
    """The same features the way a data scientist would write them in pandas."""
    cut = pd.Timestamp(as_of).tz_convert("UTC")
    cut_s = int(as_of.timestamp())
    season = [("season", "=", SEASON)]

    def read(table: str, columns: list[str] | None = None, filters: object = None) -> pd.DataFrame:
        # Text columns as categories: a plain object/str read of the events needs ~20 GB.
        files = [str(p) for p in inputs.paths(table)]
        data = pq.ParquetDataset(
            files, filters=filters, read_dictionary=["event_type", "device"], partitioning=None
        )
        return data.read(columns=columns).to_pandas(self_destruct=True, split_blocks=True)

    co = read("companies", ["company_id", "industry_id"]).rename(columns={"industry_id": "c_ind"})
    o = read("offers")
    o = o[(o.season == SEASON) & (o.offered_at < cut)].merge(co, on="company_id")
    o = o.rename(columns={"c_ind": "industry_id"})
    cols = ["member_id", "ts", "event_type", "company_id", "industry_id", "device", "dwell_s"]
    ev = read("events", cols, [*season, ("ts", "<", cut)])
    counted = ev[ev.company_id.notna() & ev.member_id.isin(members)]
    cells = counted.groupby(["member_id", "company_id", "event_type"], observed=True).size()
    cells = cells.rename("n").reset_index()
    caps = cells.event_type.astype(str).map(AGGREGATE_CLIP).fillna(0).to_numpy()
    cells["n"] = np.minimum(cells.n.to_numpy(), caps)
    comp = cells.groupby(["company_id", "event_type"], observed=True).n.sum().unstack(fill_value=0)
    comp = comp.rename(columns={"page_view": "v", "entry": "en", "seminar_booking": "se"})
    comp["vs"] = (comp.v + 1) / (comp.v.sum() + 1)
    comp["es"] = (comp.en + 1) / (comp.en.sum() + 1)
    comp["sr"] = np.where(comp.en > 0, comp.se / comp.en.where(comp.en > 0, 1), 0.0)
    ev = ev[ev.member_id.isin(o.member_id)]  # only offer holders' events matter below
    j = ev.merge(o[["offer_id", "member_id", "company_id", "industry_id", "offered_at"]],
                 on="member_id", suffixes=("", "_o"))  # fmt: skip
    j = j.merge(co, on="company_id", how="left")
    j["e_ind"] = j.industry_id.fillna(j.c_ind)
    pv, aft = j.event_type == "page_view", j.ts >= j.offered_at
    sc = (j.company_id == j.company_id_o).fillna(False)
    oc = j.company_id.notna() & ~sc
    si = (j.e_ind == j.industry_id_o).fillna(False)
    flags = {
        "views_before": pv & ~aft, "views_after": pv & aft,
        "logins_after": (j.event_type == "login") & aft,
        "company_views_before": pv & sc & ~aft, "company_views_after": pv & sc & aft,
        "other_company_views_after": pv & oc & aft,
        "industry_views_before": pv & si & ~aft, "industry_views_after": pv & si & aft,
        "attributed": pv & j.e_ind.notna(), "entries_total": j.event_type == "entry",
        "entries_after": (j.event_type == "entry") & aft,
        "entries_industry": (j.event_type == "entry") & si,
        "seminars_total": j.event_type == "seminar_booking",
        "seminars_after": (j.event_type == "seminar_booking") & aft,
        "company_seminars": (j.event_type == "seminar_booking") & sc,
        "offer_reports_other": (j.event_type == "offer_report") & oc,
        "offer_reports_other_industry": (j.event_type == "offer_report") & oc & si,
        "offer_reported": (j.event_type == "offer_report") & sc,
        "mobile": j.device != "pc",
    }  # fmt: skip
    g = pd.DataFrame({k: v.astype("int8") for k, v in flags.items()}).groupby(j.offer_id).sum()
    g["company_dwell_after"] = j.dwell_s.where(pv & sc & aft).groupby(j.offer_id).sum()
    g["last"] = j.ts.groupby(j.offer_id).max()
    g["last_company"] = j.ts.where(pv & sc).groupby(j.offer_id).max()
    g["n"] = j.groupby("offer_id").size()
    out = o.set_index("offer_id").join(g).join(comp, on="company_id")

    def seconds(column: pd.Series) -> pd.Series:
        return (column.dt.floor("s") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)

    days_offer = (cut_s - seconds(out.offered_at)) / 86400.0
    res = pd.DataFrame(index=out.index)
    for name in flags:
        if name not in ("attributed", "mobile"):
            res[name] = out[name].fillna(0).astype(float)
    res["company_dwell_after"] = out.company_dwell_after.fillna(0).astype(float)
    views = res.views_after
    res["views_per_day_after"] = views / np.maximum(days_offer, 1.0)
    res["company_view_share_after"] = np.where(views > 0, res.company_views_after / views, 0.0)
    iv = res.industry_views_before + res.industry_views_after
    res["industry_view_share"] = np.where(out.attributed > 0, iv / out.attributed, 0.0)
    res["days_since_offer"] = days_offer
    for name, col in (
        ("days_since_last_event", "last"),
        ("days_since_company_view", "last_company"),
    ):
        res[name] = (cut_s - seconds(out[col])) / 86400.0
    res["mobile_share"] = np.where(out.n > 0, out.mobile / out.n, 0.0)
    res["company_popularity"], res["company_entries"] = np.log(out.vs), np.log(out.es)
    res["company_seminar_rate"] = out.sr.fillna(0.0)
    res["offer_industry"] = out.industry_id.astype(float)
    return res.sort_index()


def _same(ours: pa.Table, theirs: pd.DataFrame, columns: list[str]) -> None:
    a = ours.to_pandas().set_index("offer_id")
    b = theirs.set_index("offer_id") if "offer_id" in theirs.columns else theirs
    b = b.reindex(a.index)
    for name in columns:
        x, y = a[name].astype(float).to_numpy(), b[name].astype(float).to_numpy()
        if not np.allclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True):
            raise AssertionError(f"baseline differs from the Ibis features in {name}")


def _best(rounds: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def run(report: Report) -> None:
    students = int(os.environ.get("FAIRFOLLOW_BENCH_STUDENTS", "200000"))
    rounds = int(os.environ.get("FAIRFOLLOW_BENCH_ROUNDS", "2"))
    season_dir = _season_dir(students)
    workspace = _workspace(season_dir)
    settings = Settings.model_construct()
    ledger = create_ledger(workspace.ledger_url)
    try:
        consented = consented_members(ledger)
        for year in (2019, SEASON):  # offers tables and stored features for training/evaluation
            build_season_features(workspace, season_dir / "employers", year, consented=consented)
        as_of = forecast_date(SEASON)
        members = frozenset(consented(AGGREGATE_PURPOSE, as_of))
    finally:
        ledger.dispose()
    inputs = FeatureInputs.from_workspace(workspace, SEASON)
    members_path = workspace.analytics_dir / "bench-aggregate-members.parquet"
    pq.write_table(pa.table({"member_id": pa.array(sorted(members), pa.int64())}), members_path)

    def same_members(purpose: str, at: datetime) -> frozenset[int]:
        assert (purpose, at) == (AGGREGATE_PURPOSE, as_of)
        return members

    def ibis_duckdb() -> pa.Table:
        build = build_features(
            duckdb_backend(settings), Engine.DUCKDB, inputs, season=SEASON, as_of=as_of,
            consented=same_members,
        )  # fmt: skip
        return build.table

    def hand() -> pa.Table:
        con = duckdb.connect()
        con.execute(f"SET threads = {settings.duckdb_threads}")
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        con.execute("SET TimeZone = 'UTC'")
        result = con.sql(hand_sql(inputs, as_of, members_path)).to_arrow_table()
        con.close()
        return result

    # Interleaved rounds, best of each: neither side gets the quieter moment by position.
    ibis_times, sql_times = [], []
    for _ in range(rounds):
        ibis_s, ours = _best(1, ibis_duckdb)
        sql_s, sql_table = _best(1, hand)
        ibis_times.append(ibis_s)
        sql_times.append(sql_s)
    ibis_s, sql_s = min(ibis_times), min(sql_times)
    assert isinstance(ours, pa.Table) and isinstance(sql_table, pa.Table)
    events = sum(pq.ParquetFile(p).metadata.num_rows for p in inputs.paths("events"))
    report("features.offers", ours.num_rows, "offers", f"season {SEASON}, {students:,} students")
    report("features.events_in_store", events, "rows", "both seasons")
    report("features.ibis_duckdb_s", ibis_s, "s", f"best of {rounds}")
    _same(ours, sql_table.to_pandas(), [c for c in ours.column_names if c != "offer_id"])
    report("features.hand_sql_s", sql_s, "s", f"best of {rounds}; equal tables checked")
    report("features.ibis_over_hand_sql", ibis_s / sql_s, "x", "goal <= 1.3")

    pandas_s, frame = _best(1, lambda: pandas_features(inputs, as_of, members))
    assert isinstance(frame, pd.DataFrame)
    _same(ours, frame, list(frame.columns))
    report("features.pandas_s", pandas_s, "s", "one run; equal features checked")
    report("features.pandas_over_ibis", pandas_s / ibis_s, "x", "goal >= 5")

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="fairfollow-bench-spark-") as tmp:
        started = time.perf_counter()
        session = spark_session("local[2]", warehouse=Path(tmp))
        report("features.spark_session_start_s", time.perf_counter() - started, "s")
        spark_s, _ = _best(1, lambda: build_features(
            spark_backend(session), Engine.SPARK, inputs, season=SEASON, as_of=as_of,
            consented=same_members))  # fmt: skip
        session.stop()
    report("features.pyspark_local2_s", spark_s, "s", "Ibis on PySpark local[2], one run")

    started = time.perf_counter()
    trained = train_season_model(workspace, 2019, TrainingParams(), now=datetime.now(UTC))
    meta = trained.model.metadata
    report(
        "model.train_s",
        time.perf_counter() - started,
        "s",
        f"{meta.train_rows:,} + {meta.calibration_rows:,} held out, {meta.calibration_method}",
    )
    frame = read_features(workspace, SEASON).table.to_pandas()
    model = load_model(workspace.models_dir)
    score_s, _ = _best(3, lambda: model.predict(frame))
    report("model.scoring_rows_per_s", len(frame) / score_s, "rows/s", "calibrated, 1 thread")

    truth = season_dir / "truth" / "offers.parquet"
    evaluation = evaluate_season(workspace, truth)
    for key in ("auc", "oracle_auc", "lift_ratio", "ece", "ece_adaptive", "brier"):
        value = evaluation.as_json()[key]
        assert isinstance(value, float)
        report(f"model.{key}", value, "", "current season vs truth")
    bt = backtest_season(workspace, truth)
    for figure in bt.figures:
        if figure.kind in ("employer", "random"):
            note = (
                f"{figure.pools:,} pools; content {figure.content:.3f}, "
                f"nearest {figure.nearest_coverage:.3f}, widened {figure.widened_coverage:.3f}"
            )
            report(f"backtest.{figure.kind}_{figure.level:.0%}_coverage", figure.coverage, "", note)


if __name__ == "__main__":

    def _print(name: str, value: float, unit: str, note: str = "") -> None:
        print(f"{name:36s} {value:14,.4f} {unit:8s} {note}", flush=True)

    run(_print)
