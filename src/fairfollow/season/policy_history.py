"""The site's privacy-policy history, its screens and deployments, and members' consent.

Reproduces the 2019 case when asked: with defect (a) the entry-form registration screen keeps
displaying policy v1 after v2 goes live, while the consent service records v2 (it believed
v2 was shown: nobody could tell); with defect (b) members who registered before the revision
are never asked again. The ground truth of validity is derived here from what happened, not
from the ledger's logic, so the ledger can be checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fairfollow.season.calendar import DAY_MS, POLICY_V1_AT, POLICY_V2_AT, SeasonCalendar

FORECAST_PURPOSE = "employer_forecast"


@dataclass(frozen=True)
class Purpose:
    key: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    output: str
    recipient_class: str
    dpv_term: str


PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        "platform_service",
        "就職情報サービスの提供",
        "Job-information service",
        "求人情報の提供、エントリー、セミナー予約の受付のため",
        "To show job information and handle entries and seminar bookings",
        "listings and notices to the member",
        "member",
        "dpv:ServiceProvision",
    ),
    Purpose(
        "ad_delivery",
        "広告配信",
        "Advertising",
        "当社および提携サイトでの閲覧履歴に基づく広告配信のため",
        "To deliver advertising based on browsing on this site and partner sites",
        "advertisements shown to the member",
        "member",
        "dpv:Advertising",
    ),
    Purpose(
        "statistics",
        "統計・サービス改善",
        "Statistics and service improvement",
        "個人を特定しない統計の作成とサービス改善のため",
        "To compile statistics that identify no one and improve the service",
        "internal aggregate statistics",
        "platform",
        "dpv:ServiceOptimisation",
    ),
    Purpose(
        FORECAST_PURPOSE,
        "採用企業への内定承諾数予測の提供",
        "Offer-acceptance forecasts for employers",
        "閲覧・エントリー履歴から、応募先企業の内定者全体のうち何人が承諾するかを予測し、"
        "差分プライバシーのノイズを加えた集計値として企業に提供するため。"
        "個人についての評価・スコアは提供しません。",
        "To forecast, from browsing and entries, how many of an employer's offers will be "
        "accepted, and give the employer that aggregate with differential-privacy noise. "
        "No evaluation or score about any person is given.",
        "aggregate forecast with noise (counts and intervals)",
        "client employer",
        "dpv:CommercialResearch",
    ),
)
PURPOSE_KEYS = tuple(p.key for p in PURPOSES)
V1_PURPOSES = ("platform_service", "ad_delivery", "statistics")
V2_PURPOSES = (*V1_PURPOSES, FORECAST_PURPOSE)

SCREENS: tuple[tuple[str, str, str, str], ...] = (
    ("pc_registration", "pc_web", "PC版 会員登録画面", "PC web member registration"),
    (
        "sp_registration",
        "smartphone_web",
        "スマートフォン版 会員登録画面",
        "Smartphone web member registration",
    ),
    ("app_registration", "app", "アプリ 会員登録画面", "App member registration"),
    (
        "preseason_registration",
        "preseason_site",
        "プレサイト 会員登録画面",
        "Pre-season site member registration",
    ),
    (
        "entry_form",
        "entry_form",
        "エントリーフォーム内 会員登録",
        "Registration inside an entry form",
    ),
    (
        "settings_page",
        "settings",
        "設定画面（同意の確認・変更）",
        "Settings page (review and change consent)",
    ),
)
SCREEN_IDS = tuple(s[0] for s in SCREENS)
MAIN_SCREENS = np.array([0, 1, 2, 4])  # pc, sp, app, entry_form
MAIN_SCREEN_WEIGHTS = np.array([0.26, 0.46, 0.23, 0.05])
LAGGING_SCREEN = SCREEN_IDS.index("entry_form")  # the screen defect (a) leaves on v1
SETTINGS = SCREEN_IDS.index("settings_page")
PRESEASON = SCREEN_IDS.index("preseason_registration")

ACTIONS = ("grant", "refuse", "withdraw")
METHODS = ("registration_checkbox", "reconsent_dialog", "settings_toggle")
REASONS = ("valid", "never_asked", "refused", "withdrawn", "stale_screen_version")


def policies_document() -> dict[str, object]:
    """``raw/policies.json``: the purposes and the two policy versions."""
    return {
        "purposes": [p.__dict__ for p in PURPOSES],
        "versions": [
            {
                "version_id": "v1",
                "published_at": POLICY_V1_AT,
                "purposes": list(V1_PURPOSES),
                "text_ja": "個人情報の取扱いについて（2018年3月版）",
                "text_en": "Privacy policy (March 2018)",
                "material_changes": [],
            },
            {
                "version_id": "v2",
                "published_at": POLICY_V2_AT,
                "purposes": list(V2_PURPOSES),
                "text_ja": "個人情報の取扱いについて（2019年3月改定）：採用企業への予測提供を追加",
                "text_en": "Privacy policy (revised March 2019): adds forecasts for employers",
                "material_changes": [
                    {"purpose": FORECAST_PURPOSE, "change": "added", "material": True}
                ],
            },
        ],
    }


def deployments(defects: frozenset[str]) -> list[tuple[str, str, int]]:
    """The deploy log: (screen, version, from instant). Defect (a) skips one screen's update."""
    log = [(screen, "v1", POLICY_V1_AT) for screen in SCREEN_IDS]
    for index, screen in enumerate(SCREEN_IDS):
        if "a" in defects and index == LAGGING_SCREEN:
            continue
        log.append((screen, "v2", POLICY_V2_AT))
    return log


def registrations(
    rng: np.random.Generator, n: int, calendar: SeasonCalendar
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Registration instant and screen index of each student of a chunk."""
    screen = MAIN_SCREENS[rng.choice(MAIN_SCREENS.size, size=n, p=MAIN_SCREEN_WEIGHTS)]
    at = calendar.main_open + (rng.exponential(15.0, n) * DAY_MS).astype(np.int64)
    # The site opens at midnight: a rush registers at the very instant v2 goes live.
    at[rng.random(n) < 0.003] = calendar.main_open
    if calendar.registration_from < calendar.main_open:
        early = rng.random(n) < 0.04
        span = calendar.main_open - calendar.registration_from
        at[early] = calendar.registration_from + (rng.random(early.sum()) * span).astype(np.int64)
        screen[early] = PRESEASON
    return np.minimum(at, calendar.offers_from - DAY_MS), screen.astype(np.int64)


@dataclass(frozen=True)
class ConsentLog:
    """Consent events of a chunk (purpose, action, screen and method as indices)."""

    member: NDArray[np.int64]
    purpose: NDArray[np.int64]
    action: NDArray[np.int64]
    screen: NDArray[np.int64]
    version: NDArray[np.int64]  # 1 or 2: the version the consent service recorded
    at: NDArray[np.int64]
    method: NDArray[np.int64]


def consent_events(
    rng: np.random.Generator,
    member_id: NDArray[np.int64],
    registered_at: NDArray[np.int64],
    screen: NDArray[np.int64],
    calendar: SeasonCalendar,
    defects: frozenset[str],
) -> ConsentLog:
    parts: list[tuple[NDArray[np.int64], ...]] = []
    n = member_id.size
    recorded = np.where(registered_at >= POLICY_V2_AT, 2, 1)
    for index, key in enumerate(PURPOSE_KEYS):
        offered = recorded == 2 if key == FORECAST_PURPOSE else np.ones(n, dtype=bool)
        refuse_rate = {"ad_delivery": 0.15, FORECAST_PURPOSE: 0.02}.get(key, 0.0)
        action = (rng.random(n) < refuse_rate).astype(np.int64)
        who = np.flatnonzero(offered)
        parts.append(
            (
                who,
                np.full(who.size, index),
                action[who],
                screen[who],
                recorded[who],
                registered_at[who],
                np.zeros(who.size, dtype=np.int64),
            )
        )
    if calendar.is_current and "b" not in defects:
        # Members who registered under v1 are asked again at their first visit after v2.
        before = np.flatnonzero((registered_at < POLICY_V2_AT) & (rng.random(n) < 0.95))
        at = POLICY_V2_AT + (rng.exponential(7.0, before.size) * DAY_MS).astype(np.int64)
        keep = at < calendar.forecast_date
        before, at = before[keep], at[keep]
        action = (rng.random(before.size) < 0.10).astype(np.int64)
        parts.append(
            (
                before,
                np.full(before.size, PURPOSE_KEYS.index(FORECAST_PURPOSE)),
                action,
                np.full(before.size, SETTINGS),
                np.full(before.size, 2),
                at,
                np.ones(before.size, dtype=np.int64),
            )
        )
    log = ConsentLog(*(np.concatenate([p[i] for p in parts]).astype(np.int64) for i in range(7)))
    if calendar.is_current:
        log = _withdrawals(rng, log, calendar)
    return ConsentLog(
        member_id[log.member], log.purpose, log.action, log.screen, log.version, log.at, log.method
    )


def _withdrawals(rng: np.random.Generator, log: ConsentLog, calendar: SeasonCalendar) -> ConsentLog:
    """Some members withdraw a grant later on the settings page (before the forecast date)."""
    order = np.lexsort((log.at, log.purpose, log.member))
    last = np.ones(order.size, dtype=bool)
    same = (log.member[order][1:] == log.member[order][:-1]) & (
        log.purpose[order][1:] == log.purpose[order][:-1]
    )
    last[:-1] = ~same
    latest = order[last]
    granted = latest[log.action[latest] == 0]
    rate = np.where(log.purpose[granted] == PURPOSE_KEYS.index("ad_delivery"), 0.02, 0.01)
    rate[log.purpose[granted] == PURPOSE_KEYS.index("platform_service")] = 0.0
    out = granted[rng.random(granted.size) < rate]
    at = log.at[out] + (rng.random(out.size) * (calendar.forecast_date - log.at[out])).astype(
        np.int64
    )
    return ConsentLog(
        np.concatenate([log.member, log.member[out]]),
        np.concatenate([log.purpose, log.purpose[out]]),
        np.concatenate([log.action, np.full(out.size, 2)]),
        np.concatenate([log.screen, np.full(out.size, SETTINGS)]),
        np.concatenate([log.version, np.full(out.size, 2)]),
        np.concatenate([log.at, np.maximum(at, log.at[out] + 1000)]),
        np.concatenate([log.method, np.full(out.size, 2)]),
    )


def displayed_version(
    screen: NDArray[np.int64], at: NDArray[np.int64], defects: frozenset[str]
) -> NDArray[np.int64]:
    """The version a screen really displayed at an instant (a deployment applies from its
    own instant on)."""
    v2 = at >= POLICY_V2_AT
    if "a" in defects:
        v2 &= screen != LAGGING_SCREEN
    return np.where(v2, 2, 1)


@dataclass(frozen=True)
class ConsentTruth:
    member: NDArray[np.int64]
    purpose: NDArray[np.int64]
    reason: NDArray[np.int64]  # index into REASONS
    defect: NDArray[np.int64]  # 0 none, 1 'a', 2 'b'


def consent_truth(
    member_id: NDArray[np.int64],
    registered_at: NDArray[np.int64],
    log: ConsentLog,
    as_of: int,
    is_current: bool,
    defects: frozenset[str],
) -> ConsentTruth:
    """Validity of every (member, purpose) at ``as_of``, explained."""
    n, k = member_id.size, len(PURPOSE_KEYS)
    member_index = np.searchsorted(member_id, log.member)
    before = log.at < as_of
    order = np.lexsort((log.at, log.purpose, member_index))
    order = order[before[order]]
    cell = member_index[order] * k + log.purpose[order]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = cell[1:] != cell[:-1]
    latest = order[last]
    reason = np.full(n * k, REASONS.index("never_asked"), dtype=np.int64)
    action = log.action[latest]
    shown = displayed_version(log.screen[latest], log.at[latest], defects)
    covered = (shown == 2) | (log.purpose[latest] != PURPOSE_KEYS.index(FORECAST_PURPOSE))
    cell_reason = np.select(
        [action == 1, action == 2, ~covered],
        [
            REASONS.index("refused"),
            REASONS.index("withdrawn"),
            REASONS.index("stale_screen_version"),
        ],
        REASONS.index("valid"),
    )
    reason[member_index[latest] * k + log.purpose[latest]] = cell_reason
    defect = np.zeros(n * k, dtype=np.int64)
    defect[reason == REASONS.index("stale_screen_version")] = 1
    if is_current and "b" in defects:
        forecast_cells = np.arange(n) * k + PURPOSE_KEYS.index(FORECAST_PURPOSE)
        pre = forecast_cells[
            (registered_at < POLICY_V2_AT)
            & (reason[forecast_cells] == REASONS.index("never_asked"))
        ]
        defect[pre] = 2
    return ConsentTruth(np.repeat(member_id, k), np.tile(np.arange(k), n), reason, defect)
