"""Bulk SQL evaluation equals the per-member reference, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine

from fairfollow.consent import coverage_store, policy_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.coverage import (
    consented_members,
    coverage,
    valid_members,
    verdicts,
    write_ids,
)
from fairfollow.consent.policy import Deployment, PolicyVersion, Purpose, Screen
from fairfollow.consent.validity import ConsentAction, ConsentEvent, Reason, evaluate
from fairfollow.errors import InputError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from tests.actors import as_actor
from tests.consent_season import AS_OF, EXPECTED, FORECAST, at, load_ledger


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def test_the_tiny_history_is_classified_as_expected(engine: Engine) -> None:
    with transaction(engine) as conn:
        load_ledger(conn)
        found = verdicts(conn, FORECAST, AS_OF)
        valid = valid_members(conn, FORECAST, AS_OF)
        one = verdicts(conn, FORECAST, AS_OF, [2])
        many = verdicts(conn, FORECAST, AS_OF, range(2, 20_000))  # chunked or filtered
    assert {m: v.reason.value for m, v in found.items()} == EXPECTED
    assert valid == {1, 6}
    assert one == {2: found[2]}
    assert many == {m: v for m, v in found.items() if m >= 2}
    assert (found[2].screen_id, found[2].version_shown, found[2].event_id) == (
        "entry_form",
        "v1",
        2,
    )


def test_a_long_member_list_gives_everyone_s_verdicts_filtered(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bound-id limit the list is bound in chunks (SQLite) or filtered after one
    evaluation of everyone (PostgreSQL): the verdicts are those of the plain query."""
    monkeypatch.setattr(coverage_store, "MAX_BOUND_IDS", 2)
    with transaction(engine) as conn:
        load_ledger(conn)
        found = verdicts(conn, FORECAST, AS_OF)
        for wanted in ([1, 2, 3], [6, 5, 4, 3, 1, 99], list(range(10)), [2, 2, 4]):
            got = verdicts(conn, FORECAST, AS_OF, wanted)
            assert got == {m: v for m, v in found.items() if m in wanted}


def test_consented_members_is_the_ledger_verdict_the_feature_build_asks_for(
    engine: Engine,
) -> None:
    with transaction(engine) as conn:
        load_ledger(conn)
    asked = consented_members(engine)
    assert asked(FORECAST, AS_OF) == {1, 6}  # as valid_members, each call its own read
    assert asked(FORECAST, AS_OF - timedelta(days=3650)) == frozenset()  # nobody yet
    with pytest.raises(InputError, match=r"consent\.purpose_unknown"):
        asked("no_such_purpose", AS_OF)  # fail closed with a clear error


def test_the_coverage_report_counts_names_screens_and_lists_ids(
    engine: Engine, tmp_path: Path
) -> None:
    with transaction(engine) as conn:
        load_ledger(conn)
        report = coverage(conn, FORECAST, AS_OF)
        early = coverage(conn, FORECAST, at(-10))  # members 1-3, 5, 6 registered at V2_AT
    assert report.counts[Reason.VALID] == 2 and report.total == 6
    assert report.member_ids[Reason.STALE_SCREEN_VERSION] == (2,)
    assert report.member_ids[Reason.NEVER_ASKED] == (4,)
    assert report.lacking == (2, 3, 4, 5)
    stale = [s for s in report.screens if s.reason is Reason.STALE_SCREEN_VERSION]
    assert [(s.screen_id, s.version_shown, s.members) for s in stale] == [("entry_form", "v1", 1)]
    assert early.total == 1 and early.counts[Reason.NEVER_ASKED] == 1
    assert write_ids(report, tmp_path / "ids.csv") == 4
    lines = (tmp_path / "ids.csv").read_text().splitlines()
    assert lines[0] == "member_id,reason" and "2,stale_screen_version" in lines
    payload = report.as_json(with_ids=True)
    assert payload["counts"] == {r.value: report.counts[r] for r in Reason}
    with pytest.raises(InputError), engine.connect() as conn:
        coverage(conn, "no_such_purpose", AS_OF)


# Property: random histories, the SQL verdicts equal the reference's, member by member.
T0 = datetime(2019, 1, 1, tzinfo=UTC)
ZONES = (UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5)))
P, Q = "purpose_p", "purpose_q"


def instant(minute: int, zone: int) -> datetime:
    # Few distinct minutes: same-instant events and deployments happen often.
    return (T0 + timedelta(minutes=minute)).astimezone(ZONES[zone])


moments = st.builds(instant, st.integers(0, 12), st.integers(0, len(ZONES) - 1))


@dataclass(frozen=True)
class History:
    versions: tuple[PolicyVersion, ...]
    deployments: tuple[Deployment, ...]
    members: tuple[consent_store.Member, ...]
    events: tuple[ConsentEvent, ...]
    at: datetime


@st.composite
def histories(draw: st.DrawFn) -> History:
    versions = []
    for i in range(draw(st.integers(1, 3))):
        covers = draw(st.sets(st.sampled_from((P, Q)), min_size=1))
        material = frozenset({P}) if P in covers and draw(st.booleans()) else frozenset()
        versions.append(
            PolicyVersion(f"v{i}", draw(moments), frozenset(covers), "ja", "en", material)
        )
    screens = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    deployments = tuple(
        Deployment(
            i + 1,
            draw(st.sampled_from(screens)),
            draw(st.sampled_from([*(v.version_id for v in versions), None])),
            draw(moments),
        )
        for i in range(draw(st.integers(0, 6)))
    )
    n_members = draw(st.integers(1, 5))
    members = tuple(
        consent_store.Member(m, draw(moments), None, 2020) for m in range(1, n_members + 1)
    )
    n_events = draw(st.integers(0, 12))
    ids = draw(st.permutations(list(range(1, n_events + 1))))  # id order ≠ time order
    events = tuple(
        ConsentEvent(
            ids[i],
            draw(st.integers(1, n_members)),
            draw(st.sampled_from((P, Q))),
            draw(st.sampled_from(tuple(ConsentAction))),
            draw(st.sampled_from(screens)),
            None,
            draw(moments),
            "m",
        )
        for i in range(n_events)
    )
    return History(tuple(versions), deployments, members, events, draw(moments))


def _load(conn: Connection, history: History) -> None:
    policy_store.add_purposes(
        conn,
        [Purpose(k, k, k, k, k, "figures", "platform", "dpv:ServiceOptimisation") for k in (P, Q)],
    )
    policy_store.add_screens(
        conn,
        [
            Screen(s, "web", s, s)
            for s in sorted(
                {d.screen_id for d in history.deployments} | {e.screen_id for e in history.events}
            )
        ],
    )
    for version in history.versions:
        policy_store.add_version(conn, version, at=T0, actor=as_actor("hypothesis"))
    policy_store.add_deployments(conn, history.deployments)
    consent_store.add_members(conn, history.members)
    consent_store.add_events(conn, history.events)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_bulk_sql_equals_the_reference_on_random_histories(
    engine: Engine, history: History
) -> None:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            _load(conn, history)
            found = verdicts(conn, P, history.at)
        finally:
            transaction.rollback()  # each example starts from an empty ledger
    versions = {v.version_id: v for v in history.versions}
    expected = {
        m.member_id: evaluate(
            m.member_id, P, history.at, history.events, history.deployments, versions
        )
        for m in history.members
        if m.registered_at <= history.at
    }
    assert found == expected
