"""The pseudonymised training zone (APPI Art. 41): no direct identifier in its files, the key
held apart, nothing of it can reach a release, an employer export or a contact, and an
erasure makes the zone refuse until it is rebuilt without the member."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fairfollow.errors import GovernanceError, NotReadyError
from fairfollow.events.erasure import rewrite_members
from fairfollow.keys import KeyFile, keyed_hash
from fairfollow.law.packs import example_review, rule
from fairfollow.law.pseudonymised import DIRECT_IDENTIFIERS, ZoneUse, check_use
from fairfollow.law.rules import Outcome
from fairfollow.model.feature_source import read_features
from fairfollow.model.pseudonymised import build_zone, read_zone, zone_key
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace

SEASON = 2020


@pytest.fixture
def workspace(replayed_workspace: Path, tmp_path: Path) -> Workspace:
    return Workspace(copy_workspace(replayed_workspace, tmp_path / "ws"))


def test_the_zone_holds_no_direct_identifier_and_the_key_is_apart(workspace: Workspace) -> None:
    built = build_zone(workspace, SEASON)
    table = pq.read_table(built.path)
    assert built.rows == table.num_rows > 0
    assert not set(table.column_names) & DIRECT_IDENTIFIERS
    assert {"member_ref", "offer_ref"} <= set(table.column_names)
    features = read_features(workspace, SEASON).table
    members = {str(m) for m in features.column("member_id").to_pylist()}
    offers = {str(o) for o in features.column("offer_id").to_pylist()}
    for name in table.column_names:
        values = {str(v) for v in table.column(name).to_pylist()}
        if table.schema.field(name).type == "string":
            assert not values & (members | offers), name  # no identifier in clear
    key_path = KeyFile.PSEUDONYMISED_ZONE.at(workspace.keys_dir)
    assert key_path.exists() and workspace.analytics_dir not in key_path.parents
    assert zone_key(workspace).hex() not in built.path.read_bytes().hex()
    meta = table.schema.metadata[b"fairfollow"].decode()
    assert '"zone": "pseudonymised"' in meta and '"internal": true' in meta


@pytest.mark.parametrize(
    ("use", "citation"),
    [
        (ZoneUse.RELEASE, "APPI Art. 41(6)"),
        (ZoneUse.EMPLOYER_EXPORT, "APPI Art. 41(6)"),
        (ZoneUse.THIRD_PARTY, "APPI Art. 41(6)"),
        (ZoneUse.CONTACT, "APPI Art. 41(8)"),
    ],
)
def test_nothing_in_the_zone_reaches_a_release_an_export_or_a_contact(
    use: ZoneUse, citation: str
) -> None:
    with pytest.raises(GovernanceError) as caught:
        check_use(use)
    assert caught.value.code == "model.zone_use_refused"
    assert str(caught.value.params["citation"]) == citation


def test_the_zone_reads_only_for_internal_use_and_cannot_join_a_release(
    workspace: Workspace,
) -> None:
    build_zone(workspace, SEASON)
    for use in (ZoneUse.RELEASE, ZoneUse.EMPLOYER_EXPORT, ZoneUse.CONTACT):
        with pytest.raises(GovernanceError):
            read_zone(workspace, SEASON, use)
    table = read_zone(workspace, SEASON, ZoneUse.TRAINING)
    # release pools, employer files and contacts are keyed by member id: none here
    assert "member_id" not in table.column_names
    # and a service declaring pseudonymised information as output is denied by the rules
    ctx = example_review()
    assert ctx.service is not None
    out = replace(
        ctx, service=replace(ctx.service, data_out=frozenset({"pseudonymised_information"}))
    )
    assert rule("jp.pseudonymised_internal").check(out).outcome is Outcome.DENY


def test_an_erasure_is_honoured_in_the_zone(workspace: Workspace) -> None:
    build_zone(workspace, SEASON)
    member = int(read_features(workspace, SEASON).table.column("member_id")[0].as_py())
    gone = keyed_hash(zone_key(workspace), "member_ref", member)
    assert gone in read_zone(workspace, SEASON, ZoneUse.TRAINING).column("member_ref").to_pylist()
    rewrite_members(workspace, [member])
    with pytest.raises(NotReadyError) as caught:
        read_zone(workspace, SEASON, ZoneUse.TRAINING)
    assert caught.value.code == "model.zone_stale"
    rebuilt = build_zone(workspace, SEASON)
    assert rebuilt.left_out > 0
    refs = read_zone(workspace, SEASON, ZoneUse.TRAINING).column("member_ref").to_pylist()
    assert gone not in refs
