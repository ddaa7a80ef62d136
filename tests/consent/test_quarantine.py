"""The consent log's quarantine keeps no identifier in clear (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.consent import store as consent_store
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.consent.quarantine import keyed_cell
from fairfollow.consent.suppression_store import member_hash
from fairfollow.intake.keyed_index import keyed_hash
from fairfollow.ledger.engine import open_ledger
from tests.consent_season import write_season

NOW = datetime(2026, 4, 1, tzinfo=UTC)
KEY = bytes(range(32))
CLEAR = ["918273645", "x-member-5550"]  # member ids of rows the ingest refuses


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _season(root: Path) -> Path:
    season = write_season(root)
    with (season / "raw/consent_events.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        for event_id, member in ((201, CLEAR[0]), (202, CLEAR[1])):
            row = [event_id, member, "employer_forecast", "grant", "pc_registration", "v2"]
            writer.writerow([*row, "2019-03-05T10:00:00+09:00", "checkbox"])
    return season


def _everything(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(consent_store.quarantine)).all()
    return "\n".join(str(cell) for row in rows for cell in row)


def test_no_clear_member_id_in_any_column_and_counts_match(engine: Engine, tmp_path: Path) -> None:
    summary = ingest_consent_logs(engine, _season(tmp_path / "season"), key=KEY, now=NOW)
    assert summary.quarantined == {
        "bad_timestamp": 1,
        "unknown_member": 3,
        "unknown_purpose": 1,
        "unknown_action": 1,
    }
    with engine.connect() as conn:
        kept = consent_store.load_quarantined(conn)
    assert len(kept) == summary.quarantined_total == 6
    everything = _everything(engine)
    for value in CLEAR:
        assert value not in everything, value
    if engine.dialect.name == "sqlite":  # and not in any byte of the file
        engine.dispose()
        data = Path(str(engine.url.database)).read_bytes()
        assert b"employer_forcast" in data  # a clear non-identifier is found by this search
        for value in CLEAR:
            assert value.encode() not in data, value
    # Each row names its field; what is not an identifier stays as the file had it.
    by_row = {q.source_row: q for q in kept}
    assert (by_row[11].reason, by_row[11].field) == ("unknown_member", "member_id")
    cells = json.loads(by_row[11].raw)
    assert cells["purpose_key"] == "employer_forecast" and cells["consent_event_id"] == "201"
    # The operator, holding the matching key, recognises a row sent again; an integer id is
    # hashed as the suppression list hashes it, any other text as the intake quarantine does.
    assert cells["member_id"] == "hmac:" + member_hash(KEY, 918273645)
    assert json.loads(by_row[12].raw)["member_id"] == "hmac:" + keyed_hash(
        KEY, "quarantine", "x-member-5550"
    )
    assert keyed_cell(KEY, " 918273645 ") == cells["member_id"]


def test_rows_kept_in_clear_by_an_older_version_are_redacted_by_the_next_ingest(
    engine: Engine, tmp_path: Path
) -> None:
    season = _season(tmp_path / "season")
    ingest_consent_logs(engine, season, key=KEY, now=NOW)
    old = ["300", "5550123", "employer_forecast", "grnat", "web", "v1", "2019-01-01", "x"]
    with engine.begin() as conn:  # as the previous version kept it: a list, no field
        conn.execute(
            consent_store.quarantine.insert().values(
                source_file="consent_events.csv",
                source_row=99,
                reason="unknown_action",
                raw=json.dumps(old),
                quarantined_at=NOW,
            )
        )
    assert "5550123" in _everything(engine)
    again = ingest_consent_logs(engine, season, key=KEY, now=NOW)
    assert again.events == 0
    assert "5550123" not in _everything(engine)
    with engine.connect() as conn:
        redacted = [q for q in consent_store.load_quarantined(conn) if q.source_row == 99]
    assert len(redacted) == 1 and redacted[0].field == "action"
    cells = json.loads(redacted[0].raw)
    assert cells["member_id"] == "hmac:" + member_hash(KEY, 5550123)
    assert cells["action"] == "grnat"
