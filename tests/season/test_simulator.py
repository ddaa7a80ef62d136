from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.errors import InputError
from fairfollow.season.config import SimulationConfig
from fairfollow.season.simulator import simulate

Season = Callable[..., Path]
FORECAST_AT = "2019-07-15 00:00:00+09:00"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.slow
def test_every_calibration_target_holds_at_20k(simulated_season: Season) -> None:
    out = simulated_season(students=20_000, seed=1, defects="a,b")
    measured = json.loads((out / "truth" / "calibration.json").read_text())
    keys = {m["key"] for m in measured}
    assert "matched_without_consent_share" in keys and "oracle_auc_client_offers" in keys
    failing = [m for m in measured if not m["low"] <= m["value"] <= m["high"]]
    assert not failing, failing
    assert all(m["ok"] for m in measured)


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    def run(seed: int, name: str) -> dict[str, str]:
        simulate(
            SimulationConfig(
                students=400,
                seed=seed,
                out=tmp_path / name,
                defects=frozenset({"a", "d"}),
                chunk_size=150,
            )
        )
        files: dict[str, str] = json.loads((tmp_path / name / "manifest.json").read_text())["files"]
        return files

    first, again, other = run(3, "one"), run(3, "two"), run(4, "three")
    assert len(first) > 20
    assert first == again
    assert first != other


def test_two_workers_write_the_same_bytes_as_one(tmp_path: Path) -> None:
    def run(workers: int) -> dict[str, str]:
        out = tmp_path / f"w{workers}"
        config = SimulationConfig(
            students=600, seed=9, out=out, defects=frozenset({"a", "b"}), chunk_size=150
        )
        result = simulate(config, workers=workers)
        assert result.workers == workers
        files: dict[str, str] = json.loads((out / "manifest.json").read_text())["files"]
        return files

    one, two = run(1), run(2)
    assert sum(1 for name in one if name.startswith("raw/events/")) == 8  # 4 chunks x 2 seasons
    assert one == two
    # Event ids run on across chunks: the parent numbers them in chunk order.
    ids = pd.concat(
        pd.read_parquet(tmp_path / "w2" / name, columns=["event_id"])
        for name in sorted(two)
        if name.startswith("raw/events/season=2019/")
    )["event_id"]
    assert ids.is_unique and ids.min() == 1 and ids.max() == len(ids)


def test_workers_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="workers"):
        simulate(SimulationConfig(students=200, seed=1, out=tmp_path / "x"), workers=0)


def test_truth_offers_agree_with_employer_files_and_logs(simulated_season: Season) -> None:
    out = simulated_season(students=3000, seed=2, dirt_rate=0.0)
    offers = pd.read_parquet(out / "truth" / "offers.parquet")
    companies = _csv(out / "raw" / "companies.csv")
    members = _csv(out / "raw" / "members.csv")
    assert offers["p_accept"].between(0, 1, inclusive="neither").all()
    assert offers.groupby(["season", "member_id"])["accepted"].sum().max() == 1
    assert set(offers["member_id"].astype(str)) <= set(members["member_id"])
    active = set(companies.loc[companies["client_active"] == "1", "company_id"].astype(int))
    for season in (2019, 2020):
        truth = offers[(offers["season"] == season) & offers["company_id"].isin(active)]
        in_files = 0
        accepted_in_files = 0
        for path in (out / "employers" / f"season={season}").glob("E*.csv"):
            raw = path.read_bytes()
            text = (
                raw.decode("utf-8")
                if path.stat().st_size and _is_utf8(raw)
                else raw.decode("cp932")
            )
            rows = list(csv.DictReader(text.splitlines()))
            in_files += sum(1 for r in rows if r["offer_date"])
            accepted_in_files += sum(1 for r in rows if r.get("offer_outcome") == "accepted")
        assert in_files == len(truth)
        if season == 2019:
            assert accepted_in_files == int(truth["accepted"].sum())


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_logs_stop_at_the_forecast_date_but_run_past_decisions(simulated_season: Season) -> None:
    out = simulated_season(students=2000, seed=1, defects="a,b")
    con = duckdb.connect()
    glob = str(out / "raw" / "events" / "season={}" / "*.parquet")
    # Injected ts_out_of_range dirt lies 400 days outside the season; real events stop at the
    # forecast date.
    after = con.execute(
        f"SELECT count(*) FROM read_parquet('{glob.format(2020)}') "
        f"WHERE ts >= TIMESTAMPTZ '{FORECAST_AT}' AND ts < TIMESTAMPTZ '2020-06-01'"
    ).fetchone()
    assert after == (0,)
    late = con.execute(
        f"SELECT count(*) FROM read_parquet('{glob.format(2019)}') "
        "WHERE ts > TIMESTAMPTZ '2018-10-01 00:00:00+09:00' AND ts < TIMESTAMPTZ '2019-01-01'"
    ).fetchone()
    assert late is not None and late[0] > 0


def test_browsing_after_an_offer_carries_signal(simulated_season: Season) -> None:
    out = simulated_season(students=3000, seed=2, dirt_rate=0.0)
    con = duckdb.connect()
    offers = pd.read_parquet(out / "truth" / "offers.parquet")
    con.register("offers", offers[offers["season"] == 2020])
    rows = con.execute(f"""
        SELECT o.p_accept, count(e.event_id) AS views
        FROM offers o LEFT JOIN read_parquet('{out}/raw/events/season=2020/*.parquet') e
          ON e.member_id = o.member_id AND e.company_id = o.company_id
         AND e.event_type = 'page_view' AND e.ts > o.offered_at
        GROUP BY o.offer_id, o.p_accept""").fetchnumpy()
    corr = np.corrcoef(
        np.argsort(np.argsort(rows["p_accept"])), np.argsort(np.argsort(rows["views"]))
    )[0, 1]
    assert corr > 0.2


def test_log_dirt_truth_points_at_dirty_rows(simulated_season: Season) -> None:
    out = simulated_season(students=2000, seed=1, defects="a,b")
    dirt = pd.read_parquet(out / "truth" / "log_dirt.parquet")
    assert set(dirt["reason"]) >= {
        "missing_member_id",
        "unknown_member",
        "ts_out_of_range",
        "unknown_event_type",
        "missing_cookie_id",
    }
    consent_reasons = set(dirt.loc[dirt["file"] == "consent_events.csv", "reason"])
    assert consent_reasons and consent_reasons <= {
        "bad_timestamp",
        "unknown_member",
        "unknown_purpose",
        "unknown_action",
    }
    con = duckdb.connect()
    sample = dirt[dirt["file"].str.startswith("events/")].groupby("reason").head(3)
    for file, row, reason in sample.itertuples(index=False):
        got = con.execute(
            f"SELECT member_id, event_type, company_id FROM read_parquet("
            f"'{out / 'raw' / file}', file_row_number=true) WHERE file_row_number = {row}"
        ).fetchone()
        assert got is not None
        member, event_type, company = got
        expected = {
            "missing_member_id": member is None,
            "unknown_member": member is not None and member >= 900_000_000,
            "unknown_event_type": event_type == "pageveiw",
            "unknown_company": company == 999_999,
            "ts_out_of_range": True,
        }[reason]
        assert expected, (file, row, reason, got)
    consent = _csv(out / "raw" / "consent_events.csv")
    for row in dirt.loc[dirt["file"] == "consent_events.csv", "row"]:
        assert int(consent.iloc[row]["consent_event_id"]) >= 800_000_000


def test_consent_truth_follows_the_defects(simulated_season: Season) -> None:
    clean = pd.read_parquet(simulated_season(students=2000, seed=1) / "truth" / "consent.parquet")
    case = pd.read_parquet(
        simulated_season(students=2000, seed=1, defects="a,b") / "truth" / "consent.parquet"
    )
    for truth in (clean, case):
        assert set(truth["reason"]) <= {
            "valid",
            "never_asked",
            "refused",
            "withdrawn",
            "stale_screen_version",
        }
        assert (truth["valid"] == (truth["reason"] == "valid")).all()
    forecast = case[(case["purpose_key"] == "employer_forecast") & (case["season"] == 2020)]
    assert (forecast["defect"] == "a").sum() > 0 and (forecast["defect"] == "b").sum() > 0
    assert (forecast.loc[forecast["defect"] == "a", "reason"] == "stale_screen_version").all()
    assert (forecast.loc[forecast["defect"] == "b", "reason"] == "never_asked").all()
    assert (clean["defect"] == "").all()
    clean_forecast = clean[
        (clean["purpose_key"] == "employer_forecast") & (clean["season"] == 2020)
    ]
    assert clean_forecast["valid"].mean() > forecast["valid"].mean() + 0.05


def test_defect_switches_change_the_exports(tmp_path: Path) -> None:
    out = tmp_path / "case"
    simulate(SimulationConfig(students=500, seed=5, out=out, defects=frozenset("cde")))
    sources = _csv(out / "raw" / "partner_sources.csv")
    assert sources["stated_purposes"].tolist() == ["ad_delivery"]
    header = (out / "employers" / "season=2020").glob("E*.csv").__next__().read_bytes()
    first_line = header.split(b"\r\n")[0].decode("ascii")
    assert "applicant_id" in first_line and "name_sha256" in first_line
    assert "email" not in first_line and "name_kanji" not in first_line
    links = _csv(out / "employers" / "survey_links.csv")
    assert len(links) > 0 and links["cookie_id"].str.startswith("ck").all()


def test_bad_configuration_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"season\.unknown_defects .*\['z'\]"):
        simulate(
            SimulationConfig(students=200, seed=1, out=tmp_path / "x", defects=frozenset({"z"}))
        )
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match=r"season\.out_not_empty"):
        simulate(SimulationConfig(students=200, seed=1, out=tmp_path / "full"))
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_cli_simulate_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["simulate", "--students", "300", "--seed", "9", "--out", str(tmp_path / "s"), "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["students_per_season"] == 300
    assert set(payload["calibration"]) >= {"entries_per_student", "offers_per_holder"}
    assert (tmp_path / "s" / "truth" / "offers.parquet").exists()
