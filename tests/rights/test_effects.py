from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fairfollow.errors import RightsError
from fairfollow.intake.pool_store import load_pool
from fairfollow.records import provision_store
from fairfollow.rights.desk import show_request
from fairfollow.rights.effects import complete_request
from fairfollow.rights.receipt import verify_member_receipt
from fairfollow.rights.request import RightKind, Status
from fairfollow.tlog.keys import load_or_create_log_signer
from tests.actors import as_actor
from tests.rights.world import LATER, World, make_world


@pytest.fixture
def world(
    tmp_path: Path, ledger_url: str, simulated_season: Callable[..., Path]
) -> Iterator[World]:
    made = make_world(tmp_path, ledger_url, simulated_season(students=400, seed=3))
    yield made
    made.engine.dispose()


def test_withdrawal_then_release_excludes_the_member(world: World) -> None:
    member = world.consenting[0]
    first = world.release()
    assert first.released and member not in first.excluded_member_ids
    request = world.request(RightKind.WITHDRAWAL, member)
    done = complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    assert done.request.status is Status.DONE and done.effect["withdrawn"] == ["employer_forecast"]
    second = world.release(LATER)
    assert second.released and member in second.excluded_member_ids
    with world.engine.connect() as conn:
        assert provision_store.subjects_of(conn, second.provision_id or 0) == sorted(
            set(world.consenting) - {member}
        )


def test_disclosure_exports_everything_held_as_json_and_csv(world: World, tmp_path: Path) -> None:
    person = world.people[0]
    world.release()
    request = world.request(RightKind.DISCLOSURE, person.member_id, raw_events=True)
    done = complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    folder = world.workspace.request_export(request)  # the workspace's one exports folder
    data = json.loads((folder / "data.json").read_text(encoding="utf-8"))
    assert data["profile"]["email"] == person.email
    assert data["consent_history"][0]["policy_text_ja"] == "新"
    assert data["consent_history"][0]["occurred_at"].endswith("+09:00")
    assert [m["status"] for m in data["intake_matches"]] == ["matched"]
    assert [p["recipient"] for p in data["provisions"]] == ["E0001"]
    assert data["events_summary"]["by_type"] and len(data["events"]) == sum(
        data["events_summary"]["by_type"].values()
    )
    assert "own_probabilities" not in data["model_uses"]
    with (folder / "profile.csv").open(encoding="utf-8") as handle:
        profile = {row["field"]: row["value"] for row in csv.DictReader(handle)}
    assert profile["name_kanji"] == person.name_kanji
    assert {p.name for p in done.files} >= {"data.json", "events.csv", "consent_history.csv"}


def test_the_export_shows_its_times_in_the_display_zone(world: World) -> None:
    from dataclasses import replace

    from fairfollow.rights.disclosure import disclosure_document
    from fairfollow.settings import Settings

    member = world.people[0].member_id
    utc_desk = replace(
        world.desk, settings=Settings.model_construct(home=world.workspace.root, display_zone="UTC")
    )
    tokyo = json.loads(disclosure_document(world.desk, member, LATER))
    utc = json.loads(disclosure_document(utc_desk, member, LATER))
    assert tokyo["generated_at"].endswith("+09:00") and utc["generated_at"].endswith("+00:00")
    assert utc["consent_history"][0]["occurred_at"].endswith("+00:00")


def test_provision_proofs_verify_offline_and_fail_for_another_member(
    world: World, tmp_path: Path
) -> None:
    inside, outside = world.consenting[0], world.members[-1]  # the last never consented
    release = world.release()
    assert outside in release.excluded_member_ids
    verifier = load_or_create_log_signer(world.workspace.keys_dir).verifier
    texts = {}
    for member in (inside, outside):
        request = world.request(RightKind.PROVISION_RECORDS, member)
        done = complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
        (proof,) = [p for p in done.files if p.suffix == ".member-proof"]
        texts[member] = proof.read_text(encoding="utf-8")
    yes = verify_member_receipt(texts[inside], verifier)
    assert yes.valid and yes.included and yes.log_index == release.log_index
    no = verify_member_receipt(texts[outside], verifier)
    assert no.valid and not no.included
    # The included member's proof with the outsider's secret: another token, no inclusion.
    forged = json.loads(texts[inside])
    forged["member_secret"] = json.loads(texts[outside])["member_secret"]
    check = verify_member_receipt(json.dumps(forged), verifier)
    assert not check.valid
    # Claiming the outsider was not in it, with the insider's secret, fails too.
    forged = json.loads(texts[outside])
    forged["member_secret"] = json.loads(texts[inside])["member_secret"]
    assert not verify_member_receipt(json.dumps(forged), verifier).valid


def test_correction_rewrites_the_profile_for_the_next_feature_build(world: World) -> None:
    person = world.people[1]
    request = world.request(
        RightKind.CORRECTION, person.member_id, fields={"email": "new@example.jp"}
    )
    done = complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    assert done.effect["fields"] == ["email"] and done.effect["rows_corrected"] == 1
    from fairfollow.model.feature_source import read_store_table

    members = read_store_table(world.workspace, "members").to_pylist()
    (row,) = [m for m in members if m["member_id"] == person.member_id]
    assert row["email"] == "new@example.jp" and row["name_kana"] == person.name_kana


def test_stop_suppresses_the_member_from_releases_features_and_intake(world: World) -> None:
    import pyarrow as pa

    from fairfollow.events.suppression import without_restricted

    member = world.consenting[2]
    request = world.request(RightKind.STOP, member)
    complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    release = world.release(LATER)
    assert member in release.excluded_member_ids
    table = pa.table({"member_id": pa.array([member, world.consenting[3]], pa.int64())})
    assert without_restricted(world.workspace, table)["member_id"].to_pylist() == [
        world.consenting[3]
    ]
    world.take_in("E0002")
    with world.engine.connect() as conn:
        pool = load_pool(conn, "E0002", 2020)
    assert pool is not None
    assert member not in {o.member_id for o in pool.offers}
    assert [o.reason for o in pool.offers].count("suppressed") == 1
    assert len(pool.offers) == len(world.members)  # the offer stays, unmatched


def test_unverified_or_closed_requests_are_not_acted_on(world: World) -> None:
    from fairfollow.rights.desk import file_request, refuse_request
    from fairfollow.rights.request import RequestInput

    item = RequestInput(RightKind.ERASURE, world.members[0], LATER)
    request = file_request(world.desk, item, actor=as_actor("ops")).request_id
    with pytest.raises(RightsError, match=r"rights\.request_not_verified"):
        complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    refuse_request(
        world.desk, request, "identity could not be confirmed", actor=as_actor("ops"), at=LATER
    )
    assert show_request(world.desk, request).status is Status.REFUSED
    with pytest.raises(RightsError, match=r"rights\.request_closed.*refused"):
        refuse_request(world.desk, request, "again", actor=as_actor("ops"), at=LATER)
