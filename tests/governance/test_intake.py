from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from fairfollow.errors import EncodingError, InputError, ProhibitedItemError, SchemaError
from fairfollow.governance import pool_store, provision_store, store
from fairfollow.governance.examples import FORECAST_PURPOSE_KEY
from fairfollow.governance.intake import IntakeInputs, intake_bytes
from fairfollow.governance.keyed_index import keyed_hash, keyed_index
from fairfollow.governance.provision import Attestation
from fairfollow.ledger.engine import open_ledger
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
        engine, "E0001", 2020, data, name, ATTESTATION, inputs(MEMBERS), at=AT, actor="t"
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
        (decision,) = store.load_decisions(conn, request="intake")
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
        (decision,) = store.load_decisions(conn, request="intake")
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
        (decision,) = store.load_decisions(conn, request="intake")
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
    assert [q.line for q in stored] == [3, 4, 6] and stored[0].cells[0] == "A00002"


def test_attestation_is_required(engine: Engine) -> None:
    empty = Attestation("株式会社テスト", "", "代表", "", "")
    with pytest.raises(InputError, match="attestation"):
        intake_bytes(
            engine,
            "E0001",
            2020,
            employer_csv(MEMBERS),
            "E1.csv",
            empty,
            inputs(MEMBERS),
            at=AT,
            actor="t",
        )


def test_id_only_list_matches_through_survey_links(engine: Engine) -> None:
    text = "applicant_id,entry_date,offer_date\nA1,2019-04-01,2019-06-01\nA2,2019-04-01,bad\n"
    text += "A3,2019-04-01,2019-06-01\nA7,2019-04-01,2019-06-01\n"
    links = IntakeInputs(
        KEY, [], {"c1": 1, "c7": 7}, {"A1": "c1", "A7": "c7"}, FORECAST_PURPOSE_KEY
    )
    report = intake_bytes(
        engine, "E0001", 2020, text.encode(), "E0001.csv", ATTESTATION, links, at=AT, actor="t"
    )
    assert report.keyed_by == "applicant_id"
    assert report.matched == 1 and report.refused_by_reason == {"no_combination_consent": 1}
    assert report.unmatched_by_reason == {"no_survey_link": 1}
    assert report.quarantined_by_rule == {"bad_date:offer_date": 1}


def test_keyed_hashes_depend_on_the_secret() -> None:
    key = b"s" * 32  # the key file itself: tests/test_keyfile.py
    assert keyed_hash(key, "email", "a@b") != keyed_hash(KEY, "email", "a@b")
    index = keyed_index(key, [identity(1), identity(2)])
    assert len(index.by_email) == 2 and "s1@uni.ac.jp" not in json.dumps(index.by_email)
