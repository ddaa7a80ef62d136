"""Writes a simulated season's files (``docs/season-format.md``) from the parts its chunks
accumulated, and measures the calibration targets on them.

The files that take no random draws come from the builders of
:mod:`fairfollow.season.outputs`; the ones drawn here share one random stream, drawn in a
fixed order, so that the same seed gives the same bytes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from fairfollow.season import calibration
from fairfollow.season import dirt as log_dirt
from fairfollow.season import policy_history as consent_history
from fairfollow.season.calendar import CURRENT, PREVIOUS, SEASONS, iso_jst
from fairfollow.season.config import SimulationConfig
from fairfollow.season.employer_export import DirtRecord, write_employer_files
from fairfollow.season.files import file_hashes, write_csv, write_json, write_parquet
from fairfollow.season.outputs import (
    CSV_FILES,
    JSON_FILES,
    PARQUET_FILES,
    JoinedSeasons,
    SeasonParts,
    consent_events,
)
from fairfollow.season.population import INDUSTRIES, N_ACTIVE_CLIENTS, N_CLIENTS, Companies

GENERATOR_VERSION = "fairfollow-sim/1"


@dataclass(frozen=True)
class WrittenSeason:
    offers: dict[int, int]
    acceptances: dict[int, int]
    log_dirt_rows: int
    employer_files: int
    calibration: list[calibration.Measurement]


def write_season(
    config: SimulationConfig,
    companies: Companies,
    seasons: dict[int, SeasonParts],
    tally: calibration.SeasonTally,
) -> WrittenSeason:
    joined = JoinedSeasons.join(config, companies, seasons)
    _write_built_files(joined)
    rng = config.files_rng()
    log_dirt_rows = _write_consent_events(rng, joined)  # draws first
    employer_files = _write_employer_lists(rng, joined)  # draws second
    measurements = _write_calibration(joined, tally)
    _write_manifest(config)  # last: it hashes every other file
    by_season = joined.offers.groupby("season")
    return WrittenSeason(
        offers={int(str(k)): int(v) for k, v in by_season.size().items()},
        acceptances={int(str(k)): int(v) for k, v in by_season["accepted"].sum().items()},
        log_dirt_rows=log_dirt_rows,
        employer_files=employer_files,
        calibration=measurements,
    )


def _write_built_files(joined: JoinedSeasons) -> None:
    out = joined.config.out
    for name, columns in CSV_FILES:
        write_csv(out / name, columns(joined))
    for name, document in JSON_FILES:
        write_json(out / name, document(joined))
    for name, table in PARQUET_FILES:
        write_parquet(out / name, table(joined))


def _write_consent_events(rng: np.random.Generator, joined: JoinedSeasons) -> int:
    """Garble some consent rows, write the log and the truth of every log's dirt; return
    the number of dirty rows."""
    config = joined.config
    consent, dirty, reasons = log_dirt.garbled_consent_rows(
        rng, consent_events(joined), config.log_dirt_rate
    )
    write_csv(config.raw / "consent_events.csv", consent)
    dirt = pd.concat(
        [d for s in joined.seasons.values() for d in s.dirt]
        + [pd.DataFrame({"file": "consent_events.csv", "row": dirty, "reason": reasons})],
        ignore_index=True,
    )
    write_parquet(
        config.truth / "log_dirt.parquet", pa.Table.from_pandas(dirt, preserve_index=False)
    )
    return len(dirt)


def _write_employer_lists(rng: np.random.Generator, joined: JoinedSeasons) -> int:
    """Write every client's applicant list, the survey links and the truth of the lists'
    dirt; return the number of lists."""
    config = joined.config
    files = 0
    dirt: list[DirtRecord] = []
    survey: list[tuple[int, str, str]] = []  # (company id, applicant id, cookie id)
    for calendar in SEASONS:
        written, season_dirt, links = write_employer_files(
            rng,
            pd.concat(joined.seasons[calendar.season].applicants, ignore_index=True),
            calendar.season,
            calendar is PREVIOUS,
            config.employers / f"season={calendar.season}",
            config.defects,
            config.dirt_rate,
        )
        files += len(written)
        dirt += season_dirt
        survey += links
    if "e" in config.defects:  # lists keyed only by the employer's own applicant id
        write_csv(
            config.employers / "survey_links.csv",
            {
                "company_id": [s[0] for s in survey],
                "applicant_id": [s[1] for s in survey],
                "cookie_id": [s[2] for s in survey],
            },
        )
    frame = pd.DataFrame(
        [d.__dict__ for d in dirt], columns=["season", "company_id", "line", "kind", "column"]
    )
    write_parquet(
        config.truth / "employer_dirt.parquet", pa.Table.from_pandas(frame, preserve_index=False)
    )
    return files


def _write_calibration(
    joined: JoinedSeasons, tally: calibration.SeasonTally
) -> list[calibration.Measurement]:
    offers, truth, companies = joined.offers, joined.consent_truth, joined.companies
    current = offers[
        (offers["season"] == CURRENT.season)
        & companies.client_active[offers["company_id"].to_numpy() - 1]
    ]
    matched = pd.concat(joined.seasons[CURRENT.season].applicants)["member_id"].unique()
    forecast = truth[truth["purpose_key"] == consent_history.FORECAST_PURPOSE]
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
        joined.config.defects,
    )
    write_json(
        joined.config.truth / "calibration.json",
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
    return measurements


def _write_manifest(config: SimulationConfig) -> None:
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
        "files": file_hashes(config.out),
    }
    write_json(config.out / "manifest.json", manifest)
