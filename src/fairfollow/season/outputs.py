"""The simulator's files that take no random draws, one builder per file (formats in
``docs/season-format.md``): both seasons' accumulated parts, joined once, in; one file's
columns out. :mod:`fairfollow.season.writer` writes them beside the drawn ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from fairfollow.season import policy_history as consent_history
from fairfollow.season.calendar import iso_jst
from fairfollow.season.config import SimulationConfig
from fairfollow.season.files import iso_jst_array
from fairfollow.season.population import GENDERS, INDUSTRIES, REGIONS, Companies

Columns = dict[str, object]


@dataclass
class SeasonParts:
    """What a season's chunks accumulate for the files written at the end."""

    members: list[pd.DataFrame] = field(default_factory=list)
    consent: list[consent_history.ConsentLog] = field(default_factory=list)
    truth_consent: list[pd.DataFrame] = field(default_factory=list)
    offers: list[pd.DataFrame] = field(default_factory=list)
    applicants: list[pd.DataFrame] = field(default_factory=list)
    cookie_links: list[pd.DataFrame] = field(default_factory=list)
    dirt: list[pd.DataFrame] = field(default_factory=list)
    events: int = 0
    partner_events: int = 0


@dataclass(frozen=True)
class JoinedSeasons:
    """Both seasons' parts, with the frames several files read joined once."""

    config: SimulationConfig
    companies: Companies
    seasons: dict[int, SeasonParts]
    members: pd.DataFrame
    offers: pd.DataFrame  # with offer ids and timestamps, as truth/offers.parquet has them
    consent_truth: pd.DataFrame  # as truth/consent.parquet has it

    @classmethod
    def join(
        cls, config: SimulationConfig, companies: Companies, seasons: dict[int, SeasonParts]
    ) -> JoinedSeasons:
        members = pd.concat([m for s in seasons.values() for m in s.members], ignore_index=True)
        return cls(
            config, companies, seasons, members, _offers(seasons), _consent(seasons, members)
        )


def _offers(seasons: dict[int, SeasonParts]) -> pd.DataFrame:
    offers = pd.concat([o for s in seasons.values() for o in s.offers], ignore_index=True)
    offers.insert(0, "offer_id", np.arange(1, len(offers) + 1, dtype=np.int64))
    for column in ("offered_at", "responded_at"):
        offers[column] = pd.to_datetime(offers[column], unit="ms", utc=True)
    return offers


def _consent(seasons: dict[int, SeasonParts], members: pd.DataFrame) -> pd.DataFrame:
    truth = pd.concat([t for s in seasons.values() for t in s.truth_consent], ignore_index=True)
    season_of = members.set_index("member_id")["season"]
    return pd.DataFrame(
        {
            "member_id": truth["member_id"].to_numpy(),
            "season": season_of.loc[truth["member_id"]].to_numpy(),
            "purpose_key": np.array(consent_history.PURPOSE_KEYS)[truth["purpose"]],
            "valid": truth["reason"].to_numpy() == 0,
            "reason": np.array(consent_history.REASONS)[truth["reason"]],
            "defect": np.array(["", "a", "b"])[truth["defect"]],
        }
    )


def industries(_: JoinedSeasons) -> Columns:
    return {
        "industry_id": np.arange(1, len(INDUSTRIES) + 1),
        "name_ja": [i[0] for i in INDUSTRIES],
        "name_en": [i[1] for i in INDUSTRIES],
    }


def companies(joined: JoinedSeasons) -> Columns:
    c = joined.companies
    return {
        "company_id": c.company_id,
        "name": [
            f"株式会社{INDUSTRIES[i][0].split('（')[0]}{company:04d}"
            for company, i in zip(c.company_id, c.industry, strict=True)
        ],
        "industry_id": c.industry + 1,
        "is_client": c.is_client.astype(int),
        "client_active": c.client_active.astype(int),
    }


def members(joined: JoinedSeasons) -> Columns:
    m = joined.members
    identity = (
        "member_id",
        "season",
        "name_kanji",
        "name_kana",
        "email",
        "birth_date",
        "university",
    )
    return {
        **{c: m[c].to_numpy() for c in identity},
        "registered_at": iso_jst_array(m["registered_at"].to_numpy()),
        "registration_screen": np.array(consent_history.SCREEN_IDS)[
            m["registration_screen"].to_numpy()
        ],
    }


def member_attributes(joined: JoinedSeasons) -> Columns:
    m = joined.members
    return {
        "member_id": m["member_id"].to_numpy(),
        "gender": np.array(GENDERS)[m["gender"].to_numpy()],
        "university_tier": m["university_tier"].to_numpy(),
        "region": np.array(REGIONS)[m["region"].to_numpy()],
    }


def cookie_links(joined: JoinedSeasons) -> Columns:
    parts = [c for s in joined.seasons.values() for c in s.cookie_links]
    links = pd.concat(parts, ignore_index=True)
    return {c: links[c].to_numpy() for c in links.columns}


def partner_sources(joined: JoinedSeasons) -> Columns:
    # Defect (c): the partner collected its cookies for advertising only.
    defects = joined.config.defects
    purposes = "ad_delivery" if "c" in defects else "ad_delivery;employer_forecast"
    return {
        "partner_id": ["partner_a"],
        "name": ["就活クチコミ提携サイト"],
        "stated_purposes": [purposes],
    }


def screens(_: JoinedSeasons) -> Columns:
    keys = ("screen_id", "channel", "description_ja", "description_en")
    return {k: [s[i] for s in consent_history.SCREENS] for i, k in enumerate(keys)}


def deployments(joined: JoinedSeasons) -> Columns:
    deploys = consent_history.deployments(joined.config.defects)
    return {
        "deploy_id": np.arange(1, len(deploys) + 1),
        "screen_id": [d[0] for d in deploys],
        "version_id": [d[1] for d in deploys],
        "deployed_at": [iso_jst(d[2]) for d in deploys],
    }


def policies(_: JoinedSeasons) -> object:
    document = consent_history.policies_document()
    for version in document["versions"]:  # type: ignore[attr-defined]
        version["published_at"] = iso_jst(version["published_at"])
    return document


def consent_events(joined: JoinedSeasons) -> pa.Table:
    """Both seasons' consent events, numbered in one sequence (before any garbling)."""
    consent = pa.concat_tables([_consent_events(s) for s in joined.seasons.values()])
    ids = np.arange(1, consent.num_rows + 1).astype(str)
    return consent.set_column(0, "consent_event_id", pa.array(ids))


def _consent_events(parts: SeasonParts) -> pa.Table:
    log = consent_history.ConsentLog(
        *(
            np.concatenate([getattr(c, f) for c in parts.consent])
            for f in consent_history.ConsentLog.__dataclass_fields__
        )
    )
    order = np.lexsort((log.member, log.at))
    ids = np.arange(1, order.size + 1)
    return pa.table(
        {
            "consent_event_id": ids.astype(str),
            "member_id": log.member[order].astype(str),
            "purpose_key": np.array(consent_history.PURPOSE_KEYS)[log.purpose[order]],
            "action": np.array(consent_history.ACTIONS)[log.action[order]],
            "screen_id": np.array(consent_history.SCREEN_IDS)[log.screen[order]],
            "version_recorded": np.char.add("v", log.version[order].astype(str)),
            "occurred_at": iso_jst_array(log.at[order]),
            "method": np.array(consent_history.METHODS)[log.method[order]],
        }
    )


def truth_offers(joined: JoinedSeasons) -> pa.Table:
    return pa.Table.from_pandas(joined.offers, preserve_index=False)


def truth_consent(joined: JoinedSeasons) -> pa.Table:
    return pa.Table.from_pandas(joined.consent_truth, preserve_index=False)


def truth_members(joined: JoinedSeasons) -> pa.Table:
    m = joined.members
    frame = pd.DataFrame(
        {
            "member_id": m["member_id"],
            "season": m["season"],
            "intensity": m["intensity"],
            "gender": np.array(GENDERS)[m["gender"].to_numpy()],
            "university_tier": m["university_tier"],
            "region": np.array(REGIONS)[m["region"].to_numpy()],
            "top_industry": m["top_industry"],
        }
    )
    return pa.Table.from_pandas(frame, preserve_index=False)


# Path under the output directory, and its builder.
CSV_FILES: tuple[tuple[str, Callable[[JoinedSeasons], Columns]], ...] = (
    ("raw/industries.csv", industries),
    ("raw/companies.csv", companies),
    ("raw/members.csv", members),
    ("raw/member_attributes.csv", member_attributes),
    ("raw/cookie_links.csv", cookie_links),
    ("raw/partner_sources.csv", partner_sources),
    ("raw/screens.csv", screens),
    ("raw/deployments.csv", deployments),
)
JSON_FILES: tuple[tuple[str, Callable[[JoinedSeasons], object]], ...] = (
    ("raw/policies.json", policies),
)
PARQUET_FILES: tuple[tuple[str, Callable[[JoinedSeasons], pa.Table]], ...] = (
    ("truth/offers.parquet", truth_offers),
    ("truth/consent.parquet", truth_consent),
    ("truth/members.parquet", truth_members),
)
