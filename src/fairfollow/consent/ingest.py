"""Load a season's policy, screen, deployment and consent logs into the ledger.

Reads ``raw/policies.json``, ``screens.csv``, ``deployments.csv``, ``members.csv`` (ids and
registration only: names and contacts stay out of the ledger) and ``consent_events.csv``
(docs/season-format.md). Idempotent: anything already in the ledger is skipped, so a second
run adds nothing. Policies, screens and deployments must be clean (a bad one fails the whole
ingest, nothing stored); a bad consent row is quarantined with the reason code of
docs/season-format.md "Injected log dirt" and loses nothing (rejected rows are counted and
quarantined); the quarantine holds no identifier in clear (:mod:`fairfollow.consent.quarantine`).

Policy versions found in the file are recorded as they happened: draft, approved and
activated at ``published_at``. Where screens lagged at that instant the activation is
recorded as forced by the import, naming the lagging screens, because the site published it
without FairFollow's gate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from fairfollow.actor import IMPORT
from fairfollow.consent import activation_store, policy_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.policy import (
    Deployment,
    PolicyStatus,
    PolicyVersion,
    Purpose,
    Screen,
    StatusEvent,
)
from fairfollow.consent.quarantine import COLUMNS, quarantined_row, redact_legacy
from fairfollow.consent.suppression_store import drop_suppressed
from fairfollow.consent.validity import ConsentAction
from fairfollow.errors import InputError, SchemaError
from fairfollow.ledger.transaction import Connection, Engine, transaction

IMPORT_ACTOR = IMPORT  # the import of raw/policies.json
CONSENT_FILE = "consent_events.csv"
CONSENT_COLUMNS = COLUMNS
MEMBER_COLUMNS = ("member_id", "season", "registered_at", "registration_screen")


@dataclass(frozen=True)
class ConsentIngestSummary:
    """What one ingest added (zeros on a repeat run); ``quarantined`` counts the consent rows
    refused in this read, by reason (each kept once in the ledger's quarantine)."""

    purposes: int
    versions: int
    screens: int
    deployments: int
    members: int
    events: int
    rows_read: int
    quarantined: Mapping[str, int] = field(default_factory=dict)

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())


def ingest_consent_logs(
    engine: Engine,
    season_dir: Path,
    *,
    key: bytes,
    now: datetime | None = None,
) -> ConsentIngestSummary:
    """Load ``season_dir/raw`` into the ledger in one transaction; see the module docstring.

    ``key`` is the workspace's matching key (``governance.intake.matching_key``): it hashes
    the identifiers of quarantined rows and finds members on the suppression list (erased
    or stopped), who are left out. ``now`` stamps the quarantine records (default: the
    current time, read here at the edge).
    """
    raw = Path(season_dir) / "raw"
    if not raw.is_dir():
        raise InputError("consent.no_raw_folder", path=str(season_dir))
    at = now or datetime.now(UTC)
    purposes, versions = read_policies(raw / "policies.json")
    screens = read_screens(raw / "screens.csv")
    deployments = read_deployments(raw / "deployments.csv")
    members = read_members(raw / "members.csv")
    with transaction(engine) as conn:
        added_purposes = policy_store.add_purposes(conn, purposes)
        added_screens = policy_store.add_screens(conn, screens)
        added_versions = sum(
            policy_store.add_version(conn, v, at=v.effective_at, actor=IMPORT_ACTOR)
            for v in versions
        )
        added_deployments = policy_store.add_deployments(conn, deployments)
        _replay_publication(conn, versions)
        members, _ = drop_suppressed(conn, key, members, [])
        known_members = consent_store.existing_ids(conn, consent_store.members.c.member_id)
        fresh_members = members.filter(
            pc.invert(pc.is_in(members["member_id"], pa.array(known_members, pa.int64())))
        )
        consent_store.bulk_insert_arrow(conn, consent_store.members, fresh_members)
        events, quarantined, rows_read = read_consent_events(
            raw / CONSENT_FILE,
            members=known_members | set(fresh_members["member_id"].to_pylist()),
            purposes=set(policy_store.load_purposes(conn)),
            screens=set(policy_store.load_screens(conn)),
            key=key,
        )
        _, quarantined = drop_suppressed(conn, key, members, quarantined)
        known = consent_store.existing_ids(conn, consent_store.events.c.consent_event_id)
        fresh = events.filter(
            pc.invert(pc.is_in(events["consent_event_id"], pa.array(known, pa.int64())))
        )
        consent_store.bulk_insert_arrow(conn, consent_store.events, fresh)
        consent_store.add_quarantined(conn, quarantined, at=at)
        redact_legacy(conn, key)  # rows an older version kept with the member id in clear
    return ConsentIngestSummary(
        purposes=added_purposes,
        versions=added_versions,
        screens=added_screens,
        deployments=added_deployments,
        members=fresh_members.num_rows,
        events=fresh.num_rows,
        rows_read=rows_read,
        quarantined=dict(Counter(q.reason for q in quarantined)),
    )


def _replay_publication(conn: Connection, versions: Sequence[PolicyVersion]) -> None:
    """Record each version as approved and live from ``published_at``, as the site did."""
    for version in sorted(versions, key=lambda v: v.effective_at):
        status = policy_store.status_of(conn, version.version_id)
        if status is PolicyStatus.DRAFT:
            policy_store.set_status(
                conn,
                StatusEvent(
                    version.version_id, PolicyStatus.APPROVED, version.effective_at, IMPORT_ACTOR
                ),
            )
            status = PolicyStatus.APPROVED
        if status is PolicyStatus.APPROVED:
            decision = activation_store.activate(
                conn,
                version.version_id,
                at=version.effective_at,
                actor=IMPORT_ACTOR,
                force=True,
                reason="published by the site before FairFollow's activation gate",
            )
            if not decision.allowed:
                raise InputError(
                    "consent.version_not_replayable",
                    version=version.version_id,
                    reasons=list(decision.reasons),
                )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SchemaError("consent.text_required", where=where)
    return value


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 instant with an explicit offset, in UTC; None when unparseable or naive."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(UTC)


def _instant(text: Any, where: str) -> datetime:
    parsed = parse_instant(text) if isinstance(text, str) else None
    if parsed is None:
        raise SchemaError("consent.instant_bad", where=where, value=str(text))
    return parsed


def read_policies(path: Path) -> tuple[list[Purpose], list[PolicyVersion]]:
    """Purposes and versions of ``policies.json``; any defect refuses the whole file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        purposes = [
            Purpose(
                key=_text(p["key"], f"{path.name} purpose"),
                name_ja=_text(p["name_ja"], f"{path.name} {p['key']}.name_ja"),
                name_en=_text(p["name_en"], f"{path.name} {p['key']}.name_en"),
                description_ja=_text(p["description_ja"], f"{path.name} {p['key']}"),
                description_en=_text(p["description_en"], f"{path.name} {p['key']}"),
                output=_text(p["output"], f"{path.name} {p['key']}.output"),
                recipient_class=_text(p["recipient_class"], f"{path.name} {p['key']}"),
                dpv_term=_text(p["dpv_term"], f"{path.name} {p['key']}.dpv_term"),
            )
            for p in document["purposes"]
        ]
        versions = [_version(v, path.name) for v in document["versions"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemaError("consent.policies_unreadable", path=str(path), reason=repr(exc)) from exc
    known = {p.key for p in purposes}
    for version in versions:
        unknown = sorted(version.purposes - known)
        if unknown:
            raise SchemaError(
                "consent.version_purposes_unknown",
                file=path.name,
                version=version.version_id,
                purposes=unknown,
            )
    return purposes, versions


def _version(v: Mapping[str, Any], name: str) -> PolicyVersion:
    material: set[str] = set()
    for change in v.get("material_changes", []):
        # Either a purpose key, or {"purpose": key, "change": …, "material": bool}.
        if isinstance(change, str):
            material.add(change)
        elif change.get("material", True):
            material.add(_text(change["purpose"], f"{name} material change"))
    return PolicyVersion(
        version_id=_text(v["version_id"], f"{name} version"),
        effective_at=_instant(v["published_at"], f"{name} {v['version_id']}.published_at"),
        purposes=frozenset(_text(p, f"{name} purposes") for p in v["purposes"]),
        text_ja=_text(v["text_ja"], f"{name} {v['version_id']}.text_ja"),
        text_en=_text(v["text_en"], f"{name} {v['version_id']}.text_en"),
        material_changes=frozenset(material),
    )


def _read_csv(path: Path, columns: Sequence[str]) -> pa.Table:
    """A CSV as strings (ids and times are validated here, not guessed by a reader)."""
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(use_threads=True),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                include_columns=list(columns),
                strings_can_be_null=False,
            ),
        )
    except (OSError, pa.ArrowInvalid, KeyError) as exc:
        raise SchemaError(
            "consent.columns_unreadable", path=str(path), columns=list(columns), reason=str(exc)
        ) from exc
    return table


def read_screens(path: Path) -> list[Screen]:
    table = _read_csv(path, ("screen_id", "channel", "description_ja", "description_en"))
    try:
        return [Screen(**row) for row in table.to_pylist()]
    except InputError as exc:
        raise SchemaError(exc.code, **exc.params, file=path.name) from exc


def read_deployments(path: Path) -> list[Deployment]:
    table = _read_csv(path, ("deploy_id", "screen_id", "version_id", "deployed_at"))
    found = []
    for index, row in enumerate(table.to_pylist()):
        where = f"{path.name} row {index}"
        try:
            deploy_id = int(row["deploy_id"])
        except ValueError as exc:
            raise SchemaError(
                "consent.deploy_id_bad", where=where, value=str(row["deploy_id"])
            ) from exc
        found.append(
            Deployment(
                deploy_id,
                _text(row["screen_id"], where),
                row["version_id"] or None,
                _instant(row["deployed_at"], where),
            )
        )
    return found


def _instants(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Parse ISO 8601 instants with offsets to UTC; unparseable or naive ones become null."""
    fast = pc.strptime(column, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
    missing = pc.is_null(fast).to_numpy(zero_copy_only=False)
    if not missing.any():
        return fast
    # Rare forms (fractional seconds, other valid ISO spellings) go through Python.
    where = missing.nonzero()[0]
    texts = pc.take(column, pa.array(where)).to_pylist()
    parsed = pa.array([parse_instant(t) for t in texts], type=pa.timestamp("us", tz="UTC"))
    return pc.replace_with_mask(fast.combine_chunks(), pa.array(missing), parsed)


def _integers(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Integer values of a string column, and a mask of the rows that hold one."""
    ok = pc.match_substring_regex(column, r"^\s*-?[0-9]{1,18}\s*$")
    values = pc.cast(pc.utf8_trim_whitespace(pc.if_else(ok, column, "0")), pa.int64())
    return values, ok.to_numpy(zero_copy_only=False)


def read_members(path: Path) -> pa.Table:
    """Members' ids and registration (a defective row refuses the file: it is not a log)."""
    table = _read_csv(path, MEMBER_COLUMNS)
    registered = _instants(table["registered_at"])
    ids, ids_ok = _integers(table["member_id"])
    seasons, seasons_ok = _integers(table["season"])
    if registered.null_count or not ids_ok.all() or not seasons_ok.all():
        raise SchemaError("consent.member_rows_bad", file=path.name)
    if pc.count_distinct(ids).as_py() != table.num_rows:
        raise SchemaError("consent.member_ids_repeat", file=path.name)
    screen = table["registration_screen"]
    return pa.table(
        {
            "member_id": ids,
            "registered_at": registered,
            "registration_screen": pc.if_else(pc.equal(screen, ""), None, screen),
            "season": pc.cast(seasons, pa.int32()),
        }
    )


def read_consent_events(
    path: Path, *, members: set[int], purposes: set[str], screens: set[str], key: bytes
) -> tuple[pa.Table, list[consent_store.QuarantinedRow], int]:
    """Valid rows ready for the ledger, quarantined rows with reason codes, rows read.

    Quarantined rows keep the member id only as its keyed hash under ``key``
    (:func:`fairfollow.consent.quarantine.quarantined_row`).

    Checks in the order of docs/season-format.md: bad_timestamp, unknown_member,
    unknown_purpose, unknown_action; then two the contract does not inject but a real log
    can hold: unknown_screen, and duplicate_event_id (a bad id, or one seen earlier in the
    file).
    """
    table = _read_csv(path, CONSENT_COLUMNS)
    at = _instants(table["occurred_at"])
    member, member_ok = _integers(table["member_id"])
    event_id, event_ok = _integers(table["consent_event_id"])

    def known(column: pa.ChunkedArray, values: set[Any], kind: pa.DataType) -> np.ndarray:
        found = pc.is_in(column, value_set=pa.array(sorted(values), kind))
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)

    first = np.zeros(table.num_rows, dtype=bool)
    ids = event_id.to_numpy()
    _, first_index = np.unique(ids, return_index=True)
    first[first_index] = True
    checks = [
        ("bad_timestamp", ~pc.is_valid(at).to_numpy(zero_copy_only=False)),
        ("unknown_member", ~(member_ok & known(member, members, pa.int64()))),
        ("unknown_purpose", ~known(table["purpose_key"], purposes, pa.string())),
        ("unknown_action", ~known(table["action"], {a.value for a in ConsentAction}, pa.string())),
        ("unknown_screen", ~known(table["screen_id"], screens, pa.string())),
        ("duplicate_event_id", ~(event_ok & first)),
    ]
    reason = np.full(table.num_rows, "", dtype=object)
    for code, failed in checks:
        reason[(reason == "") & failed] = code
    bad_rows = np.flatnonzero(reason != "")
    bad = [
        quarantined_row(
            key,
            path.name,
            int(index),
            str(reason[index]),
            [table[c][int(index)].as_py() for c in CONSENT_COLUMNS],
        )
        for index in bad_rows
    ]
    keep = pa.array(reason == "")
    version = table["version_recorded"]
    good = pa.table(
        {
            "consent_event_id": event_id,
            "member_id": member,
            "purpose_key": table["purpose_key"],
            "action": table["action"],
            "screen_id": table["screen_id"],
            "version_recorded": pc.if_else(pc.equal(version, ""), None, version),
            "occurred_at": at,
            "method": table["method"],
        }
    ).filter(keep)
    return good, bad, table.num_rows
