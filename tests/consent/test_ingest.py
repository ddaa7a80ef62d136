"""Loading season logs into the ledger: validation, quarantine, idempotence, and the exact
match with the simulator's ground truth."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from fairfollow.consent import activation_store, policy_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.coverage import coverage, verdicts
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.consent.validity import Reason
from fairfollow.errors import InputError, SchemaError
from fairfollow.ledger.engine import open_ledger
from fairfollow.scenarios.consent_demo import forecast_date, forecast_purpose
from tests.consent_season import AS_OF, EXPECTED, FORECAST, V2_AT, write_season

NOW = datetime(2026, 4, 1, tzinfo=UTC)
KEY = b"k" * 32  # the workspace's matching key (tests/consent/test_quarantine.py)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_a_season_loads_once_and_dirty_rows_are_quarantined_with_their_codes(
    engine: Engine, tmp_path: Path
) -> None:
    season = write_season(tmp_path / "season")
    first = ingest_consent_logs(engine, season, key=KEY, now=NOW)
    again = ingest_consent_logs(engine, season, key=KEY, now=NOW)
    assert (first.purposes, first.versions, first.screens, first.deployments) == (2, 2, 3, 5)
    assert (first.members, first.events, first.rows_read) == (6, 7, 11)
    assert first.quarantined == {
        "bad_timestamp": 1,
        "unknown_member": 1,
        "unknown_purpose": 1,
        "unknown_action": 1,
    }
    assert (again.purposes, again.versions, again.members, again.events) == (0, 0, 0, 0)
    with engine.connect() as conn:
        kept = consent_store.load_quarantined(conn)
        found = verdicts(conn, FORECAST, AS_OF)
        history = activation_store.activation_history(conn)
        names = consent_store.load_members(conn)
    assert [(q.source_row, q.reason) for q in kept] == [
        (7, "bad_timestamp"),
        (8, "unknown_member"),
        (9, "unknown_purpose"),
        (10, "unknown_action"),
    ]
    assert json.loads(kept[0].raw)["occurred_at"] == "2019-02-30T25:61:00+09:00"  # nothing lost
    assert [q.field for q in kept] == ["occurred_at", "member_id", "purpose_key", "action"]
    assert {m: v.reason.value for m, v in found.items()} == EXPECTED
    # The site published v2 while the entry form lagged: kept as a forced activation.
    assert [(d.version_id, d.outcome, d.at) for d in history][1] == ("v2", "forced", V2_AT)
    assert all(m.registered_at.tzinfo is UTC for m in names)  # +09:00 in, UTC stored


def test_a_defective_policy_file_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    season = write_season(tmp_path / "season")
    document = json.loads((season / "raw/policies.json").read_text("utf-8"))
    document["purposes"][1]["dpv_term"] = "dpv:EnforceAccessControl"
    (season / "raw/policies.json").write_text(json.dumps(document), "utf-8")
    with pytest.raises(InputError, match=r"consent\.purpose_dpv_unknown"):
        ingest_consent_logs(engine, season, key=KEY, now=NOW)
    with engine.connect() as conn:
        assert policy_store.load_purposes(conn) == {}


def test_missing_columns_and_naive_deploy_times_are_schema_errors(
    engine: Engine, tmp_path: Path
) -> None:
    season = write_season(tmp_path / "season")
    deploys = season / "raw/deployments.csv"
    deploys.write_text(deploys.read_text("utf-8").replace("+00:00", ""), "utf-8")
    with pytest.raises(SchemaError, match=r"consent\.instant_bad"):
        ingest_consent_logs(engine, season, key=KEY, now=NOW)
    (season / "raw/screens.csv").write_text('"screen_id"\n"x"\n', "utf-8")
    with pytest.raises(SchemaError):
        ingest_consent_logs(engine, season, key=KEY, now=NOW)
    with pytest.raises(InputError):
        ingest_consent_logs(engine, tmp_path / "nowhere", key=KEY, now=NOW)


def test_a_repeated_event_id_is_quarantined_and_the_rest_loads(
    engine: Engine, tmp_path: Path
) -> None:
    season = write_season(tmp_path / "season", dirt=False)
    events = season / "raw/consent_events.csv"
    line = events.read_text("utf-8").splitlines()[1].replace('"grant"', '"refuse"')
    events.write_text(events.read_text("utf-8") + line + "\n", "utf-8")
    summary = ingest_consent_logs(engine, season, key=KEY, now=NOW)
    assert summary.quarantined == {"duplicate_event_id": 1} and summary.events == 7


def test_a_failed_ingest_leaves_the_ledger_as_it_was(engine: Engine, tmp_path: Path) -> None:
    season = write_season(tmp_path / "season")
    (season / "raw/consent_events.csv").write_text('"consent_event_id"\n"1"\n', "utf-8")
    with pytest.raises(SchemaError):  # found after policies and members were written
        ingest_consent_logs(engine, season, key=KEY, now=NOW)
    with engine.connect() as conn:
        assert policy_store.load_versions(conn) == {}
        assert consent_store.load_members(conn) == []


@pytest.mark.slow
def test_coverage_matches_the_simulated_truth_exactly(
    engine: Engine, simulated_season: Callable[..., Path]
) -> None:
    season = simulated_season(students=2000, seed=1, defects="a,b")
    summary = ingest_consent_logs(engine, season, key=KEY, now=NOW)
    truth = pd.read_parquet(season / "truth" / "consent.parquet")
    dirt = pd.read_parquet(season / "truth" / "log_dirt.parquet")
    purpose, at = forecast_purpose(season), forecast_date(season)
    assert purpose == FORECAST
    with engine.connect() as conn:
        report = coverage(conn, purpose, at)
        kept = consent_store.load_quarantined(conn)
        others = {p: coverage(conn, p, at) for p in sorted(set(truth.purpose_key) - {purpose})}
    for key, found in {purpose: report, **others}.items():
        expected = truth[truth.purpose_key == key]
        lacking = expected[~expected.valid]
        # Every member the truth marks as lacking valid consent is found, and no other.
        assert set(found.lacking) == set(lacking.member_id), key
        mine = {m: r.value for r, ids in found.member_ids.items() for m in ids}
        assert mine == dict(zip(lacking.member_id, lacking.reason, strict=True)), key
        assert found.total == len(expected)
    stale = [s for s in report.screens if s.reason is Reason.STALE_SCREEN_VERSION]
    assert [s.screen_id for s in stale] == ["entry_form"]  # defect (a)
    defect_b = truth[(truth.purpose_key == purpose) & (truth.defect == "b")]
    assert set(defect_b.member_id) <= set(report.member_ids[Reason.NEVER_ASKED])
    consent_dirt = dirt[dirt.file == "consent_events.csv"]
    assert {(q.source_row, q.reason) for q in kept} == set(
        zip(consent_dirt.row, consent_dirt.reason, strict=True)
    )
    assert summary.quarantined_total == len(consent_dirt)
