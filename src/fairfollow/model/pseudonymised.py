"""The pseudonymised training zone (仮名加工情報, APPI Art. 41; PPC Rules Art. 31).

The offer features hold member ids and behaviour side by side. Processed as pseudonymised
information they may serve a changed internal purpose — developing and checking the
platform's own models (:data:`ZONE_PURPOSE`, published in docs/governance.md and in the
record of processing, Art. 41(4)) — and are exempt from leak reporting and from the
disclosure and correction duties (Art. 41(9)). What the zone does:

* **identifiers replaced** (Rule 31(i), (ii)): ``member_id`` and ``offer_id`` become
  HMAC-SHA256 pseudonyms under the zone's own key (``keys/pseudonymised-zone.key``), held
  apart from the analytics store and never written into the zone;
* **descriptive identifiers removed** (Rule 31(i)): only the pseudonyms, the company,
  industry and season, and the numeric features listed at the build are kept — a column not
  on that list never enters the zone, and a column named like a direct identifier refuses
  the build (fail closed);
* **marked internal**: the Parquet metadata says ``zone: pseudonymised``, ``internal``, the
  purpose and the citation; :func:`check_use` refuses any use but internal training and
  analysis — a release, an export to an employer, any third party (Art. 41(6)) or a
  contact with the person (Art. 41(8)) — and :func:`read_zone` asks it first;
* **erasure still honoured** (voluntarily: Art. 41(9) lifts the duty, FairFollow keeps it):
  erased and stopped members are left out before pseudonymisation, and the zone records the
  suppression list it was built against; a zone older than the list is refused until it is
  rebuilt, so no re-identification is ever needed to delete anyone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.errors import ModelError, NotReadyError
from fairfollow.events.suppression import read_suppression, restricted_members
from fairfollow.keyfile import load_or_create_secret
from fairfollow.keys import KeyFile, keyed_hash
from fairfollow.law.pseudonymised import (
    CITATION,
    CONTEXT_COLUMNS,
    DIRECT_IDENTIFIERS,
    PSEUDONYMS,
    ZONE,
    ZONE_PURPOSE,
    ZoneUse,
    check_use,
)
from fairfollow.model.feature_source import read_features
from fairfollow.workspace import Workspace


def zone_path(workspace: Workspace, season: int) -> Path:
    return workspace.analytics_dir / ZONE / f"season={season}" / "features.parquet"


def zone_key(workspace: Workspace) -> bytes:
    """The zone's own key, in the keys directory (never in the analytics store)."""
    workspace.keys_dir.mkdir(parents=True, exist_ok=True)
    return load_or_create_secret(KeyFile.PSEUDONYMISED_ZONE.at(workspace.keys_dir))


def _suppression_digest(workspace: Workspace) -> str:
    hashes = sorted(read_suppression(workspace).hashes)
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def pseudonymise(table: pa.Table, feature_names: tuple[str, ...], key: bytes) -> pa.Table:
    """Identifiers replaced by keyed pseudonyms; only context and listed features kept."""
    bad = sorted(set(feature_names) & DIRECT_IDENTIFIERS)
    if bad:
        raise ModelError("model.zone_identifier_column", columns=bad)
    columns: dict[str, pa.Array] = {}
    for source, target in PSEUDONYMS.items():
        values = table.column(source).to_pylist()
        columns[target] = pa.array([keyed_hash(key, target, v) for v in values], pa.string())
    for name in (*CONTEXT_COLUMNS, *feature_names):
        if name in table.column_names:
            columns[name] = table.column(name).combine_chunks()
    return pa.table(columns)


@dataclass(frozen=True)
class ZoneBuild:
    path: Path
    rows: int
    left_out: int  # rows of erased or stopped members


def build_zone(workspace: Workspace, season: int) -> ZoneBuild:
    """The season's features as pseudonymised information, erased members left out."""
    features = read_features(workspace, season)  # stopped members already left out
    suppression = read_suppression(workspace)
    members = {int(m) for m in features.table.column("member_id").to_pylist()}
    gone = {int(str(m)) for m in suppression.hits("member_id", members)}
    gone |= restricted_members(workspace, members)
    keep = pc.invert(pc.is_in(features.table.column("member_id"), pa.array(sorted(gone))))
    kept = features.table.filter(keep) if gone else features.table
    zone = pseudonymise(kept, features.feature_names, zone_key(workspace))
    meta = {
        "zone": ZONE,
        "internal": True,
        "purpose": ZONE_PURPOSE.key,
        "citation": str(CITATION),
        "season": season,
        "as_of": features.as_of.isoformat(),
        "feature_names": list(features.feature_names),
        "suppression": _suppression_digest(workspace),
    }
    zone = zone.replace_schema_metadata({b"fairfollow": json.dumps(meta).encode()})
    path = zone_path(workspace, season)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(zone, path)
    return ZoneBuild(path, zone.num_rows, features.table.num_rows - kept.num_rows)


def read_zone(workspace: Workspace, season: int, use: ZoneUse) -> pa.Table:
    """The zone's table for an internal ``use``; refused for any other use, and refused
    while an erasure or stop since the build is not reflected (rebuild it)."""
    check_use(use)
    path = zone_path(workspace, season)
    if not path.exists():
        raise NotReadyError("model.zone_missing", season=season)
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(b"fairfollow", b"{}"))
    if meta.get("zone") != ZONE or not meta.get("internal"):
        raise ModelError("model.zone_unmarked", path=str(path))
    if meta.get("suppression") != _suppression_digest(workspace):
        raise NotReadyError("model.zone_stale", season=season)
    return table
