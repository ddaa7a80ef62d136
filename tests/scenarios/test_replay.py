"""The replay of the 2019 case on a simulated season with defects (a) and (b) on, end to end
through ``fairfollow replay``; then the CLI's intake and release on the same workspace."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from scipy.stats import binom
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.cli.context import clear_session
from fairfollow.release.figures import INTERVAL_LEVEL
from fairfollow.workspace import Workspace

runner = CliRunner()
# ibis 12 calls DuckDB's deprecated fetch_arrow_table() while building features.
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


def _analyst_token(ws: Path) -> str:
    """An analyst and operator account on the replay's workspace, made through the CLI by
    its administrator, who logs in with the one-time secret the replay left in its keys."""

    def cli(*args: str, token: str = "", stdin: str | None = None) -> str:
        result = runner.invoke(
            app, ["-w", str(ws), *args], env={"FAIRFOLLOW_TOKEN": token}, input=stdin
        )
        assert result.exit_code == 0, result.output
        return result.output.strip()

    secret = (ws / "keys" / "admin.secret").read_text(encoding="ascii")
    admin = cli("account", "login", "admin", "--password-stdin", "-q", stdin=secret)
    new = cli("account", "create", "ana", "-q", token=admin)
    for role in ("analyst", "operator"):
        cli("account", "grant", "ana", role, token=admin)
    token = cli("account", "login", "ana", "--password-stdin", "-q", stdin=new)
    clear_session(Workspace(ws))  # the commands below name their token (FAIRFOLLOW_TOKEN)
    return token


@pytest.fixture(scope="module")
def replayed(
    simulated_season: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[str, object]]:
    season = simulated_season(students=2000, seed=1, defects="a,b")
    out = tmp_path_factory.mktemp("replay") / "ws"
    result = runner.invoke(
        app,
        [
            "--workspace",
            str(out.parent / "home"),
            "replay",
            str(season),
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    return season, out, json.loads(result.output)


@pytest.mark.slow
def test_2019_service_and_individual_scores_are_refused(replayed: tuple[Path, Path, dict]) -> None:
    _, _, report = replayed
    assert report["service_2019"]["decision"] == "deny"
    individual = report["individual_release"]
    assert individual["decision"] == "refused" and individual["outcome"] == "deny"
    cited = " ".join(individual["citations"])
    assert "ESA Art. 5-5, 51" in cited and "APPI Art. 31(1)" in cited


@pytest.mark.slow
def test_every_member_lacking_consent_is_excluded(replayed: tuple[Path, Path, dict]) -> None:
    season, _, report = replayed
    truth = pq.read_table(season / "truth" / "consent.parquet").to_pandas()
    lacking = set(
        truth[
            (truth.season == 2020) & (truth.purpose_key == "employer_forecast") & ~truth.valid
        ].member_id
    )
    forecasts = report["forecasts"]
    assert len(forecasts) == 35
    released = [f for f in forecasts if f["released"]]
    assert len(released) >= 20
    assert all(f["reason"] in ("released", "pool_too_small") for f in forecasts)
    assert all(f["all_lacking_excluded"] for f in released)
    assert sum(f["truth_lacking_consent_in_pool"] for f in released) > 0
    excluded = set(report["excluded_member_ids"])
    assert excluded <= lacking  # nobody with valid consent was excluded either
    assert report["checks"]["all_lacking_consent_excluded"] is True


@pytest.mark.slow
def test_released_figures_stay_within_their_stated_intervals(
    replayed: tuple[Path, Path, dict],
) -> None:
    _, _, report = replayed
    checks = report["checks"]
    # each figure misses its 99% noise bound with probability 1%: 8 or more of ~150 misses
    # happens with probability below 1e-4
    assert checks["figures"] - checks["figures_within_noise_bound"] < 8
    released = [f for f in report["forecasts"] if f["released"]]
    for f in released:
        assert f["epsilon_spent"] == pytest.approx(1.0)
        low, high = f["figures"]["forecast_interval"]
        assert low <= high
    # The noise is drawn by OpenDP's own (unseeded, by design) sampler, so how many realised
    # counts land in their 90% interval is random: Binomial(n, 0.9) if the intervals hold.
    # Fewer than its 1e-4 quantile means they do not (0.8 × n failed by chance 1 run in 20).
    floor = int(binom.ppf(1e-4, len(released), INTERVAL_LEVEL))
    assert checks["realised_in_forecast_interval"] >= floor


@pytest.mark.slow
def test_cli_intake_and_release_on_the_replayed_workspace(
    replayed: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    season, ws, report = replayed
    employer = next(f["employer"] for f in report["forecasts"] if f["released"])
    path = season / "employers" / "season=2020" / f"{employer}.csv"
    attest = [
        "--provider-name",
        "株式会社",
        "--provider-address",
        "東京",
        "--representative",
        "人事",
        "--obtained-how",
        "entry form",
        "--consent-statement",
        "agreed",
    ]
    at = ["--at", "2019-07-15T00:00+09:00"]
    token = _analyst_token(ws)
    as_ana = {"FAIRFOLLOW_TOKEN": token}
    result = runner.invoke(
        app,
        [
            "--workspace",
            str(ws),
            "intake",
            employer,
            str(path),
            "--season",
            "2020",
            *attest,
            *at,
            "--json",
            "--internal",
        ],
        env=as_ana,
    )
    assert result.exit_code == 0, result.output
    intake = json.loads(result.output)
    assert intake["rows_read"] == intake["rows_accepted"] + intake["rows_quarantined"]
    assert intake["matched"] > 0
    result = runner.invoke(
        app,
        [
            "--workspace",
            str(ws),
            "release",
            "forecast",
            "--employer",
            employer,
            "--service",
            "yield-forecast",
            "--json",
        ],
        env=as_ana,
    )
    assert result.exit_code == 0, result.output
    released = json.loads(result.output)
    # dated now: a release takes no --at (the replay's 2019 instant cannot be given)
    past = ["--workspace", str(ws), "release", "forecast", "--employer", employer,
            "--service", "yield-forecast", *at]  # fmt: skip
    refused = runner.invoke(app, past, env=as_ana)
    assert refused.exit_code == 2 and "--at" in refused.output, refused.output
    # The default output is the employer's view: noised figures only.
    assert released["released"] and released["epsilon_spent"] == pytest.approx(1.0)
    assert set(released) >= {"figures", "epsilon_remaining", "log_index"}
    assert not {"exact", "contributing_members", "excluded_member_ids", "decision"} & set(released)
    internal_args = [
        "--workspace",
        str(ws),
        "release",
        "forecast",
        "--employer",
        employer,
        "--service",
        "yield-forecast",
        "--json",
        "--internal",
        # Another ε than the request above: an identical request gets that release back.
        "--epsilon",
        "0.5",
    ]
    # Finding: `--internal` printed the exact figures with no role check.
    result = runner.invoke(app, internal_args, env={"FAIRFOLLOW_TOKEN": ""})
    assert result.exit_code == 2 and "account login" in result.output
    result = runner.invoke(app, internal_args, env={"FAIRFOLLOW_TOKEN": token})
    assert result.exit_code == 0, result.output
    internal = json.loads(result.output)
    assert internal["released"] and internal["budget"]["epsilon_spent"] == pytest.approx(2.5)
    assert "exact" in internal and "excluded_member_ids" not in internal
    member = ["--workspace", str(ws), "records", "member", "1", "--json"]
    assert runner.invoke(app, member, env={"FAIRFOLLOW_TOKEN": token}).exit_code != 0
    result = runner.invoke(app, [*member, "--request", "REQ-1"], env={"FAIRFOLLOW_TOKEN": token})
    assert result.exit_code == 0


@pytest.mark.slow
def test_replay_with_every_defect_runs_to_the_end(
    simulated_season: Callable[..., Path], tmp_path: Path
) -> None:
    """Defects a–e: ID-only lists are matched through the survey links; a list that must be
    refused (here one emptied to its header) is one refused employer, not an abort."""
    import shutil

    season = tmp_path / "season"
    shutil.copytree(simulated_season(students=2000, seed=1, defects="a,b,c,d,e"), season)
    lists = sorted((season / "employers" / "season=2020").glob("E*.csv"))
    emptied = lists[0]
    emptied.write_bytes(emptied.read_bytes().split(b"\n", 1)[0] + b"\n")
    result = runner.invoke(
        app, ["--workspace", str(tmp_path / "home"), "replay", str(season),
              "--out", str(tmp_path / "ws"), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    (refused,) = report["refused_lists"]
    assert refused["employer"] == emptied.stem and "employers.no_rows" in refused["list_refused"]
    checks = report["checks"]
    assert checks["lists_refused"] == 1 and checks["released"] >= 1
    assert checks["employers"] == len(report["forecasts"]) + 1
    assert all(f["reason"] in ("released", "pool_too_small") for f in report["forecasts"])
    assert checks["all_lacking_consent_excluded"] is True
    assert sum(f["intake"]["matched"] for f in report["forecasts"]) > 0


def test_the_truth_is_read_in_arrow_as_row_by_row(
    simulated_season: Callable[..., Path],
) -> None:
    """The replay's check reads the truth filtered in Arrow; a row-by-row reading of the
    same files gives the same lacking members and outcomes."""
    from fairfollow.law.purposes import PurposeKey
    from fairfollow.scenarios.replay import _truth

    season = simulated_season(students=2000, seed=1, defects="a,b")
    consent = pq.read_table(season / "truth" / "consent.parquet").to_pylist()
    lacking = {
        int(r["member_id"])
        for r in consent
        if r["purpose_key"] == PurposeKey.EMPLOYER_FORECAST
        and int(r["season"]) == 2020
        and not r["valid"]
    }
    offers = pq.read_table(season / "truth" / "offers.parquet").to_pylist()
    outcomes = {
        (int(r["company_id"]), int(r["member_id"])): bool(r["accepted"])
        for r in offers
        if int(r["season"]) == 2020
    }
    assert lacking and outcomes
    assert _truth(season, 2020) == (lacking, outcomes)


@pytest.mark.slow
def test_a_replay_into_a_relative_out_serves_from_any_directory(
    simulated_season: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 27: ``replay --out REL`` stored paths relative to the directory it ran in, and
    ``/me`` answered 500 once the workspace was served from another directory."""
    from datetime import UTC, datetime

    from fastapi.testclient import TestClient

    from fairfollow.accounts import authority
    from fairfollow.ledger.engine import open_ledger
    from fairfollow.scenarios.site_accounts import demo_subjects, open_site_accounts
    from fairfollow.settings import Settings
    from fairfollow.web.app import create_app
    from tests.web.site import PASSWORD, sign_in

    season = simulated_season(students=2000, seed=1, defects="a,b")
    (tmp_path / "here").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    done = CliRunner().invoke(app, ["-w", "home", "replay", str(season), "--out", "rel", "--json"])
    assert done.exit_code == 0, done.output
    monkeypatch.chdir(tmp_path / "elsewhere")  # served from another directory
    settings = Settings(home=tmp_path / "here" / "rel")
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    now = datetime.now(UTC)
    member, employer = demo_subjects(engine)
    accounts = open_site_accounts(engine, now, member_id=member, employer=employer)
    (mine,) = [a for a in accounts if a.kind == "member"]
    authority.set_password(engine, authority.principal_for(engine, mine.login), PASSWORD, now)
    engine.dispose()
    client = sign_in(TestClient(create_app(settings)), mine, now)
    for page in ("/me", "/me/releases", "/api/v1/me"):
        assert client.get(page).status_code == 200, page
