"""A tiny hand-made consent history, as files and as ledger rows (not a test module).

Two versions (v2 adds ``employer_forecast`` as a material change), three screens, and a
deploy log where ``entry_form`` never gets v2: the 2019 case in miniature. Times are
written in JST (+09:00), as the site logs them.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.engine import Connection

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
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from tests.actors import as_actor

JST = timezone(timedelta(hours=9))
V1_AT = datetime(2018, 3, 1, tzinfo=JST)
V2_AT = datetime(2019, 3, 1, tzinfo=JST)
AS_OF = datetime(2019, 7, 15, tzinfo=JST)
FORECAST = "employer_forecast"

PURPOSES = (
    Purpose(
        "platform_service",
        "就職情報サービスの提供",
        "Job-information service",
        "求人情報の提供のため",
        "To show job information",
        "listings shown to the member",
        "member",
        "dpv:ServiceProvision",
    ),
    Purpose(
        FORECAST,
        "採用企業への内定承諾数予測の提供",
        "Offer-acceptance forecasts for employers",
        "内定承諾数の集計予測を企業に提供するため",
        "To give employers an aggregate forecast of accepted offers",
        "aggregate forecast with noise",
        "client employer",
        "dpv:SellInsightsFromData",
    ),
)
VERSIONS = (
    PolicyVersion("v1", V1_AT, frozenset({"platform_service"}), "第1版", "Version 1"),
    PolicyVersion(
        "v2",
        V2_AT,
        frozenset({"platform_service", FORECAST}),
        "第2版",
        "Version 2",
        frozenset({FORECAST}),
    ),
)
SCREENS = (
    Screen("pc_registration", "pc_web", "PC版 会員登録画面", "PC registration"),
    Screen("entry_form", "entry_form", "エントリーフォーム", "Entry form"),
    Screen("settings_page", "settings", "設定画面", "Settings"),
)
DEPLOYMENTS = (
    Deployment(1, "pc_registration", "v1", V1_AT),
    Deployment(2, "entry_form", "v1", V1_AT),
    Deployment(3, "settings_page", "v1", V1_AT),
    Deployment(4, "pc_registration", "v2", V2_AT),
    Deployment(5, "settings_page", "v2", V2_AT),
)


def at(days: float, base: datetime = V2_AT) -> datetime:
    return base + timedelta(days=days)


# member → what happened to them (the expected verdict for FORECAST at AS_OF):
#   1 valid: granted on pc_registration after v2
#   2 stale_screen_version: granted on entry_form (still v1) after v2
#   3 withdrawn: granted, then withdrew on settings
#   4 never_asked: registered before v2, never asked again
#   5 refused
#   6 valid: granted at the very instant v2 was deployed (a deployment at t applies at t)
EVENTS = (
    ConsentEvent(1, 1, FORECAST, ConsentAction.GRANT, "pc_registration", "v2", at(3), "checkbox"),
    ConsentEvent(2, 2, FORECAST, ConsentAction.GRANT, "entry_form", "v2", at(4), "checkbox"),
    ConsentEvent(3, 3, FORECAST, ConsentAction.GRANT, "pc_registration", "v2", at(5), "checkbox"),
    ConsentEvent(4, 3, FORECAST, ConsentAction.WITHDRAW, "settings_page", "v2", at(9), "toggle"),
    ConsentEvent(5, 5, FORECAST, ConsentAction.REFUSE, "pc_registration", "v2", at(6), "checkbox"),
    ConsentEvent(6, 6, FORECAST, ConsentAction.GRANT, "pc_registration", "v2", at(0), "checkbox"),
    ConsentEvent(
        7,
        4,
        "platform_service",
        ConsentAction.GRANT,
        "pc_registration",
        "v1",
        at(10, V1_AT),
        "checkbox",
    ),
)
MEMBERS = tuple(
    consent_store.Member(m, at(-30) if m == 4 else at(0), "pc_registration", 2020)
    for m in range(1, 7)
)
EXPECTED = {
    1: "valid",
    2: "stale_screen_version",
    3: "withdrawn",
    4: "never_asked",
    5: "refused",
    6: "valid",
}


def load_ledger(conn: Connection) -> None:
    """The history above, straight into the ledger (v1 then v2 activated; v2 forced)."""
    policy_store.add_purposes(conn, PURPOSES)
    policy_store.add_screens(conn, SCREENS)
    for version in VERSIONS:
        policy_store.add_version(conn, version, at=version.effective_at, actor=as_actor("test"))
        policy_store.set_status(
            conn,
            StatusEvent(
                version.version_id, PolicyStatus.APPROVED, version.effective_at, as_actor("t")
            ),
        )
    policy_store.add_deployments(conn, DEPLOYMENTS)
    activation_store.activate(conn, "v1", at=V1_AT, actor=as_actor("test"))
    activation_store.activate(
        conn, "v2", at=V2_AT, actor=as_actor("test"), force=True, reason="replaying 2019"
    )
    consent_store.add_members(conn, MEMBERS)
    consent_store.add_events(conn, EVENTS)


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(header)
        writer.writerows(rows)


def write_season(root: Path, *, dirt: bool = True) -> Path:
    """The same history as season files (docs/season-format.md), with one dirty row of each
    reason code when ``dirt``; returns the season directory."""
    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    policies = {
        "purposes": [p.__dict__ for p in PURPOSES],
        "versions": [
            {
                "version_id": v.version_id,
                "published_at": v.effective_at.isoformat(),
                "purposes": sorted(v.purposes),
                "text_ja": v.text_ja,
                "text_en": v.text_en,
                "material_changes": [
                    {"purpose": k, "change": "added", "material": True}
                    for k in sorted(v.material_changes)
                ],
            }
            for v in VERSIONS
        ],
    }
    (raw / "policies.json").write_text(json.dumps(policies, ensure_ascii=False), "utf-8")
    _csv(
        raw / "screens.csv",
        ["screen_id", "channel", "description_ja", "description_en"],
        [[s.screen_id, s.channel, s.description_ja, s.description_en] for s in SCREENS],
    )
    _csv(
        raw / "deployments.csv",
        ["deploy_id", "screen_id", "version_id", "deployed_at"],
        [[d.deploy_id, d.screen_id, d.version_id, d.deployed_at.isoformat()] for d in DEPLOYMENTS],
    )
    _csv(
        raw / "members.csv",
        ["member_id", "season", "name_kanji", "registered_at", "registration_screen"],
        [
            [
                m.member_id,
                m.season,
                "山田 太郎",
                m.registered_at.astimezone(JST).isoformat(),
                m.registration_screen,
            ]
            for m in MEMBERS
        ],
    )
    rows: list[list[object]] = [
        [
            str(e.event_id),
            str(e.member_id),
            e.purpose_key,
            e.action.value,
            e.screen_id,
            e.version_recorded,
            e.occurred_at.astimezone(JST).isoformat(),
            e.method,
        ]
        for e in EVENTS
    ]
    if dirt:  # rows 7..10: one of each injected reason code, in the contract's order
        rows += [
            [
                "101",
                "1",
                FORECAST,
                "grant",
                "pc_registration",
                "v2",
                "2019-02-30T25:61:00+09:00",
                "checkbox",
            ],
            [
                "102",
                "999999",
                FORECAST,
                "grant",
                "pc_registration",
                "v2",
                "2019-03-05T10:00:00+09:00",
                "checkbox",
            ],
            [
                "103",
                "1",
                "employer_forcast",
                "grant",
                "pc_registration",
                "v2",
                "2019-03-05T10:00:00+09:00",
                "checkbox",
            ],
            [
                "104",
                "1",
                FORECAST,
                "grnat",
                "pc_registration",
                "v2",
                "2019-03-05T10:00:00+09:00",
                "checkbox",
            ],
        ]
    _csv(
        raw / "consent_events.csv",
        [
            "consent_event_id",
            "member_id",
            "purpose_key",
            "action",
            "screen_id",
            "version_recorded",
            "occurred_at",
            "method",
        ],
        rows,
    )
    return root


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
