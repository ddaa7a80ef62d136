"""A seeded, chunked simulator of two hiring seasons, with the 2019 case's defects on demand
and the ground truth written beside the raw exports (``docs/season-format.md``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fairfollow import calibration, consent_history, log_dirt
from fairfollow.browsing import CompanySampler, event_table, partner_table, simulate_browsing
from fairfollow.employer_export import write_employer_files
from fairfollow.errors import InputError
from fairfollow.identity import make_identities
from fairfollow.job_hunt import simulate_hunt
from fairfollow.population import (
    GENDERS, INDUSTRIES, REGIONS, N_ACTIVE_CLIENTS, N_CLIENTS, Companies, make_companies,
    make_students,
)
from fairfollow.season_calendar import CURRENT, DAY_MS, PREVIOUS, SEASONS, SeasonCalendar, iso_jst
from fairfollow.season_files import (
    file_hashes, iso_jst_array, write_csv, write_json, write_parquet,
)

GENERATOR_VERSION = "fairfollow-sim/1"
DEFECTS = {
    "a": "a registration screen keeps showing the old policy after the new one goes live",
    "b": "members registered before the revision are never asked again",
    "c": "partner cookies collected for advertising only",
    "d": "employer lists carry hashed names",
    "e": "employer lists keyed only by the employer's own applicant ID",
}
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationConfig:
    students: int
    seed: int
    out: Path
    defects: frozenset[str] = frozenset()
    dirt_rate: float = 0.02
    log_dirt_rate: float = 0.0005
    chunk_size: int = 10_000

    def check(self) -> None:
        if self.students < 100:
            raise InputError(f"--students must be at least 100, got {self.students}")
        unknown = sorted(self.defects - DEFECTS.keys())
        if unknown:
            raise InputError(f"unknown defect(s) {unknown}; known: {sorted(DEFECTS)}")
        for name in ("dirt_rate", "log_dirt_rate"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise InputError(f"{name} must lie in [0, 0.5]")
        if self.out.exists() and any(self.out.iterdir()):
            raise InputError(f"output directory {self.out} is not empty")


@dataclass(frozen=True)
class SimulationResult:
    out: Path
    students_per_season: int
    events: dict[int, int]
    partner_events: dict[int, int]
    offers: dict[int, int]
    acceptances: dict[int, int]
    log_dirt_rows: int
    employer_files: int
    calibration: list[calibration.Measurement]
    elapsed_s: float


@dataclass
class _Season:
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


def _chunk(config: SimulationConfig, calendar: SeasonCalendar, index: int, first_id: int,
           n: int, companies: Companies, sampler: CompanySampler, acc: _Season,
           tally: calibration.SeasonTally | None) -> None:
    rng = np.random.default_rng([config.seed, calendar.season, index])
    raw = config.out / "raw"
    students = make_students(rng, first_id, n)
    ident = make_identities(rng, students, calendar.season)
    registered, screen = consent_history.registrations(rng, n, calendar)
    hunt = simulate_hunt(rng, students, companies, calendar, registered)
    rows, drive = simulate_browsing(rng, students, companies, hunt, calendar, registered, sampler)

    events = event_table(rng, rows, students, companies, calendar, acc.events + 1)
    events, dirty, reasons = log_dirt.dirty_events(rng, events, config.log_dirt_rate, calendar)
    name = f"events/season={calendar.season}/part-{index:05d}.parquet"
    write_parquet(raw / name, events)
    acc.dirt.append(pd.DataFrame({"file": name, "row": dirty, "reason": reasons}))
    acc.events += events.num_rows

    cookie = np.array([f"ck{v:016x}" for v in rng.integers(0, 2**62, n)])
    linked = rng.random(n) < 0.7
    linked_at = registered + (rng.exponential(3.0, n) * DAY_MS).astype(np.int64)
    keep = linked & (linked_at < calendar.events_to)
    acc.cookie_links.append(pd.DataFrame({"cookie_id": cookie[keep],
                                          "member_id": students.member_id[keep],
                                          "linked_at": iso_jst_array(linked_at[keep])}))
    partner = partner_table(rng, students, hunt, calendar, registered, drive, list(cookie),
                            sampler)
    partner, dirty, reasons = log_dirt.dirty_partner_events(rng, partner, config.log_dirt_rate,
                                                            calendar)
    name = f"partner_events/season={calendar.season}/part-{index:05d}.parquet"
    write_parquet(raw / name, partner)
    acc.dirt.append(pd.DataFrame({"file": name, "row": dirty, "reason": reasons}))
    acc.partner_events += partner.num_rows

    log = consent_history.consent_events(rng, students.member_id, registered, screen, calendar,
                                         config.defects)
    acc.consent.append(log)
    truth = consent_history.consent_truth(students.member_id, registered, log,
                                          CURRENT.forecast_date, calendar.is_current,
                                          config.defects)
    acc.truth_consent.append(pd.DataFrame({
        "member_id": truth.member, "purpose": truth.purpose, "reason": truth.reason,
        "defect": truth.defect}))
    acc.members.append(pd.DataFrame({
        "member_id": students.member_id, "season": calendar.season,
        "name_kanji": ident.name_kanji, "name_kana": ident.name_kana, "email": ident.email,
        "birth_date": ident.birth_date, "university": ident.university,
        "registered_at": registered, "registration_screen": screen,
        "gender": students.gender, "university_tier": students.tier,
        "region": students.region, "intensity": students.intensity,
        "top_industry": students.top_industry + 1, "cookie_id": np.where(keep, cookie, "")}))

    company_ids = companies.company_id
    acc.offers.append(pd.DataFrame({
        "season": calendar.season, "member_id": students.member_id[hunt.offer_student],
        "company_id": company_ids[hunt.offer_company],
        "is_client": companies.is_client[hunt.offer_company],
        "offered_at": hunt.offered_at, "p_accept": hunt.p_accept, "accepted": hunt.accepted,
        "responded_at": hunt.responded_at}))
    entry_rows = [r for r in rows if r.kind == 2]
    entries = pd.DataFrame({
        "student": np.concatenate([r.student for r in entry_rows]),
        "company": np.concatenate([r.company for r in entry_rows]),
        "entry_at": np.concatenate([r.ts for r in entry_rows])})
    entries = entries[(entries["entry_at"] < calendar.events_to)
                      & companies.client_active[entries["company"].to_numpy()]]
    entries = entries.groupby(["student", "company"], as_index=False)["entry_at"].min()
    offers = pd.DataFrame({"student": hunt.offer_student, "company": hunt.offer_company,
                           "offered_at": hunt.offered_at, "accepted": hunt.accepted})
    applicants = entries.merge(offers, on=["student", "company"], how="left")
    applicants["offered_at"] = applicants["offered_at"].fillna(-1).astype(np.int64)
    applicants["accepted"] = applicants["accepted"].fillna(False).astype(bool)
    st = applicants["student"].to_numpy()
    applicants = applicants.assign(
        company_id=company_ids[applicants["company"].to_numpy()],
        member_id=students.member_id[st], name_kanji=ident.name_kanji[st],
        name_kana=ident.name_kana[st], email=ident.email[st], birth_date=ident.birth_date[st],
        university=ident.university[st], cookie_id=np.where(keep[st], cookie[st], ""))
    acc.applicants.append(applicants.drop(columns=["student", "company"]))
    if tally is not None:
        client = companies.client_active[hunt.offer_company]
        tally.add(n, int(sum(r.student.size for r in entry_rows)),
                  int(sum(r.student.size for r in rows if r.kind == 0)),
                  hunt.offer_student, hunt.accepted, client)


def _consent_table(acc: _Season) -> pa.Table:
    log = consent_history.ConsentLog(*(np.concatenate([getattr(c, f) for c in acc.consent])
                                       for f in consent_history.ConsentLog.__dataclass_fields__))
    order = np.lexsort((log.member, log.at))
    ids = np.arange(1, order.size + 1)
    return pa.table({
        "consent_event_id": ids.astype(str),
        "member_id": log.member[order].astype(str),
        "purpose_key": np.array(consent_history.PURPOSE_KEYS)[log.purpose[order]],
        "action": np.array(consent_history.ACTIONS)[log.action[order]],
        "screen_id": np.array(consent_history.SCREEN_IDS)[log.screen[order]],
        "version_recorded": np.char.add("v", log.version[order].astype(str)),
        "occurred_at": iso_jst_array(log.at[order]),
        "method": np.array(consent_history.METHODS)[log.method[order]],
    })


def simulate(config: SimulationConfig, on_progress: Progress | None = None) -> SimulationResult:
    config.check()
    started = time.perf_counter()
    report = on_progress or (lambda _step, _done, _total: None)
    companies = make_companies(np.random.default_rng([config.seed, 0]))
    sampler = CompanySampler(companies)
    chunks = [(start, min(config.chunk_size, config.students - start))
              for start in range(0, config.students, config.chunk_size)]
    total_steps = 2 * len(chunks) + 1
    seasons: dict[int, _Season] = {}
    tally = calibration.SeasonTally()
    done = 0
    for season_index, calendar in enumerate(SEASONS):
        acc = seasons.setdefault(calendar.season, _Season())
        first_id = 1 + season_index * config.students
        for index, (start, n) in enumerate(chunks):
            _chunk(config, calendar, index, first_id + start, n, companies, sampler, acc,
                   tally if calendar is PREVIOUS else None)
            done += 1
            report(f"season {calendar.season}", done, total_steps)
    result = _write_tables(config, companies, seasons, tally, started)
    report("files", total_steps, total_steps)
    return result


def _write_tables(config: SimulationConfig, companies: Companies, seasons: dict[int, _Season],
                  tally: calibration.SeasonTally, started: float) -> SimulationResult:
    out, raw, truth = config.out, config.out / "raw", config.out / "truth"
    rng = np.random.default_rng([config.seed, 1])
    write_csv(raw / "industries.csv", {"industry_id": np.arange(1, len(INDUSTRIES) + 1),
                                       "name_ja": [i[0] for i in INDUSTRIES],
                                       "name_en": [i[1] for i in INDUSTRIES]})
    write_csv(raw / "companies.csv", {
        "company_id": companies.company_id,
        "name": [f"株式会社{INDUSTRIES[i][0].split('（')[0]}{c:04d}"
                 for c, i in zip(companies.company_id, companies.industry, strict=True)],
        "industry_id": companies.industry + 1, "is_client": companies.is_client.astype(int),
        "client_active": companies.client_active.astype(int)})
    members = pd.concat([m for s in seasons.values() for m in s.members], ignore_index=True)
    write_csv(raw / "members.csv", {
        **{c: members[c].to_numpy() for c in ("member_id", "season", "name_kanji", "name_kana",
                                               "email", "birth_date", "university")},
        "registered_at": iso_jst_array(members["registered_at"].to_numpy()),
        "registration_screen": np.array(consent_history.SCREEN_IDS)[
            members["registration_screen"].to_numpy()]})
    write_csv(raw / "member_attributes.csv", {
        "member_id": members["member_id"].to_numpy(),
        "gender": np.array(GENDERS)[members["gender"].to_numpy()],
        "university_tier": members["university_tier"].to_numpy(),
        "region": np.array(REGIONS)[members["region"].to_numpy()]})
    links = pd.concat([c for s in seasons.values() for c in s.cookie_links], ignore_index=True)
    write_csv(raw / "cookie_links.csv", {c: links[c].to_numpy() for c in links.columns})
    purposes = "ad_delivery" if "c" in config.defects else "ad_delivery;employer_forecast"
    write_csv(raw / "partner_sources.csv", {"partner_id": ["partner_a"],
                                            "name": ["就活クチコミ提携サイト"],
                                            "stated_purposes": [purposes]})
    document = consent_history.policies_document()
    for version in document["versions"]:  # type: ignore[attr-defined]
        version["published_at"] = iso_jst(version["published_at"])
    write_json(raw / "policies.json", document)
    write_csv(raw / "screens.csv", {k: [s[i] for s in consent_history.SCREENS] for i, k in
                                    enumerate(("screen_id", "channel", "description_ja",
                                               "description_en"))})
    deploys = consent_history.deployments(config.defects)
    write_csv(raw / "deployments.csv", {
        "deploy_id": np.arange(1, len(deploys) + 1), "screen_id": [d[0] for d in deploys],
        "version_id": [d[1] for d in deploys], "deployed_at": [iso_jst(d[2]) for d in deploys]})
    consent = pa.concat_tables([_consent_table(s) for s in seasons.values()])
    consent = consent.set_column(0, "consent_event_id",
                                 pa.array(np.arange(1, consent.num_rows + 1).astype(str)))
    consent, dirty, reasons = log_dirt.garbled_consent_rows(rng, consent, config.log_dirt_rate)
    write_csv(raw / "consent_events.csv", consent)
    dirt = pd.concat([d for s in seasons.values() for d in s.dirt]
                     + [pd.DataFrame({"file": "consent_events.csv", "row": dirty,
                                      "reason": reasons})], ignore_index=True)
    write_parquet(truth / "log_dirt.parquet", pa.Table.from_pandas(dirt, preserve_index=False))

    employer_files, employer_dirt, survey = 0, [], []
    for calendar in SEASONS:
        applicants = pd.concat(seasons[calendar.season].applicants, ignore_index=True)
        files, season_dirt, links_e = write_employer_files(
            rng, applicants, calendar.season, calendar is PREVIOUS,
            out / "employers" / f"season={calendar.season}", config.defects, config.dirt_rate)
        employer_files += len(files)
        employer_dirt += season_dirt
        survey += links_e
    if "e" in config.defects:
        write_csv(out / "employers" / "survey_links.csv", {
            "company_id": [s[0] for s in survey], "applicant_id": [s[1] for s in survey],
            "cookie_id": [s[2] for s in survey]})
    write_parquet(truth / "employer_dirt.parquet", pa.Table.from_pandas(
        pd.DataFrame([d.__dict__ for d in employer_dirt],
                     columns=["season", "company_id", "line", "kind", "column"]),
        preserve_index=False))

    offers = pd.concat([o for s in seasons.values() for o in s.offers], ignore_index=True)
    offers.insert(0, "offer_id", np.arange(1, len(offers) + 1, dtype=np.int64))
    for column in ("offered_at", "responded_at"):
        offers[column] = pd.to_datetime(offers[column], unit="ms", utc=True)
    write_parquet(truth / "offers.parquet", pa.Table.from_pandas(offers, preserve_index=False))
    consent_truth = pd.concat([t for s in seasons.values() for t in s.truth_consent],
                              ignore_index=True)
    season_of = members.set_index("member_id")["season"]
    truth_table = pd.DataFrame({
        "member_id": consent_truth["member_id"].to_numpy(),
        "season": season_of.loc[consent_truth["member_id"]].to_numpy(),
        "purpose_key": np.array(consent_history.PURPOSE_KEYS)[consent_truth["purpose"]],
        "valid": consent_truth["reason"].to_numpy() == 0,
        "reason": np.array(consent_history.REASONS)[consent_truth["reason"]],
        "defect": np.array(["", "a", "b"])[consent_truth["defect"]]})
    write_parquet(truth / "consent.parquet", pa.Table.from_pandas(truth_table,
                                                                  preserve_index=False))
    write_parquet(truth / "members.parquet", pa.Table.from_pandas(pd.DataFrame({
        "member_id": members["member_id"], "season": members["season"],
        "intensity": members["intensity"],
        "gender": np.array(GENDERS)[members["gender"].to_numpy()],
        "university_tier": members["university_tier"],
        "region": np.array(REGIONS)[members["region"].to_numpy()],
        "top_industry": members["top_industry"]}), preserve_index=False))

    current = offers[(offers["season"] == CURRENT.season)
                     & companies.client_active[offers["company_id"].to_numpy() - 1]]
    matched = pd.concat(seasons[CURRENT.season].applicants)["member_id"].unique()
    forecast = truth_table[truth_table["purpose_key"] == consent_history.FORECAST_PURPOSE]
    lacking = float((~forecast.set_index("member_id").loc[matched, "valid"]).mean())
    measurements = calibration.measure(
        tally, len(INDUSTRIES), companies.size, N_CLIENTS, N_ACTIVE_CLIENTS,
        current["p_accept"].to_numpy(), current["accepted"].to_numpy(), lacking,
        config.defects)
    write_json(truth / "calibration.json", [
        {"key": m.target.key, "description": m.target.description, "low": m.target.low,
         "high": m.target.high, "source": m.target.source, "value": m.value, "ok": m.ok}
        for m in measurements])
    manifest = {
        "generator_version": GENERATOR_VERSION, "seed": config.seed,
        "students": config.students, "defects": sorted(config.defects),
        "dirt_rate": config.dirt_rate, "log_dirt_rate": config.log_dirt_rate,
        "forecast_date": iso_jst(CURRENT.forecast_date),
        "seasons": [{"season": c.season, "events_from": iso_jst(c.events_from),
                     "events_to": iso_jst(c.events_to), "forecast_date": iso_jst(c.forecast_date)}
                    for c in SEASONS],
        "files": file_hashes(out),
    }
    write_json(out / "manifest.json", manifest)
    by_season = offers.groupby("season")
    return SimulationResult(
        out=out, students_per_season=config.students,
        events={k: s.events for k, s in seasons.items()},
        partner_events={k: s.partner_events for k, s in seasons.items()},
        offers={int(k): int(v) for k, v in by_season.size().items()},
        acceptances={int(k): int(v) for k, v in by_season["accepted"].sum().items()},
        log_dirt_rows=len(dirt), employer_files=employer_files, calibration=measurements,
        elapsed_s=time.perf_counter() - started)
