"""``fairfollow service …``, ``intake``, ``release …``, ``budget …``, ``records …``, ``replay``.

Each command parses, makes one core call and renders (Rich tables, or ``--json``). A
refused release or rule decision exits with status 1 after printing what was decided.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.accounts import authority
from fairfollow.accounts.account import Role
from fairfollow.cli import governance_tables as render
from fairfollow.cli.context import (
    At,
    JsonFlag,
    Season,
    account_of,
    caller_of,
    instant_of,
    new_workspace_of,
    opened,
)
from fairfollow.cli.terminal import cli_language, console, print_json, progress
from fairfollow.employer_ids import EmployerId
from fairfollow.errors import InputError
from fairfollow.instants import parse_instant
from fairfollow.ledger.transaction import Engine
from fairfollow.records.provision import Attestation
from fairfollow.services import workflow as wf
from fairfollow.settings import Settings
from fairfollow.usecases import services
from fairfollow.workspace import Workspace

if TYPE_CHECKING:
    from fairfollow.release.budget import PrivacyLimits
    from fairfollow.usecases.forecast import ReleaseDesk

Request = Annotated[
    str, typer.Option(help="An operator's reference of the member's request (logged).")
]

service_app = typer.Typer(
    help="Data services: declare, review, approve, veto.", no_args_is_help=True
)
release_app = typer.Typer(help="The release door: forecasts out, individual scores never.")
budget_app = typer.Typer(help="Per-employer privacy budgets (ε per season).")
records_app = typer.Typer(help="Provision records (APPI Art. 29, 33(5)).")


def register(app: typer.Typer) -> None:
    app.add_typer(service_app, name="service")
    app.add_typer(release_app, name="release")
    app.add_typer(budget_app, name="budget")
    app.add_typer(records_app, name="records")
    app.command("intake")(intake_command)
    app.command("replay")(replay_command)


def _now(at: str | None) -> datetime:
    return parse_instant(at, "--at") if at is not None else datetime.now(UTC)


def _limits() -> PrivacyLimits:
    from fairfollow.release.budget import PrivacyLimits
    from fairfollow.settings import Settings

    return PrivacyLimits.from_settings(Settings())


def _ledger(ctx: typer.Context) -> AbstractContextManager[tuple[Workspace, Engine]]:
    return opened(ctx)  # the service commands' name for the one way to open the ledger


@service_app.command("register")
def service_register(
    ctx: typer.Context, file: Path, at: At = None, as_json: JsonFlag = False
) -> None:
    """Register a declaration (TOML or JSON) as a new version of its service."""
    from fairfollow.services.registry import load_spec

    spec = load_spec(file)
    with _ledger(ctx) as (_, engine):
        result = services.register(caller_of(ctx, engine), engine, spec, _now(at))
    render.registration(result, as_json)


@service_app.command("submit")
def service_submit(
    ctx: typer.Context, service: str, at: At = None, as_json: JsonFlag = False
) -> None:
    """Submit the latest version for review; the rule engine decides at once."""
    with _ledger(ctx) as (_, engine):
        submission = services.submit(caller_of(ctx, engine), engine, service, _now(at))
    render.submission(submission, as_json)
    if not submission.decision.allowed:
        raise typer.Exit(1)


@service_app.command("review")
def service_review(
    ctx: typer.Context,
    service: str,
    reject: Annotated[str | None, typer.Option(help="Reject with this reason.")] = None,
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """The privacy officer signs the service off (or rejects it with --reject REASON)."""
    with _ledger(ctx) as (_, engine):
        state = services.sign_off(caller_of(ctx, engine), engine, service, _now(at), reject=reject)
    render.state(state, as_json)


@service_app.command("approve")
def service_approve(
    ctx: typer.Context, service: str, at: At = None, as_json: JsonFlag = False
) -> None:
    """A committee reviewer approves (approved once the quorum is reached)."""
    with _ledger(ctx) as (_, engine):
        state = services.approve(caller_of(ctx, engine), engine, service, _now(at))
    render.state(state, as_json)


@service_app.command("veto")
def service_veto(
    ctx: typer.Context,
    service: str,
    reason: Annotated[str, typer.Option(help="Why (stays visible in the history).")],
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """Any reviewer's veto rejects the service."""
    with _ledger(ctx) as (_, engine):
        state = services.veto(caller_of(ctx, engine), engine, service, reason, _now(at))
    render.state(state, as_json)


@service_app.command("show")
def service_show(ctx: typer.Context, service: str, as_json: JsonFlag = False) -> None:
    """The declaration, its state, approvals, vetoes and full history (staff)."""
    with _ledger(ctx) as (_, engine):
        view = services.view(caller_of(ctx, engine), engine, service)
    render.service_view(view, as_json)


@service_app.command("queue")
def service_queue(ctx: typer.Context) -> None:
    """The review queue: each service, its state and version (reviewers, privacy officer)."""
    with _ledger(ctx) as (_, engine):
        found = services.queue(caller_of(ctx, engine), engine)
    for c in found:
        console.print(f"{c.spec.service_id}\t{c.state.state.value}\tv{c.state.version}")


@service_app.command("role")
def service_role(
    ctx: typer.Context,
    person: str,
    role: Role,
    revoke: Annotated[bool, typer.Option(help="Revoke instead of grant.")] = False,
) -> None:
    """An administrator grants (or revokes) a role to an account (also `account grant`)."""
    with _ledger(ctx) as (_, engine):
        who = authority.change_role(
            engine, account_of(ctx, engine), person, role, grant=not revoke, now=datetime.now(UTC)
        )
    console.print(f"{'revoked' if revoke else 'granted'}: {who.login} {role.value}")


@service_app.command("quorum")
def service_quorum(
    ctx: typer.Context,
    quorum: int,
) -> None:
    """An administrator sets how many reviewer approvals the committee needs (at least 2)."""
    with _ledger(ctx) as (_, engine):
        wf.set_quorum(engine, account_of(ctx, engine), quorum, datetime.now(UTC))
    console.print(f"committee quorum: {quorum}")


@service_app.command("example")
def service_example(
    which: Annotated[str, typer.Argument(help="yield-forecast or dmp-follow-2019.")],
    employers: Annotated[str, typer.Option(help="Named recipients, comma-separated.")] = "",
    owner: Annotated[str, typer.Option(help="The named product owner.")] = "product-owner",
) -> None:
    """Print an example declaration (JSON) to start from."""
    from fairfollow.services import examples

    if which == examples.YIELD_FORECAST_ID:
        named = [EmployerId.parse(e).text for e in employers.split(",") if e.strip()]
        spec = examples.yield_forecast(named, owner=owner)
    elif which == examples.DMP_FOLLOW_ID:
        spec = examples.dmp_follow_2019(owner=owner)
    else:
        raise typer.BadParameter(f"no example {which!r}")
    print(json.dumps(json.loads(spec.canonical()), ensure_ascii=False, indent=2))


@service_app.command("rules")
def service_rules(as_json: JsonFlag = False) -> None:
    """The rule packs, with citations (Markdown, or --json)."""
    render.rules(as_json)


def intake_command(
    ctx: typer.Context,
    employer: str,
    file: Path,
    season: Season,
    provider_name: Annotated[str, typer.Option(help="Attestation: the employer's name.")],
    provider_address: Annotated[str, typer.Option(help="Attestation: its address.")],
    representative: Annotated[str, typer.Option(help="Attestation: its representative.")],
    obtained_how: Annotated[str, typer.Option(help="Attestation: how it obtained the data.")],
    consent_statement: Annotated[str, typer.Option(help="Attestation: applicants' consent.")],
    links: Annotated[Path | None, typer.Option(help="Survey links for ID-only lists.")] = None,
    at: At = None,
    as_json: JsonFlag = False,
    internal: Annotated[
        bool,
        typer.Option(
            "--internal",
            help="The platform's view: match and consent figures (never shown to the employer).",
        ),
    ] = False,
) -> None:
    """Take in an employer's applicant/offer list (UTF-8 or Shift_JIS) with its attestation.
    An analyst, operator or privacy officer does it on the employer's behalf."""
    from fairfollow.employers.file import read_upload
    from fairfollow.intake.desk import read_survey_links
    from fairfollow.usecases.intake import IntakeDesk, ListAsk, take_list

    name = EmployerId.parse(employer).text
    attestation = Attestation(
        provider_name, provider_address, representative, obtained_how, consent_statement
    )
    cap = Settings().intake_max_bytes
    with opened(ctx) as (workspace, engine):
        me = account_of(ctx, engine)
        survey = read_survey_links(links, EmployerId.parse(name).number) if links else {}
        ask = ListAsk(
            name, season, read_upload(file, cap), file.name, attestation, survey, internal
        )
        taken = take_list(
            me, ask, IntakeDesk(engine, workspace, cap), instant_of(ctx, at, season=season)
        )
    render.intake(taken, as_json)


@release_app.command("forecast")
def release_forecast_command(
    ctx: typer.Context,
    employer: Annotated[str, typer.Option(help="The employer (E<id>).")],
    service: Annotated[str, typer.Option(help="The approved data service.")],
    season: Season = 2020,
    epsilon: Annotated[float, typer.Option(help="ε this release spends.")] = 1.0,
    training_season: Annotated[int, typer.Option(help="Season of the base rate.")] = 2019,
    as_json: JsonFlag = False,
    internal: Annotated[
        bool,
        typer.Option(
            "--internal",
            help="With --json: the platform's record (exact figures), not the employer's view.",
        ),
    ] = False,
) -> None:
    """Release a noised aggregate forecast of the employer's offer pool (or refuse), as an
    analyst, operator or privacy officer acting for the employer. A release is dated now."""
    from fairfollow.usecases.forecast import ForecastAsk, request_forecast

    ask = ForecastAsk(
        EmployerId.parse(employer).text, service, season, epsilon, training_season, internal
    )
    with opened(ctx) as (workspace, engine):
        forecast = request_forecast(
            account_of(ctx, engine), ask, _release_desk(workspace, engine), datetime.now(UTC)
        )
    render.release(forecast, as_json)
    if not forecast.released:
        raise typer.Exit(1)


def _release_desk(workspace: Workspace, engine: Engine) -> ReleaseDesk:
    from fairfollow.tlog.checkpoint_file import LogPublisher
    from fairfollow.usecases.forecast import ReleaseDesk

    return ReleaseDesk(engine, workspace, LogPublisher.of_workspace(workspace), _limits())


@release_app.command("individual")
def release_individual_command(
    ctx: typer.Context,
    employer: Annotated[str, typer.Option(help="The employer (E<id>).")],
    service: Annotated[str, typer.Option(help="The data service.")],
    season: Season = 2020,
    as_json: JsonFlag = False,
) -> None:
    """Attempt to send individual scores: always refused, and recorded with its citations."""
    from fairfollow.usecases.forecast import attempt_individual

    with opened(ctx) as (_, engine):
        forecast = attempt_individual(
            None, EmployerId.parse(employer).text, service, season, engine, datetime.now(UTC)
        )
    render.release(forecast, as_json)
    raise typer.Exit(1)


@budget_app.command("show")
def budget_show(
    ctx: typer.Context,
    employer: Annotated[str | None, typer.Option(help="One employer (E<id>).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Each employer's ε cap, ε spent and releases, per season (staff)."""
    from fairfollow.usecases.budget import show_budgets

    name = None if employer is None else EmployerId.parse(employer).text
    with opened(ctx) as (_, engine):
        found = show_budgets(account_of(ctx, engine), engine, name)
    render.budgets(found.found, as_json)


@budget_app.command("set")
def budget_set(
    ctx: typer.Context,
    employer: Annotated[str, typer.Option(help="The employer (E<id>).")],
    cap: Annotated[float, typer.Option(help="ε cap for the season.")],
    reason: Annotated[str, typer.Option(help="Why (required to raise a cap; logged).")] = "",
    season: Season = 2020,
    as_json: JsonFlag = False,
) -> None:
    """The privacy officer sets an employer's ε cap for a season: at most the ceiling in
    settings, never below what is spent; a raise needs a reason. The change is dated now,
    a ledger entry and a log leaf."""
    from fairfollow.usecases.budget import CapAsk, set_cap

    ask = CapAsk(EmployerId.parse(employer).text, season, cap, reason)
    with opened(ctx) as (_, engine):
        found = set_cap(account_of(ctx, engine), ask, engine, _limits(), datetime.now(UTC))
    render.budgets([found.budget], as_json)


@records_app.command("member")
def records_member(
    ctx: typer.Context, member_id: int, request: Request = "", as_json: JsonFlag = False
) -> None:
    """Who received data about this member (APPI Art. 33(5)): to the member's own account,
    or to an operator acting on a logged request (--request)."""
    from fairfollow.usecases.records import member_provisions

    with opened(ctx) as (_, engine):
        me = account_of(ctx, engine)
        found = member_provisions(me, member_id, request, engine, datetime.now(UTC))
    render.provisions(found.member_id, found.provisions, as_json)


@records_app.command("purge")
def records_purge(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Delete provision and confirmation records past their legal retention period at the
    ledger's clock; the purge is a decision and a log leaf naming the counts."""
    from fairfollow.usecases.records import purge

    with opened(ctx) as (_, engine):
        purged = purge(account_of(ctx, engine), engine)
    if as_json:
        print_json(purged.as_json())
    else:
        console.print(
            f"purged {purged.provisions} provision and {purged.confirmations} confirmation records"
        )


def replay_command(
    ctx: typer.Context,
    season_dir: Path,
    out: Annotated[
        Path | None,
        typer.Option(help="Fresh workspace (default: new one under the workspace's reports)."),
    ] = None,
    variant: Annotated[
        str | None,
        typer.Option(
            help="tied-registration: the registration screen ties the employer purpose to "
            "registering; the activation gate must refuse it (exit 0 when it does)."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Replay the 2019 case on a simulated season, end to end, in a fresh workspace."""
    import shutil

    from fairfollow.scenarios.replay import replay

    if not (season_dir / "manifest.json").is_file():
        raise InputError("cli.no_simulated_season", path=str(season_dir))
    target = out or render.fresh_dir(new_workspace_of(ctx).reports_dir / "replays")
    if target.exists() and any(target.iterdir()):
        raise InputError("cli.replay_target_not_empty", path=str(target))
    if variant is not None:
        _replay_variant(season_dir, target, variant, as_json)
        return
    try:
        with progress(quiet=as_json) as bar:
            task = bar.add_task("replay", total=None)
            report = replay(
                season_dir, Workspace(target), on_step=lambda s: bar.update(task, description=s)
            )
    except BaseException:  # nothing half-built is left behind
        shutil.rmtree(target, ignore_errors=True)
        raise
    render.replay(report, as_json)
    checks = report.checks
    if not (checks["service_2019_denied"] and checks["all_lacking_consent_excluded"]):
        raise typer.Exit(1)


def _replay_variant(season_dir: Path, target: Path, variant: str, as_json: bool) -> None:
    """``replay --variant tied-registration``: the gate's refusal, with its reasons."""
    from fairfollow.messages.decisions import gate_reasons
    from fairfollow.scenarios.tying import replay_tied_registration

    if variant != "tied-registration":
        raise InputError("cli.replay_variant_unknown", variant=variant)
    report = replay_tied_registration(season_dir, Workspace(target))
    if as_json:
        print_json(report.as_json())
    else:
        for decision in (report.decision, report.forced):
            console.print(f"{decision.version_id}: {decision.outcome.value}")
            for line in gate_reasons(decision, cli_language()):
                console.print(f"  {line}", soft_wrap=True)
    if not report.as_json()["refused"]:
        raise typer.Exit(1)
