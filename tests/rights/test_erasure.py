"""Erasure end to end: the workspace-wide search, no resurrection, shredded leaves verify."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.consent.quarantine import keyed_cell
from fairfollow.events.store import ingest, open_store
from fairfollow.intake.desk import matching_key
from fairfollow.intake.pool_store import load_pool
from fairfollow.rights.effects import complete_request
from fairfollow.rights.receipt import verify_member_receipt
from fairfollow.rights.request import RightKind
from fairfollow.tlog import member_store
from fairfollow.tlog.audit import verify_log
from fairfollow.tlog.keys import load_or_create_log_signer
from tests.actors import as_actor
from tests.rights.world import LATER, Person, World, make_world

RETAINED = {("ledger", "gov_provision_subjects", "member_id")}


@pytest.fixture
def world(
    tmp_path: Path, ledger_url: str, simulated_season: Callable[..., Path]
) -> Iterator[World]:
    made = make_world(tmp_path, ledger_url, simulated_season(students=400, seed=3))
    yield made
    made.engine.dispose()


def _text(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10] if isinstance(value, date) else value.isoformat()
    return str(value)


def _needles(person: Person) -> dict[str, str]:
    return {
        "member_id": str(person.member_id),
        "email": person.email,
        "name_kanji": person.name_kanji,
        "name_kana": person.name_kana,
        "birth_date": person.birth_date.isoformat(),
    }


def _cells(
    where: tuple[str, str], rows: list[dict[str, object]], needles: dict[str, str]
) -> set[tuple[str, str, str]]:
    """Cells that identify the person: their id in a member column (or in JSON), their
    e-mail, or a name together with the birth date in the same row (names alone collide)."""
    hits = set()
    member, email = needles["member_id"], needles["email"]
    id_forms = [f'"member_id"{sep}{q}{member}{q}' for sep in (":", ": ") for q in ('"', "")]
    for row in rows:
        texts = {c: _text(v) for c, v in row.items() if v is not None}
        whole = " ".join(texts.values())
        dated = needles["birth_date"] in whole
        for column, text in texts.items():
            if ("member" in column and text == member) or any(f in text for f in id_forms):
                hits.add((where[0], where[1], column))
            if email in text:
                hits.add((where[0], where[1], column))
            if dated and (needles["name_kana"] in text or needles["name_kanji"] in text):
                hits.add((where[0], where[1], column))
    return hits


def search_workspace(world: World, person: Person) -> set[tuple[str, str, str]]:
    """Every place in the workspace (and the ledger) holding the person's id, e-mail, names
    or birth date: (file or store, table, column); raw bytes for every other file."""
    needles = _needles(person)
    hits: set[tuple[str, str, str]] = set()
    root = world.workspace.root
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            hits |= _cells((rel, "parquet"), table.to_pylist(), needles)
        elif path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            try:
                names = [
                    r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
                ]
                for name in names:
                    cursor = con.execute(f'SELECT * FROM "{name}"')
                    cols = [d[0] for d in cursor.description or ()]
                    rows = [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]
                    hits |= _cells((rel, name), rows, needles)
            finally:
                con.close()
        data = path.read_bytes()
        for what, needle in needles.items():
            if what in ("email", "name_kanji", "name_kana") and needle.encode("utf-8") in data:
                hits.add((rel, "bytes", what))
    with world.engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            rows = [dict(r._mapping) for r in conn.execute(sa.text(f'SELECT * FROM "{name}"'))]
            hits |= {("ledger", t, c) for _, t, c in _cells(("ledger", name), rows, needles)}
    url = world.engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        for path in Path(url.database).parent.glob(Path(url.database).name + "*"):
            data = path.read_bytes()
            for what, needle in needles.items():
                if what in ("email", "name_kanji", "name_kana") and needle.encode() in data:
                    hits.add((path.name, "bytes", what))
    return hits


def _unique(world: World) -> Person:
    """A consenting member whose names nobody else in the store shares (bytes search)."""
    con = open_store(world.workspace)
    try:
        rows = con.execute(
            "SELECT name_kanji, name_kana FROM members GROUP BY ALL HAVING count(*) = 1"
        ).fetchall()
    finally:
        con.close()
    kanji = {r[0] for r in rows}
    kana = {r[1] for r in rows}
    return next(
        p
        for p in world.people
        if p.member_id in world.consenting and p.name_kanji in kanji and p.name_kana in kana
    )


def test_erasure_leaves_the_person_only_in_the_retained_records(
    world: World, tmp_path: Path
) -> None:
    person = _unique(world)
    assert person.member_id in world.consenting
    world.release()
    export = world.request(RightKind.DISCLOSURE, person.member_id, raw_events=True)
    complete_request(world.desk, export, actor=as_actor("ops"), at=LATER)
    before = search_workspace(world, person)
    places = {where for where, _, _ in before}
    assert "ledger" in places
    assert any(where.startswith("analytics/tables/members/") for where in places)
    assert any(where.startswith("reports/rights-request-") for where in places)
    assert ("ledger", "consent_events", "member_id") in before
    erasure = world.request(RightKind.ERASURE, person.member_id)
    done = complete_request(world.desk, erasure, actor=as_actor("ops"), at=LATER)
    effect = done.effect
    assert effect["store"]["rows_removed"]["members"] == 1  # type: ignore[index]
    assert effect["exports_deleted"] == 1
    (kept,) = effect["retained"]  # type: ignore[misc]
    assert "APPI Art. 29" in kept["citation"] and kept["retain_until"] > LATER.isoformat()
    assert search_workspace(world, person) == RETAINED


def test_reingest_and_later_intake_do_not_resurrect_an_erased_member(world: World) -> None:
    person = world.people[3]
    old_inputs = world.inputs()  # identities read before the erasure
    request = world.request(RightKind.ERASURE, person.member_id)
    complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    # A re-export of the same season: every file's bytes change, its rows do not.
    raw = world.season_dir / "raw"
    for path in sorted(raw.rglob("*")):
        if path.suffix == ".csv":
            path.write_bytes(path.read_bytes() + b"\n")
        elif path.suffix == ".parquet":
            pq.write_table(pq.read_table(path), path, compression="zstd")
    summary = ingest(world.workspace, world.season_dir)
    assert summary.files_superseded and summary.suppressed_by_table["members"] == 1
    assert summary.suppressed_by_table["events"] > 0
    con = open_store(world.workspace)
    try:
        for table in ("members", "events", "member_attributes", "cookie_links"):
            row = con.execute(
                f"SELECT count(*) FROM {table} WHERE member_id = ?", [person.member_id]
            ).fetchone()
            assert row == (0,), table
        quarantined = con.execute(
            "SELECT count(*) FROM quarantine WHERE raw_values LIKE ?", [f"%{person.email}%"]
        ).fetchone()
        assert quarantined == (0,)
    finally:
        con.close()
    world.take_in("E0002", old_inputs)  # even with the old identities in hand
    with world.engine.connect() as conn:
        pool = load_pool(conn, "E0002", 2020)
    assert pool is not None and person.member_id not in {o.member_id for o in pool.offers}


def test_consent_reingest_does_not_resurrect_an_erased_member(
    tmp_path: Path, ledger_url: str, simulated_season: Callable[..., Path]
) -> None:
    from fairfollow.consent import store as consent_store
    from fairfollow.ledger.engine import open_ledger
    from fairfollow.rights.desk import Desk, file_request
    from fairfollow.rights.request import RequestInput
    from fairfollow.workspace import Workspace
    from tests.rights.world import CHECK

    season = simulated_season(students=400, seed=3)
    workspace = Workspace(tmp_path / "ws", ledger_url_override=ledger_url).ensure()
    engine = open_ledger(ledger_url)
    key = matching_key(workspace.keys_dir)
    try:
        ingest_consent_logs(engine, season, key=key)
        with engine.connect() as conn:
            erased, kept = [m.member_id for m in consent_store.load_members(conn)][:2]
        desk = Desk(workspace, engine)
        item = RequestInput(RightKind.ERASURE, erased, LATER, identity=CHECK)
        request = file_request(desk, item, actor=as_actor("ops")).request_id
        complete_request(desk, request, actor=as_actor("ops"), at=LATER)
        ingest_consent_logs(engine, season, key=key)
        with engine.connect() as conn:
            members = {m.member_id for m in consent_store.load_members(conn)}
            assert consent_store.load_events(conn, member_id=erased) == []
            quarantined = consent_store.load_quarantined(conn)
        assert erased not in members and kept in members
        gone = keyed_cell(key, str(erased))
        assert quarantined and all(json.loads(q.raw)["member_id"] != gone for q in quarantined)
    finally:
        engine.dispose()


def test_crypto_shredded_leaves_still_verify(world: World, tmp_path: Path) -> None:
    person = world.people[0]
    release = world.release()
    request = world.request(RightKind.PROVISION_RECORDS, person.member_id)
    done = complete_request(world.desk, request, actor=as_actor("ops"), at=LATER)
    (proof,) = [p for p in done.files if p.suffix == ".member-proof"]
    text = proof.read_text()  # the member's copy: the export itself goes with the erasure
    with world.engine.connect() as conn:
        root = bytes.fromhex(json.loads(text)["member_proof"]["leaves"][0]["token"])
        assert member_store.member_secret(conn, person.member_id) is not None
    erasure = world.request(RightKind.ERASURE, person.member_id)
    complete_request(world.desk, erasure, actor=as_actor("ops"), at=LATER)
    signer = load_or_create_log_signer(world.workspace.keys_dir)
    with world.engine.connect() as conn:
        assert member_store.member_secret(conn, person.member_id) is None
        assert verify_log(conn, signer.verifier).ok
        tokens = conn.execute(sa.select(member_store.commitments.c.tokens)).scalar_one()
    assert root in {tokens[i : i + 32] for i in range(0, len(tokens), 32)}  # leaf unchanged
    assert not proof.exists()
    check = verify_member_receipt(text, signer.verifier)
    assert check.valid and check.included and check.log_index == release.log_index


def test_erasure_deletes_no_other_package_rows_itself() -> None:
    """Each owner forgets the member in its own tables: rights names no foreign table."""
    import ast
    from pathlib import Path

    rights = Path(__file__).parents[2] / "src" / "fairfollow" / "rights"
    foreign = []
    for path in sorted(rights.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            target = node.func.value
            if node.func.attr == "table" or (
                node.func.attr in {"delete", "update"}
                and isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id != "sa"
            ):
                foreign.append(f"{path.name}:{node.lineno}")
    assert foreign == [], foreign
