"""The member's exports: everything held (disclosure) and who received their data.

``export_disclosure`` (APPI Art. 33(1)-(2); GDPR Art. 15, 20) writes, in the request's
folder of the workspace's one exports folder
(:meth:`fairfollow.workspace.Workspace.request_export`, which the member's erasure empties),
``data.json`` (all of it, UTF-8) and one UTF-8 CSV per part:
profile, consent history (with the screen and the policy text it displayed), events summary
(raw events on request), intake matches, the model's uses, provision records, requests.
``export_provisions`` (APPI Art. 33(5); GDPR Art. 15(1)(c)) writes ``provisions.json`` and,
per release from a pool that named the member, a ``*.member-proof`` file: proof that they
were — or were not — among its contributors (:mod:`fairfollow.rights.receipt`). Nothing is
ever a score sent to an employer; the member's own internal probability is included only
when the operator enables ``rights_show_own_probability``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from fairfollow.canonical_json import JsonValue
from fairfollow.consent import policy_store
from fairfollow.consent import store as consent_store
from fairfollow.consent.policy import Deployment
from fairfollow.errors import ModelError, StoreError
from fairfollow.events.disclosure import MemberCounts, member_counts, member_rows
from fairfollow.instants import for_people, in_jst, zone_named
from fairfollow.ledger.transaction import Connection, reading, transaction
from fairfollow.records import provision_store
from fairfollow.rights import store
from fairfollow.rights.desk import Desk
from fairfollow.rights.erasure import training_files
from fairfollow.rights.receipt import member_receipt
from fairfollow.rights.store import LedgerCounts

VERIFY_HINT = 'fairfollow log verify-receipt FILE --key "$(fairfollow log export-key)"'


def _zone(desk: Desk) -> tzinfo:
    """The zone an export shows its times in (setting ``display_zone``, default JST)."""
    return zone_named(desk.settings.display_zone)


def _plain(value: object, zone: tzinfo) -> object:
    if isinstance(value, datetime):
        return for_people(value, zone)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v, zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, zone) for v in value]
    return value


def _write_csv(
    path: Path, rows: Sequence[Mapping[str, object]], columns: Sequence[str], zone: tzinfo
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _plain(v, zone) for k, v in row.items()})
    return path


def _displayed(deployments: Iterable[Deployment], screen: str, at: datetime) -> str | None:
    shown = None
    for d in sorted(deployments, key=lambda d: (d.deployed_at, d.deploy_id)):
        if d.screen_id == screen and d.deployed_at <= at:
            shown = d.version_id
    return shown


def consent_history(conn: Connection, member_id: int) -> list[dict[str, object]]:
    """Each consent decision with the screen and the policy text it displayed then."""
    screens = policy_store.load_screens(conn)
    versions = policy_store.load_versions(conn)
    deployments = policy_store.load_deployments(conn)
    out = []
    for event in consent_store.load_events(conn, member_id=member_id):
        screen = screens.get(event.screen_id)
        shown = _displayed(deployments, event.screen_id, event.occurred_at)
        version = versions.get(shown) if shown else None
        out.append(
            {
                "occurred_at": event.occurred_at,
                "purpose": event.purpose_key,
                "action": event.action.value,
                "screen": event.screen_id,
                "screen_ja": screen.description_ja if screen else "",
                "screen_en": screen.description_en if screen else "",
                "policy_version_shown": shown or "",
                "policy_text_ja": version.text_ja if version else "",
                "policy_text_en": version.text_en if version else "",
                "method": event.method,
            }
        )
    return out


def _feature_rows(desk: Desk, member_id: int) -> int:
    """Rows of the built feature tables that are the member's."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rows = 0
    for path in training_files(desk.workspace.analytics_dir):
        if "features" in path.parts[-3]:
            # ParquetFile skips the dataset layer of read_table (~1 ms a file, per page view).
            with pq.ParquetFile(path) as handle:
                table = handle.read(columns=["member_id"])
            rows += int(pc.sum(pc.equal(table["member_id"], member_id)).as_py() or 0)
    return rows


def _model_uses(desk: Desk, member_id: int) -> dict[str, object]:
    uses: dict[str, object] = {
        "feature_rows": _feature_rows(desk, member_id),
        "purpose": "aggregate hiring-yield forecasts for employers; never a score to anyone",
    }
    if desk.settings.rights_show_own_probability:
        uses["own_probabilities"] = _own_probabilities(desk, member_id)
    return uses


def _own_probabilities(desk: Desk, member_id: int) -> list[dict[str, object]]:
    """The current model's internal probability for each of the member's offers."""
    try:
        import pyarrow.compute as pc

        from fairfollow.model.booster import load_model
        from fairfollow.model.evaluation import scored_offers
        from fairfollow.model.feature_source import read_features

        model = load_model(desk.workspace.models_dir)
        features = read_features(desk.workspace, model.metadata.season).table
        mine = features.filter(pc.equal(features["member_id"], member_id))
        if mine.num_rows == 0:
            return []
        scored = scored_offers(model, mine)
    except ModelError:
        return []
    return [
        {"company_id": int(c), "p_accept": round(float(p), 4)}
        for c, p in zip(scored["company_id"], scored["p_model"], strict=True)
    ]


def member_data(desk: Desk, member_id: int, *, raw_events: bool) -> dict[str, object]:
    """Everything held about the member, as plain values."""
    try:
        rows = member_rows(desk.workspace, member_id, raw_events=raw_events, settings=desk.settings)
        held: dict[str, object] = {
            "profile": rows.profile,
            "attributes_for_fairness_audit_only": rows.attributes,
            "cookies_linked": list(rows.cookies),
            "events_summary": {
                "by_type": rows.events_by_type,
                "first": rows.first_event,
                "last": rows.last_event,
                "partner_site_events": rows.partner_events,
            },
        }
        if raw_events:
            held["events"] = list(rows.events)
    except StoreError:
        held = {"profile": {}, "note": "no analytics store in this workspace"}
    with transaction(desk.engine, "rights disclosure") as conn:
        held["consent_history"] = consent_history(conn, member_id)
        held["intake_matches"] = [m.__dict__ for m in store.intake_matches(conn, member_id)]
        held["provisions"] = [
            p.as_json() for p in provision_store.provisions_for_member(conn, member_id)
        ]
        held["requests"] = [
            {
                "request_id": r.request_id,
                "kind": r.kind.value,
                "status": r.status.value,
                "received_at": r.received_at,
                "due_at": r.due_at,
            }
            for r in store.load_requests(conn, desk.member_ref(member_id))
        ]
    held["model_uses"] = _model_uses(desk, member_id)
    return {"member_id": member_id, **held}


@dataclass(frozen=True)
class HeldCounts:
    """What :func:`member_data` holds about the member, counted where a count is enough."""

    analytics: MemberCounts | None  # None: the workspace has no analytics store
    ledger: LedgerCounts
    feature_rows: int


def held_counts(desk: Desk, member_id: int) -> HeldCounts:
    """The sizes of the parts of :func:`member_data`, for the portal's first page: counts
    from the analytics store and the ledger (no row, consent text or record loaded), the
    ledger's in a read-only transaction."""
    try:
        rows = member_counts(desk.workspace, member_id, settings=desk.settings)
    except StoreError:
        rows = None
    with reading(desk.engine, "member holdings") as conn:
        ledger = store.member_counts(conn, member_id, desk.member_ref(member_id))
    return HeldCounts(rows, ledger, _feature_rows(desk, member_id))


def _folder(desk: Desk, request_id: int) -> Path:
    folder = desk.workspace.request_export(request_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_disclosure(
    desk: Desk, member_id: int, *, at: datetime, raw_events: bool, request_id: int
) -> tuple[Path, ...]:
    """Write the disclosure export (see the module docstring); returns the files."""
    data = member_data(desk, member_id, raw_events=raw_events)
    folder = _folder(desk, request_id)
    zone = _zone(desk)
    payload = {"generated_at": for_people(at, zone), **data}
    files = [folder / "data.json"]
    files[0].write_text(
        json.dumps(_plain(payload, zone), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    profile = {**dict(data["profile"]), **dict(data.get("attributes_for_fairness_audit_only", {}))}  # type: ignore[call-overload]
    files.append(
        _write_csv(
            folder / "profile.csv",
            [{"field": k, "value": v} for k, v in profile.items()],
            ["field", "value"],
            zone,
        )
    )
    history: list[dict[str, object]] = data["consent_history"]  # type: ignore[assignment]
    files.append(
        _write_csv(
            folder / "consent_history.csv",
            history,
            list(history[0]) if history else ["occurred_at"],
            zone,
        )
    )
    summary = data.get("events_summary", {})
    by_type = summary.get("by_type", {}) if isinstance(summary, dict) else {}
    files.append(
        _write_csv(
            folder / "events_summary.csv",
            [{"event_type": k, "events": v} for k, v in by_type.items()],
            ["event_type", "events"],
            zone,
        )
    )
    if raw_events:
        events: list[dict[str, object]] = data.get("events", [])  # type: ignore[assignment]
        files.append(
            _write_csv(
                folder / "events.csv", events, list(events[0]) if events else ["event_id"], zone
            )
        )
    matches: list[dict[str, object]] = data["intake_matches"]  # type: ignore[assignment]
    files.append(
        _write_csv(
            folder / "intake_matches.csv",
            matches,
            [
                "intake_id",
                "employer",
                "season",
                "received_at",
                "line",
                "offer_date",
                "status",
                "reason",
            ],
            zone,
        )
    )
    provisions: list[dict[str, object]] = data["provisions"]  # type: ignore[assignment]
    files.append(
        _write_csv(
            folder / "provisions.csv",
            provisions,
            [
                "provision_id",
                "decision_id",
                "recipient",
                "items",
                "consent_basis",
                "provided_at",
                "retain_until",
            ],
            zone,
        )
    )
    return tuple(files)


def export_provisions(
    desk: Desk, member_id: int, *, at: datetime, request_id: int
) -> tuple[Path, ...]:
    """Write the provision records and a proof per release (see the module docstring)."""
    folder = _folder(desk, request_id)
    publisher = desk.log_publisher
    entries: list[dict[str, JsonValue]] = []
    files: list[Path] = []
    with transaction(desk.engine, "rights provision records") as conn:
        provided = provision_store.provisions_for_member(conn, member_id)
        by_decision = {p.decision_id: p for p in provided}
        intake_ids = {m.intake_id for m in store.intake_matches(conn, member_id)}
        releases = {d: (e, a) for d, e, a in store.releases_of_intakes(conn, intake_ids)}
        for p in provided:
            releases.setdefault(p.decision_id, (p.recipient, p.provided_at))
        for decision_id, (employer, released_at) in sorted(releases.items()):
            record = by_decision.get(decision_id)
            release: dict[str, JsonValue] = {
                "decision_id": decision_id,
                "recipient": employer,
                # Signed into the member's receipt: JST, whatever the display zone.
                "provided_at": in_jst(released_at),
            }
            if record is not None:
                release.update(
                    items=record.items,
                    consent_basis=record.consent_basis,
                    provision_id=record.provision_id,
                )
            receipt = member_receipt(conn, member_id, decision_id, release, publisher, at)
            path = folder / receipt.file_name
            path.write_text(receipt.text, encoding="utf-8")
            files.append(path)
            entries.append(
                {
                    **release,
                    "included": receipt.included,
                    "proof_file": path.name,
                    "log_index": receipt.log_index,
                }
            )
    summary = folder / "provisions.json"
    summary.write_text(
        json.dumps(
            {
                "generated_at": in_jst(at),
                "member_id": member_id,
                "releases": entries,
                "verify_with": VERIFY_HINT,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return (summary, *files)


def disclosure_document(
    desk: Desk, member_id: int, at: datetime, *, raw_events: bool = False
) -> str:
    """The disclosure export's ``data.json`` as text, for a download that writes no file."""
    zone = _zone(desk)
    held = member_data(desk, member_id, raw_events=raw_events)
    payload = {"generated_at": for_people(at, zone), **held}
    return json.dumps(_plain(payload, zone), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
