"""Writes a simulated season's files (``docs/season-format.md``) from the parts its chunks
accumulated, and measures the calibration targets on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from fairfollow.season import calibration
from fairfollow.season import dirt as log_dirt
from fairfollow.season import policy_history as consent_history
from fairfollow.season.calendar import CURRENT, PREVIOUS, SEASONS, iso_jst
from fairfollow.season.employer_export import write_employer_files
from fairfollow.season.files import (
    file_hashes,
    iso_jst_array,
    write_csv,
    write_json,
    write_parquet,
)
from fairfollow.season.population import (
    GENDERS,
    INDUSTRIES,
    N_ACTIVE_CLIENTS,
    N_CLIENTS,
    REGIONS,
    Companies,
)

if TYPE_CHECKING:
    from fairfollow.season.simulator import SimulationConfig

GENERATOR_VERSION = "fairfollow-sim/1"


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
class WrittenSeason:
    offers: dict[int, int]
    acceptances: dict[int, int]
    log_dirt_rows: int
    employer_files: int
    calibration: list[calibration.Measurement]


def _consent_table(acc: SeasonParts) -> pa.Table:
    log = consent_history.ConsentLog(
        *(
            np.concatenate([getattr(c, f) for c in acc.consent])
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


def write_season(
    config: SimulationConfig,
    companies: Companies,
    seasons: dict[int, SeasonParts],
    tally: calibration.SeasonTally,
) -> WrittenSeason:
    out, raw, truth = config.out, config.out / "raw", config.out / "truth"
    rng = np.random.default_rng([config.seed, 1])
    write_csv(
        raw / "industries.csv",
        {
            "industry_id": np.arange(1, len(INDUSTRIES) + 1),
            "name_ja": [i[0] for i in INDUSTRIES],
            "name_en": [i[1] for i in INDUSTRIES],
        },
    )
    write_csv(
        raw / "companies.csv",
        {
            "company_id": companies.company_id,
            "name": [
                f"株式会社{INDUSTRIES[i][0].split('（')[0]}{c:04d}"
                for c, i in zip(companies.company_id, companies.industry, strict=True)
            ],
            "industry_id": companies.industry + 1,
            "is_client": companies.is_client.astype(int),
            "client_active": companies.client_active.astype(int),
        },
    )
    members = pd.concat([m for s in seasons.values() for m in s.members], ignore_index=True)
    write_csv(
        raw / "members.csv",
        {
            **{
                c: members[c].to_numpy()
                for c in (
                    "member_id",
                    "season",
                    "name_kanji",
                    "name_kana",
                    "email",
                    "birth_date",
                    "university",
                )
            },
            "registered_at": iso_jst_array(members["registered_at"].to_numpy()),
            "registration_screen": np.array(consent_history.SCREEN_IDS)[
                members["registration_screen"].to_numpy()
            ],
        },
    )
    write_csv(
        raw / "member_attributes.csv",
        {
            "member_id": members["member_id"].to_numpy(),
            "gender": np.array(GENDERS)[members["gender"].to_numpy()],
            "university_tier": members["university_tier"].to_numpy(),
            "region": np.array(REGIONS)[members["region"].to_numpy()],
        },
    )
    links = pd.concat([c for s in seasons.values() for c in s.cookie_links], ignore_index=True)
    write_csv(raw / "cookie_links.csv", {c: links[c].to_numpy() for c in links.columns})
    purposes = "ad_delivery" if "c" in config.defects else "ad_delivery;employer_forecast"
    write_csv(
        raw / "partner_sources.csv",
        {
            "partner_id": ["partner_a"],
            "name": ["就活クチコミ提携サイト"],
            "stated_purposes": [purposes],
        },
    )
    document = consent_history.policies_document()
    for version in document["versions"]:  # type: ignore[attr-defined]
        version["published_at"] = iso_jst(version["published_at"])
    write_json(raw / "policies.json", document)
    write_csv(
        raw / "screens.csv",
        {
            k: [s[i] for s in consent_history.SCREENS]
            for i, k in enumerate(("screen_id", "channel", "description_ja", "description_en"))
        },
    )
    deploys = consent_history.deployments(config.defects)
    write_csv(
        raw / "deployments.csv",
        {
            "deploy_id": np.arange(1, len(deploys) + 1),
            "screen_id": [d[0] for d in deploys],
            "version_id": [d[1] for d in deploys],
            "deployed_at": [iso_jst(d[2]) for d in deploys],
        },
    )
    consent = pa.concat_tables([_consent_table(s) for s in seasons.values()])
    consent = consent.set_column(
        0, "consent_event_id", pa.array(np.arange(1, consent.num_rows + 1).astype(str))
    )
    consent, dirty, reasons = log_dirt.garbled_consent_rows(rng, consent, config.log_dirt_rate)
    write_csv(raw / "consent_events.csv", consent)
    dirt = pd.concat(
        [d for s in seasons.values() for d in s.dirt]
        + [pd.DataFrame({"file": "consent_events.csv", "row": dirty, "reason": reasons})],
        ignore_index=True,
    )
    write_parquet(truth / "log_dirt.parquet", pa.Table.from_pandas(dirt, preserve_index=False))

    employer_files, employer_dirt, survey = 0, [], []
    for calendar in SEASONS:
        applicants = pd.concat(seasons[calendar.season].applicants, ignore_index=True)
        files, season_dirt, links_e = write_employer_files(
            rng,
            applicants,
            calendar.season,
            calendar is PREVIOUS,
            out / "employers" / f"season={calendar.season}",
            config.defects,
            config.dirt_rate,
        )
        employer_files += len(files)
        employer_dirt += season_dirt
        survey += links_e
    if "e" in config.defects:
        write_csv(
            out / "employers" / "survey_links.csv",
            {
                "company_id": [s[0] for s in survey],
                "applicant_id": [s[1] for s in survey],
                "cookie_id": [s[2] for s in survey],
            },
        )
    write_parquet(
        truth / "employer_dirt.parquet",
        pa.Table.from_pandas(
            pd.DataFrame(
                [d.__dict__ for d in employer_dirt],
                columns=["season", "company_id", "line", "kind", "column"],
            ),
            preserve_index=False,
        ),
    )

    offers = pd.concat([o for s in seasons.values() for o in s.offers], ignore_index=True)
    offers.insert(0, "offer_id", np.arange(1, len(offers) + 1, dtype=np.int64))
    for column in ("offered_at", "responded_at"):
        offers[column] = pd.to_datetime(offers[column], unit="ms", utc=True)
    write_parquet(truth / "offers.parquet", pa.Table.from_pandas(offers, preserve_index=False))
    consent_truth = pd.concat(
        [t for s in seasons.values() for t in s.truth_consent], ignore_index=True
    )
    season_of = members.set_index("member_id")["season"]
    truth_table = pd.DataFrame(
        {
            "member_id": consent_truth["member_id"].to_numpy(),
            "season": season_of.loc[consent_truth["member_id"]].to_numpy(),
            "purpose_key": np.array(consent_history.PURPOSE_KEYS)[consent_truth["purpose"]],
            "valid": consent_truth["reason"].to_numpy() == 0,
            "reason": np.array(consent_history.REASONS)[consent_truth["reason"]],
            "defect": np.array(["", "a", "b"])[consent_truth["defect"]],
        }
    )
    write_parquet(
        truth / "consent.parquet", pa.Table.from_pandas(truth_table, preserve_index=False)
    )
    write_parquet(
        truth / "members.parquet",
        pa.Table.from_pandas(
            pd.DataFrame(
                {
                    "member_id": members["member_id"],
                    "season": members["season"],
                    "intensity": members["intensity"],
                    "gender": np.array(GENDERS)[members["gender"].to_numpy()],
                    "university_tier": members["university_tier"],
                    "region": np.array(REGIONS)[members["region"].to_numpy()],
                    "top_industry": members["top_industry"],
                }
            ),
            preserve_index=False,
        ),
    )

    current = offers[
        (offers["season"] == CURRENT.season)
        & companies.client_active[offers["company_id"].to_numpy() - 1]
    ]
    matched = pd.concat(seasons[CURRENT.season].applicants)["member_id"].unique()
    forecast = truth_table[truth_table["purpose_key"] == consent_history.FORECAST_PURPOSE]
    lacking = float((~forecast.set_index("member_id").loc[matched, "valid"]).mean())
    measurements = calibration.measure(
        tally,
        len(INDUSTRIES),
        companies.size,
        N_CLIENTS,
        N_ACTIVE_CLIENTS,
        current["p_accept"].to_numpy(),
        current["accepted"].to_numpy(),
        lacking,
        config.defects,
    )
    write_json(
        truth / "calibration.json",
        [
            {
                "key": m.target.key,
                "description": m.target.description,
                "low": m.target.low,
                "high": m.target.high,
                "source": m.target.source,
                "value": m.value,
                "ok": m.ok,
            }
            for m in measurements
        ],
    )
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": config.seed,
        "students": config.students,
        "defects": sorted(config.defects),
        "dirt_rate": config.dirt_rate,
        "log_dirt_rate": config.log_dirt_rate,
        "forecast_date": iso_jst(CURRENT.forecast_date),
        "seasons": [
            {
                "season": c.season,
                "events_from": iso_jst(c.events_from),
                "events_to": iso_jst(c.events_to),
                "forecast_date": iso_jst(c.forecast_date),
            }
            for c in SEASONS
        ],
        "files": file_hashes(out),
    }
    write_json(out / "manifest.json", manifest)
    by_season = offers.groupby("season")
    return WrittenSeason(
        offers={int(str(k)): int(v) for k, v in by_season.size().items()},
        acceptances={int(str(k)): int(v) for k, v in by_season["accepted"].sum().items()},
        log_dirt_rows=len(dirt),
        employer_files=employer_files,
        calibration=measurements,
    )
