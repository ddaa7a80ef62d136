"""Members, consent events and quarantine on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC

import pyarrow as pa
import pytest
import sqlalchemy as sa

from fairfollow.consent import store as consent_store
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.errors import InputError, LedgerError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from tests.consent_season import EVENTS, FORECAST, MEMBERS, at, load_ledger


def test_events_round_trip_in_time_order_and_are_idempotent(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        assert consent_store.add_events(conn, EVENTS) == 0
        assert consent_store.add_members(conn, MEMBERS) == 0
    with engine.connect() as conn:
        stored = consent_store.load_events(conn)
        members = consent_store.load_members(conn)
        mine = consent_store.load_events(conn, member_id=3, purpose_key=FORECAST)
    engine.dispose()
    assert sorted(stored, key=lambda e: e.event_id) == list(EVENTS)
    assert stored == sorted(stored, key=lambda e: (e.occurred_at, e.event_id))
    assert all(e.occurred_at.tzinfo is UTC for e in stored)
    assert members == list(MEMBERS)
    assert [e.action for e in mine] == [ConsentAction.GRANT, ConsentAction.WITHDRAW]


def test_a_decision_made_now_gets_the_next_id_and_unknown_names_are_refused(
    ledger_url: str,
) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        new = ConsentEvent(
            0, 4, FORECAST, ConsentAction.GRANT, "pc_registration", "v2", at(50), "x"
        )
        recorded = consent_store.record_event(conn, new)
    assert recorded.event_id == max(e.event_id for e in EVENTS) + 1
    bad = (
        ConsentEvent(0, 99, FORECAST, ConsentAction.GRANT, "pc_registration", "v2", at(50), "x"),
        ConsentEvent(0, 4, "nope", ConsentAction.GRANT, "pc_registration", "v2", at(50), "x"),
        ConsentEvent(0, 4, FORECAST, ConsentAction.GRANT, "nowhere", "v2", at(50), "x"),
    )
    for event in bad:
        with pytest.raises(InputError), transaction(engine) as conn:
            consent_store.record_event(conn, event)
    engine.dispose()


def test_foreign_keys_refuse_a_bulk_row_that_slipped_past_validation(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
    ghost = ConsentEvent(
        77, 12345, FORECAST, ConsentAction.GRANT, "pc_registration", None, at(1), "x"
    )
    with pytest.raises(LedgerError), transaction(engine) as conn:
        consent_store.add_events(conn, [ghost])
    engine.dispose()


def test_arrow_and_row_bulk_inserts_store_the_same_values(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        data = pa.table(
            {
                "consent_event_id": pa.array([201, 202], pa.int64()),
                "member_id": pa.array([4, 4], pa.int64()),
                "purpose_key": [FORECAST, FORECAST],
                "action": ["grant", "withdraw"],
                "screen_id": ["pc_registration", "settings_page"],
                "version_recorded": pa.array(["v2", None], pa.string()),
                "occurred_at": pa.array([at(60), at(61)], pa.timestamp("us", tz="UTC")),
                "method": ["arrow", "arrow"],
            }
        )
        consent_store.bulk_insert_arrow(conn, consent_store.events, data)
    with engine.connect() as conn:
        stored = consent_store.load_events(conn, member_id=4, purpose_key=FORECAST)
        count = conn.execute(sa.select(sa.func.count()).select_from(consent_store.events))
        total = count.scalar_one()
    engine.dispose()
    assert [(e.event_id, e.occurred_at, e.version_recorded) for e in stored] == [
        (201, at(60), "v2"),
        (202, at(61), None),
    ]
    assert total == len(EVENTS) + 2


def test_quarantine_keeps_rows_once_per_file_row(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    rows = [
        consent_store.QuarantinedRow("consent_events.csv", 3, "bad_timestamp", "occurred_at", "{}"),
        consent_store.QuarantinedRow("consent_events.csv", 9, "unknown_action", "action", "{}"),
    ]
    with transaction(engine) as conn:
        assert consent_store.add_quarantined(conn, rows, at=at(0)) == 2
        assert consent_store.add_quarantined(conn, rows, at=at(1)) == 0
    with engine.connect() as conn:
        assert consent_store.load_quarantined(conn) == rows
    engine.dispose()
