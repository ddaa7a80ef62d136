"""The replay of the 2019 case on a simulated season, end to end in a fresh workspace.

1. Load the season: the analytics store (``event_store.ingest``) and the consent ledger.
2. Configure the 2019 service as it was — individual 5-level decline scores for each
   client's applicants — and submit it: the rule engine denies it (ESA and APPI citations);
   an attempt to send one client individual scores is refused and recorded.
3. Build the analysts' model (features, training) for the per-offer probabilities.
4. Configure FairFollow's yield-forecast service for every active client, and take it
   through review: privacy officer, two committee reviewers.
5. Take in every active client's current-season list with its attestation, and release a
   forecast to each at the forecast date.
6. Check against the simulator's truth (read here, and only here): every pool member the
   truth marks as lacking valid consent was excluded from the behavioural data; released
   figures lie within their stated noise bounds of the exact figures; and how often the
   realised number of acceptances fell in the released forecast interval.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fairfollow.accounts import authority
from fairfollow.accounts.account import Principal, Role, actor_of
from fairfollow.actor import REPLAY
from fairfollow.consent.coverage import consented_members
from fairfollow.consent.ingest import ingest_consent_logs
from fairfollow.employer_ids import EmployerId
from fairfollow.errors import InputError
from fairfollow.intake.desk import (
    IntakeReport,
    intake_bytes,
    matching_key,
    read_survey_links,
    workspace_inputs,
)
from fairfollow.keyfile import load_or_create_key
from fairfollow.keys import KeyFile
from fairfollow.law.purposes import PurposeKey
from fairfollow.ledger.engine import new_workspace_ledger, refuse_lost_ledger
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.records.provision import Attestation
from fairfollow.release.door import ReleaseRequest, release_forecast, release_individual
from fairfollow.release.view import ReleaseOutcome
from fairfollow.services import examples
from fairfollow.services import workflow as wf
from fairfollow.services.examples import PRIVACY_OFFICER, REVIEWERS
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.workspace import Workspace

OWNER = "yield-forecast-owner"
OPERATOR = "replay-operator"  # takes in the employers' lists and asks for their releases
ADMIN_SECRET_FILE = KeyFile.ADMIN_SECRET.value  # the bootstrap administrator's one-time secret
Step = Callable[[str], None]


@dataclass(frozen=True)
class RefusedList:
    """An employer whose list intake refused: one refused employer, not an abort."""

    employer: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"employer": self.employer, "released": False, "reason": "list_refused",
                "list_refused": self.reason}  # fmt: skip


@dataclass(frozen=True)
class EmployerForecast:
    employer: str
    outcome: ReleaseOutcome
    intake: IntakeReport
    realised: int | None  # acceptances in the pool, from the truth
    lacking_in_pool: tuple[int, ...]  # pool members the truth says lack valid consent

    def as_json(self) -> dict[str, object]:
        o = self.outcome
        within = o.figures.within_bound(o.exact) if o.figures and o.exact else None
        interval = o.figures.forecast_interval if o.figures else None
        return {
            "employer": self.employer,
            "released": o.released,
            "reason": o.reason,
            "figures": None if o.figures is None else o.figures.as_json(),
            "epsilon_spent": o.epsilon_spent,
            "members_excluded_for_consent": len(o.excluded_member_ids),
            "contributing_members": o.contributing,
            "truth_lacking_consent_in_pool": len(self.lacking_in_pool),
            "all_lacking_excluded": set(self.lacking_in_pool) <= set(o.excluded_member_ids),
            "figure_within_noise_bound": within,
            "realised_acceptances": self.realised,
            "realised_in_forecast_interval": (
                None
                if interval is None or self.realised is None
                else interval[0] <= self.realised <= interval[1]
            ),
            "intake": {
                "matched": self.intake.matched,
                "refused": dict(self.intake.refused_by_reason),
                "unmatched": dict(self.intake.unmatched_by_reason),
                "quarantined": dict(self.intake.quarantined_by_rule),
            },
        }


@dataclass(frozen=True)
class ReplayReport:
    workspace: Path
    service_2019: wf.Submission
    individual_release: ReleaseOutcome
    forecasts: tuple[EmployerForecast, ...]
    checks: dict[str, object] = field(default_factory=dict)
    refused_lists: tuple[RefusedList, ...] = ()

    @property
    def excluded_member_ids(self) -> tuple[int, ...]:
        return tuple(sorted({m for f in self.forecasts for m in f.outcome.excluded_member_ids}))

    def as_json(self) -> dict[str, object]:
        individual = self.individual_release
        return {
            "workspace": str(self.workspace),
            "admin_secret_file": str(Workspace(self.workspace).keys_dir / ADMIN_SECRET_FILE),
            "service_2019": {
                "state": self.service_2019.state.state.value,
                "decision": self.service_2019.decision.outcome.value,
                "citations": list(self.service_2019.decision.citations),
            },
            "individual_release": {
                "decision": "refused" if not individual.released else "released",
                "outcome": None
                if individual.decision is None
                else individual.decision.outcome.value,
                "reason": individual.reason,
                "citations": list(individual.citations),
                "decision_id": individual.decision_id,
            },
            "forecasts": [f.as_json() for f in self.forecasts],
            "refused_lists": [r.as_json() for r in self.refused_lists],
            "excluded_member_ids": list(self.excluded_member_ids),
            "checks": self.checks,
        }


def active_clients(season_dir: Path) -> list[tuple[int, str]]:
    """(company id, name) of every active client, from the platform's company export."""
    with (season_dir / "raw" / "companies.csv").open(encoding="utf-8", newline="") as handle:
        return sorted(
            (int(r["company_id"]), r["name"])
            for r in csv.DictReader(handle)
            if r["is_client"] == "1" and r["client_active"] == "1"
        )


def _forecast_instant(season_dir: Path, season: int) -> datetime:
    manifest = json.loads((season_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["seasons"]:
        if int(entry["season"]) == season:
            return datetime.fromisoformat(entry["forecast_date"])
    raise ValueError(f"season {season} not in {season_dir}/manifest.json")


def _attestation(name: str) -> Attestation:
    return Attestation(
        provider_name=name,
        provider_address="(simulated) 東京都千代田区",
        representative="(simulated) 人事部長",
        obtained_how="collected from applicants through our entry form and offer records",
        consent_statement="applicants agreed that their application data are shared with the "
        "job site to forecast our offer acceptances in aggregate",
    )


def _setup_roles(
    engine: Engine, now: datetime, owners: tuple[str, ...], keys_dir: Path
) -> dict[str, Principal]:
    """The replay's fresh workspace: its bootstrap administrator makes the staff accounts,
    grants their roles and sets the quorum; returns each account's principal by login.
    The administrator's one-time secret goes to :data:`ADMIN_SECRET_FILE` in the keys
    directory (mode 0600), so a person can log in to the replay's workspace afterwards."""
    made = authority.bootstrap(engine, now)
    admin = authority.principal_for(engine, made.account.login)
    staff = {PRIVACY_OFFICER: Role.PRIVACY_OFFICER, OPERATOR: Role.OPERATOR} | {
        r: Role.REVIEWER for r in REVIEWERS
    }
    for login in (*staff, *owners):
        authority.create_account(engine, admin, login, display_name=login, now=now)
    for login, role in staff.items():
        authority.change_role(engine, admin, login, role, grant=True, now=now)
    wf.set_quorum(engine, admin, len(REVIEWERS), now)
    load_or_create_key(keys_dir / ADMIN_SECRET_FILE, lambda: (made.secret + "\n").encode())
    return {login: authority.principal_for(engine, login) for login in (*staff, *owners)}


def _approve_forecast(
    engine: Engine, employers: list[str], now: datetime, people: dict[str, Principal]
) -> None:
    spec = examples.yield_forecast(employers, owner=OWNER)
    wf.register_service(engine, spec, actor=people[OWNER], now=now)
    wf.submit_service(engine, spec.service_id, actor=people[OWNER], now=now)
    wf.sign_off_service(engine, spec.service_id, actor=people[PRIVACY_OFFICER], now=now)
    for reviewer in REVIEWERS:
        wf.approve_service(engine, spec.service_id, actor=people[reviewer], now=now)


def _truth(season_dir: Path, season: int) -> tuple[set[int], dict[tuple[int, int], bool]]:
    """Members lacking valid consent for the forecast purpose; offer outcomes. Filtered in
    Arrow before any row becomes Python (the truth has a row per member and purpose); a
    null ``valid`` or ``accepted`` counts as false, as ``not``/``bool`` of None did."""
    consent = pq.read_table(
        season_dir / "truth" / "consent.parquet",
        columns=["member_id", "purpose_key", "season", "valid"],
    )
    wanted = pc.and_(
        pc.equal(consent["purpose_key"], PurposeKey.EMPLOYER_FORECAST).fill_null(False),
        pc.equal(consent["season"].cast(pa.int64()), season),
    )
    invalid = pc.invert(consent["valid"].fill_null(False))
    kept = consent.filter(pc.and_(wanted, invalid))
    lacking = {int(m) for m in kept["member_id"].to_pylist()}
    offers = pq.read_table(
        season_dir / "truth" / "offers.parquet",
        columns=["company_id", "member_id", "season", "accepted"],
    )
    offers = offers.filter(pc.equal(offers["season"].cast(pa.int64()), season))
    outcomes = {
        (int(c), int(m)): bool(a)
        for c, m, a in zip(
            offers["company_id"].to_pylist(),
            offers["member_id"].to_pylist(),
            offers["accepted"].fill_null(False).to_pylist(),
            strict=True,
        )
    }
    return lacking, outcomes


def replay(
    season_dir: Path,
    workspace: Workspace,
    *,
    season: int = 2020,
    training_season: int = 2019,
    epsilon: float = 1.0,
    on_step: Step | None = None,
    loaded: bool = False,
) -> ReplayReport:
    """Run the replay (module docstring) in ``workspace``, which should be fresh — or, with
    ``loaded``, already hold the season's store, consent log, features and model (steps 1
    and 3 are then skipped: ``make bench-full`` times them as stages of their own)."""
    from fairfollow.events import store as event_store
    from fairfollow.model import analysis
    from fairfollow.model.scores import model_scores

    step = on_step or (lambda _: None)
    refuse_lost_ledger(workspace)  # before anything is stored in it
    workspace.ensure()
    workspace.record_origin(season_dir)  # later commands default to the season's clock
    at = _forecast_instant(season_dir, season)
    if not loaded:
        step("ingest the season")
        event_store.ingest(workspace, season_dir, now=at)
    engine = new_workspace_ledger(workspace)
    try:
        if not loaded:
            ingest_consent_logs(engine, season_dir, key=matching_key(workspace.keys_dir), now=at)
        old = examples.dmp_follow_2019()
        people = _setup_roles(engine, at, (OWNER, old.owner), workspace.keys_dir)
        clients = active_clients(season_dir)
        employers = [EmployerId(c).text for c, _ in clients]
        step("submit the 2019 service")
        wf.register_service(engine, old, actor=people[old.owner], now=at)
        submission = wf.submit_service(engine, old.service_id, actor=people[old.owner], now=at)
        individual = release_individual(
            engine, ReleaseRequest(employers[0], old.service_id, season, at, actor=REPLAY)
        )
        if not loaded:
            step("train the model")
            for s in (training_season, season):
                analysis.build_season_features(
                    workspace, season_dir / "employers", s, consented=consented_members(engine)
                )
            analysis.train_season_model(workspace, training_season, now=at)
        source = model_scores(workspace, season, training_season)
        publisher = LogPublisher.of_workspace(workspace)  # a published checkpoint per release
        step("approve the yield forecast")
        _approve_forecast(engine, employers, at, people)
        lacking, outcomes = _truth(season_dir, season)
        links_path = season_dir / "employers" / "survey_links.csv"
        # Indexed once for every list: the replay changes no member or cookie sync.
        members = workspace_inputs(workspace, season, PurposeKey.EMPLOYER_FORECAST).indexed()
        forecasts = []
        refused: list[RefusedList] = []
        for company, name in clients:
            employer = EmployerId(company).text
            step(f"intake and release {employer}")
            path = season_dir / "employers" / f"season={season}" / EmployerId(company).file_name
            links = read_survey_links(links_path, company) if links_path.exists() else {}
            inputs = replace(members, survey_links=links)
            try:
                taken = intake_bytes(
                    engine, employer, season, path.read_bytes(), path.name, _attestation(name),
                    inputs, at=at, actor=actor_of(people[OPERATOR]),
                )  # fmt: skip
            except InputError as exc:  # recorded as a refusal decision by intake itself
                refused.append(RefusedList(employer, str(exc)))
                continue
            request = ReleaseRequest(
                employer, examples.YIELD_FORECAST_ID, season, at, epsilon,
                actor_of(people[OPERATOR]),
            )  # fmt: skip
            outcome = release_forecast(
                engine,
                request,
                source,
                publisher=publisher,
            )
            pool = _pool_members(engine, employer, season)
            realised = sum(outcomes.get((company, m), False) for m in pool)
            forecasts.append(
                EmployerForecast(employer, outcome, taken, realised, tuple(sorted(pool & lacking)))
            )
    finally:
        engine.dispose()
    report = ReplayReport(
        workspace.root, submission, individual, tuple(forecasts), refused_lists=tuple(refused)
    )
    return replace(report, checks=_checks(report))


def _pool_members(engine: Engine, employer: str, season: int) -> set[int]:
    from fairfollow.intake.pool_store import load_pool

    with reading(engine, "pool members") as conn:
        pool = load_pool(conn, employer, season)
    return set() if pool is None else {o.member_id for o in pool.member_offers if o.member_id}


def _checks(report: ReplayReport) -> dict[str, object]:
    released = [f for f in report.forecasts if f.outcome.released]
    within = [f.as_json()["figure_within_noise_bound"] for f in released]
    covered = [f.as_json()["realised_in_forecast_interval"] for f in released]
    return {
        "service_2019_denied": report.service_2019.decision.outcome.value == "deny",
        "individual_release_refused": not report.individual_release.released,
        "employers": len(report.forecasts) + len(report.refused_lists),
        "lists_refused": len(report.refused_lists),
        "released": len(released),
        "refused": {
            reason: sum(1 for f in report.forecasts if f.outcome.reason == reason)
            for reason in sorted({f.outcome.reason for f in report.forecasts} - {"released"})
        },
        "all_lacking_consent_excluded": all(
            set(f.lacking_in_pool) <= set(f.outcome.excluded_member_ids) for f in released
        ),
        "figures": len(within),
        "figures_within_noise_bound": sum(1 for ok in within if ok),
        "realised_in_forecast_interval": sum(1 for ok in covered if ok),
    }
