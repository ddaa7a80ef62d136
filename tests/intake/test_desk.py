from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy.engine import Engine

from fairfollow.errors import EncodingError, InputError, ProhibitedItemError, SchemaError
from fairfollow.intake import pool_store
from fairfollow.intake.desk import IntakeInputs, IntakeReport, intake_bytes
from fairfollow.intake.keyed_index import keyed_hash, keyed_index
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.engine import open_ledger
from fairfollow.records import decision_store, provision_store
from fairfollow.records.provision import Attestation
from tests.actors import as_actor
from tests.governance_fixtures import (
    AT,
    ATTESTATION,
    HEADER,
    KEY,
    employer_csv,
    identity,
    inputs,
    seed_consent,
)

MEMBERS = range(1, 11)


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    seed_consent(engine, MEMBERS, range(1, 7))  # 7..10 never asked
    yield engine
    engine.dispose()


def _take(engine: Engine, data: bytes, name: str = "E0001.csv") -> object:
    return intake_bytes(
        engine, "E0001", 2020, data, name, ATTESTATION, inputs(MEMBERS), at=AT, actor=as_actor("t")
    )


def test_match_report_counts_matched_unmatched_and_refused(engine: Engine) -> None:
    data = employer_csv([*MEMBERS, 99])
    report = _take(engine, data)
    assert report.matched == 6  # type: ignore[attr-defined]
    assert report.refused_by_reason == {"no_combination_consent": 4}  # type: ignore[attr-defined]
    assert report.unmatched_by_reason == {"no_member": 1}  # type: ignore[attr-defined]
    with engine.connect() as conn:
        pool = pool_store.load_pool(conn, "E0001", 2020)
        assert pool is not None
        assert [o.member_id for o in pool.member_offers] == list(MEMBERS)
        assert {o.status for o in pool.offers} == {"matched", "refused", "unmatched"}
        # the employer's applicant id is stored only as a keyed hash
        assert all(len(o.applicant_key) == 64 and "A0" not in o.applicant_key for o in pool.offers)
        (decision,) = decision_store.load_decisions(conn, request="intake")
        assert (decision.outcome, decision.reason) == ("allow", "accepted")
        confirmation = provision_store.load_confirmation(conn, pool.intake.confirmation_id)
        assert confirmation is not None and confirmation.attestation == ATTESTATION
        assert confirmation.file_sha256 == pool.intake.file_sha256


def test_shift_jis_file_is_read(engine: Engine) -> None:
    report = _take(engine, employer_csv(MEMBERS).decode("utf-8").encode("cp932"))
    assert report.encoding == "cp932" and report.matched == 6  # type: ignore[attr-defined]


def test_other_encodings_are_refused_and_the_refusal_recorded(engine: Engine) -> None:
    data = employer_csv(MEMBERS).decode("utf-8").encode("utf-16")
    with pytest.raises(EncodingError):
        _take(engine, data)
    with engine.connect() as conn:
        (decision,) = decision_store.load_decisions(conn, request="intake")
    assert decision.outcome == "deny" and decision.reason == "file_refused:EncodingError"
    with engine.connect() as conn:
        assert pool_store.intakes_of(conn) == []


def test_missing_column_refuses_the_file(engine: Engine) -> None:
    text = employer_csv(MEMBERS).decode().replace(",email", "", 1)
    with pytest.raises(SchemaError, match="email"):
        _take(engine, text.encode())


def test_forbidden_column_refuses_the_file_with_its_rule(engine: Engine) -> None:
    text = employer_csv(MEMBERS).decode().replace(HEADER, HEADER + ",本籍", 1)
    with pytest.raises(ProhibitedItemError) as caught:
        _take(engine, text.encode())
    assert caught.value.rule_id == "domicile_of_origin"
    with engine.connect() as conn:
        (decision,) = decision_store.load_decisions(conn, request="intake")
    detail = json.loads(decision.detail)
    assert detail["rule"] == "domicile_of_origin" and "Notice 141" in detail["citation"]


def test_bad_rows_are_quarantined_with_line_column_and_rule(engine: Engine) -> None:
    lines = employer_csv(range(1, 5)).decode().splitlines()
    lines[2] = lines[2].replace("1997-04-02", "1997-13-45")  # line 3: bad birth date
    lines[3] = lines[3].replace(identity(3).email, "")  # line 4: missing e-mail
    lines.append(lines[1])  # line 6: duplicate of line 2
    report = _take(engine, ("\n".join(lines) + "\n").encode())
    assert report.quarantined_by_rule == {  # type: ignore[attr-defined]
        "bad_date:birth_date": 1,
        "duplicate_row": 1,
        "missing_field:email": 1,
    }
    assert [(q.line, q.column, q.rule) for q in report.quarantined_lines] == [  # type: ignore[attr-defined]
        (3, "birth_date", "bad_date:birth_date"),
        (4, "email", "missing_field:email"),
        (6, "", "duplicate_row"),
    ]
    assert report.rows_read == 5 and report.rows_accepted == 2  # type: ignore[attr-defined]
    with engine.connect() as conn:
        stored = pool_store.quarantine_of(conn, report.intake_id)  # type: ignore[attr-defined]
    assert [q.line for q in stored] == [3, 4, 6]
    # identifiers are kept only as keyed hashes; the hash still lets an operator find the row
    assert stored[0].cells[0] == "hmac:" + keyed_hash(KEY, "quarantine", "A00002")


def test_attestation_is_required(engine: Engine) -> None:
    empty = Attestation("株式会社テスト", "", "代表", "", "")
    with pytest.raises(InputError, match=r"intake\.attestation_missing"):
        intake_bytes(
            engine,
            "E0001",
            2020,
            employer_csv(MEMBERS),
            "E1.csv",
            empty,
            inputs(MEMBERS),
            at=AT,
            actor=as_actor("t"),
        )


def test_id_only_list_matches_through_survey_links(engine: Engine) -> None:
    text = "applicant_id,entry_date,offer_date\nA1,2019-04-01,2019-06-01\nA2,2019-04-01,bad\n"
    text += "A3,2019-04-01,2019-06-01\nA7,2019-04-01,2019-06-01\n"
    links = IntakeInputs(
        KEY, [], {"c1": 1, "c7": 7}, {"A1": "c1", "A7": "c7"}, PurposeKey.EMPLOYER_FORECAST
    )
    report = intake_bytes(
        engine,
        "E0001",
        2020,
        text.encode(),
        "E0001.csv",
        ATTESTATION,
        links,
        at=AT,
        actor=as_actor("t"),
    )
    assert report.keyed_by == "applicant_id"
    assert report.matched == 1 and report.refused_by_reason == {"no_combination_consent": 1}
    assert report.unmatched_by_reason == {"no_survey_link": 1}
    assert report.quarantined_by_rule == {"bad_date:offer_date": 1}


def _stored_pool(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        pool = pool_store.load_pool(conn, "E0001", 2020)
    assert pool is not None
    return [(o.line, o.applicant_key, o.member_id, o.status, o.reason) for o in pool.offers]


def test_indexed_inputs_take_in_a_list_as_the_plain_ones(engine: Engine) -> None:
    """The replay's index built once (``indexed``) gives the report and the pool that a
    fresh index per list gives; links replaced per list keep it, new members drop it."""
    data = employer_csv([*MEMBERS, 99])
    plain = inputs(MEMBERS)
    indexed = plain.indexed()
    assert replace(indexed, survey_links={"A1": "c1"}).matching_index() is (
        indexed.matching_index()
    )
    reports: list[IntakeReport] = []
    pools = []
    for given in (plain, replace(indexed, survey_links={})):
        reports.append(
            intake_bytes(engine, "E0001", 2020, data, "E0001.csv", ATTESTATION, given,
                         at=AT, actor=as_actor("t"))
        )  # fmt: skip
        pools.append(_stored_pool(engine))
    first, second = (replace(r, intake_id=0, confirmation_id=0) for r in reports)
    assert first == second and pools[0] == pools[1]
    assert first.matched == 6 and first.unmatched_by_reason == {"no_member": 1}
    fewer = replace(indexed, members=[identity(1)])  # another member list: a fresh index
    assert fewer.matching_index() is not indexed.matching_index()
    only_one = intake_bytes(
        engine, "E0001", 2020, data, "E0001.csv", ATTESTATION, fewer, at=AT, actor=as_actor("t")
    )
    assert only_one.matched == 1


def test_keyed_hashes_depend_on_the_secret() -> None:
    key = b"s" * 32  # the key file itself: tests/test_keyfile.py
    assert keyed_hash(key, "email", "a@b") != keyed_hash(KEY, "email", "a@b")
    index = keyed_index(key, [identity(1), identity(2)])
    assert len(index.by_email) == 2 and "s1@uni.ac.jp" not in json.dumps(index.by_email)


def _stored_text(engine: Engine) -> str:
    """Every row of every intake table and of the decisions, as one text."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        tables = ("gov_intakes", "gov_intake_quarantine", "gov_pool_offers", "gov_decisions")
        return "\n".join(
            repr(tuple(row)) for t in tables for row in conn.execute(sa.text(f"SELECT * FROM {t}"))
        )


def test_quarantine_holds_no_identifier_in_clear(engine: Engine) -> None:
    lines = employer_csv(MEMBERS).decode().splitlines()
    lines[1] = lines[1].replace("2019-06-", "2031-06-")  # line 2: offer date in the future
    lines[2] = lines[2].replace("1997-04-02", "1899-04-02")  # line 3: born before 1940
    lines[3] = lines[3].replace(identity(3).email, "x" * 1_001)  # line 4: field too long
    report = _take(engine, ("\n".join(lines) + "\n").encode())
    assert [(q.line, q.rule) for q in report.quarantined_lines] == [  # type: ignore[attr-defined]
        (2, "date_in_future:offer_date"),
        (3, "date_before_1940:birth_date"),
        (4, "field_too_long:email"),
    ]
    stored = _stored_text(engine)
    assert "2031-06-" in stored  # the offending value of a non-identifying column is kept
    for member in (1, 2, 3):
        who = identity(member)
        for clear in (who.email, who.name_kana, f"A{member:05d}", "1899-04-02", "x" * 50):
            assert clear not in stored, clear


def test_a_member_matched_by_several_rows_is_an_ambiguity(engine: Engine) -> None:
    lines = employer_csv([1, 2, 3]).decode().splitlines()
    # two more rows for member 1 under other applicant ids and e-mails: kana + birth date match
    for n in (91, 92):
        lines.append(lines[1].replace("A00001", f"A{n:05d}").replace("s1@", f"x{n}@"))
    report = _take(engine, ("\n".join(lines) + "\n").encode())
    assert report.unmatched_by_reason == {"several_rows_one_member": 3}  # type: ignore[attr-defined]
    assert report.matched == 2  # type: ignore[attr-defined]
    with engine.connect() as conn:
        pool = pool_store.load_pool(conn, "E0001", 2020)
    assert pool is not None and sorted(o.member_id for o in pool.member_offers) == [2, 3]


def test_employer_view_shows_only_what_the_employer_sent(engine: Engine) -> None:
    data = employer_csv([1]).decode().replace("s1@uni", "s1＠uni").replace(HEADER, HEADER + ",memo")
    data = "\n".join(line + ("," if i else "") for i, line in enumerate(data.splitlines()))
    report = _take(engine, (data + "\n").encode())
    view = report.employer_view()  # type: ignore[attr-defined]
    assert view["repairs"] == [{"line": 2, "column": "email", "kind": "full_width_symbols"}]
    assert view["ignored_columns"] == ["memo"]
    # a one-applicant list: no figure may tell the employer whether that applicant consented
    text = json.dumps(view)
    for leak in ("matched", "refused", "unmatched", "consent", "offers_in_pool"):
        assert leak not in text
    assert report.as_json()["matched"] == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("employer", "season", "message"),
    [("E0404", 2020, "intake.employer_not_client"), ("E0001", 2031, "intake.season_unknown")],
)
def test_unknown_employer_or_season_is_refused(
    engine: Engine, employer: str, season: int, message: str
) -> None:
    known = IntakeInputs(
        KEY,
        [identity(m) for m in MEMBERS],
        {},
        {},
        PurposeKey.EMPLOYER_FORECAST,
        clients=frozenset({"E0001"}),
        seasons=frozenset({2019, 2020}),
    )
    with pytest.raises(InputError, match=message):
        intake_bytes(
            engine, employer, season, employer_csv(MEMBERS), "E.csv", ATTESTATION, known,
            at=AT, actor=as_actor("t"),
        )  # fmt: skip
    with engine.connect() as conn:
        assert pool_store.intakes_of(conn) == []


def test_a_refused_list_replaces_nothing(engine: Engine) -> None:
    _take(engine, employer_csv(MEMBERS))
    refused = [
        b"",
        (HEADER + "\n").encode(),
        employer_csv(MEMBERS).replace(b",email,", b",email,email,", 1),
        employer_csv(MEMBERS).replace(b",", b"\t"),
        employer_csv(MEMBERS) + b"\x00",
    ]
    for data in refused:
        with pytest.raises(InputError):
            _take(engine, data)
    with engine.connect() as conn:
        pool = pool_store.load_pool(conn, "E0001", 2020)
        assert pool is not None and len(pool.member_offers) == len(MEMBERS)
        assert len(pool_store.intakes_of(conn)) == 1


def test_size_cap_refuses_a_large_upload(engine: Engine) -> None:
    capped = IntakeInputs(KEY, [], {}, {}, PurposeKey.EMPLOYER_FORECAST, max_bytes=1_000)
    with pytest.raises(SchemaError, match=r"employers\.file_too_large .*cap=1000"):
        intake_bytes(
            engine, "E0001", 2020, employer_csv(range(1, 40)), "E.csv", ATTESTATION, capped,
            at=AT, actor=as_actor("t"),
        )  # fmt: skip
