"""``fairfollow consent …``: ingest consent logs, coverage reports, signed receipts.

Each command parses, makes one core call and renders. ``verify-receipt`` exits with
status 3 when a receipt does not verify or does not match the ledger.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fairfollow.accounts import authority
from fairfollow.cli.context import (
    JsonFlag,
    account_of,
    caller_of,
    instant_of,
    ledger_of,
    opened,
    workspace_of,
)
from fairfollow.cli.policy import ledger_tx, render_decision
from fairfollow.cli.terminal import console, err_console, print_json, progress, table
from fairfollow.consent import receipt_book
from fairfollow.consent.coverage import CoverageReport, write_ids
from fairfollow.consent.ingest import ConsentIngestSummary, ingest_consent_logs
from fairfollow.consent.receipt_key import load_or_create_receipt_signer
from fairfollow.consent.validity import REASON_INFO, Reason
from fairfollow.errors import InputError
from fairfollow.intake.desk import matching_key
from fairfollow.scenarios.consent_demo import ConsentDemo, consent_demo
from fairfollow.workspace import SeasonOrigin

consent_app = typer.Typer(help="Consent ledger: ingest, coverage, receipts.")

FAILED_EXIT = 3
# Reasons a screen is to blame for; the others are the member's own decision or a gap.
SCREEN_FAULTS = (Reason.STALE_SCREEN_VERSION, Reason.NEEDS_RECONSENT)


def register(app: typer.Typer) -> None:
    app.add_typer(consent_app, name="consent")


def _keys_dir(ctx: typer.Context) -> Path:
    return workspace_of(ctx).keys_dir


def render_ingest(summary: ConsentIngestSummary) -> None:
    console.print(
        table(
            f"Consent ledger ingest ({summary.rows_read:,} consent rows read)",
            ["added", "rows"],
            [
                ("purposes", summary.purposes),
                ("policy versions", summary.versions),
                ("screens", summary.screens),
                ("deployments", summary.deployments),
                ("members", summary.members),
                ("consent events", summary.events),
            ],
        )
    )
    if summary.quarantined:
        console.print(
            table(
                "Quarantined consent rows", ["reason", "rows"], sorted(summary.quarantined.items())
            )
        )


@consent_app.command("ingest")
def ingest_command(ctx: typer.Context, season_dir: Path, as_json: JsonFlag = False) -> None:
    """Load a season's policies, screens, deployments and consent events (idempotent)."""
    if not season_dir.is_dir():
        raise InputError("cli.no_season_dir", path=str(season_dir))
    engine = ledger_of(ctx, create=True)
    try:
        with progress(quiet=as_json) as bar:
            bar.add_task("consent ledger ingest", total=None)
            key = matching_key(
                workspace_of(ctx).keys_dir
            )  # hashes quarantined ids; keeps erased members out
            summary = ingest_consent_logs(engine, season_dir, key=key, now=datetime.now(UTC))
    finally:
        engine.dispose()
    if as_json:
        print_json({**summary.__dict__, "quarantined": dict(summary.quarantined)})
    else:
        render_ingest(summary)


def render_coverage(report: CoverageReport) -> None:
    console.print(
        table(
            f"Consent for {report.purpose_key} as of {report.at.isoformat()} "
            f"({report.total:,} members)",
            ["reason", "members", "share"],
            [
                (
                    REASON_INFO[r].label_en,
                    report.counts.get(r, 0),
                    f"{report.counts.get(r, 0) / max(report.total, 1):.1%}",
                )
                for r in Reason
            ],
        )
    )
    blamed = [s for s in report.screens if s.reason in SCREEN_FAULTS]
    if blamed:
        console.print(
            table(
                "Screens responsible (version shown did not allow the purpose)",
                ["screen", "version shown", "reason", "members"],
                [(s.screen_id, s.version_shown or "-", s.reason.value, s.members) for s in blamed],
            )
        )
    decided = [s for s in report.screens if s.reason not in SCREEN_FAULTS]
    if decided:
        console.print(
            table(
                "Refusals and withdrawals by screen",
                ["screen", "version shown", "reason", "members"],
                [(s.screen_id, s.version_shown or "-", s.reason.value, s.members) for s in decided],
            )
        )


@consent_app.command("coverage")
def coverage_command(
    ctx: typer.Context,
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose key.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Instant, ISO 8601 with offset (default: the season's forecast instant on a "
            "workspace built from a season, else now).",
        ),
    ] = None,
    ids_out: Annotated[
        Path | None,
        typer.Option(
            "--ids-out",
            help="Write member_id,reason of members lacking consent (privacy officer, operator).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Who has valid consent for PURPOSE at an instant, who does not and why (staff). Member
    ids — in a file (--ids-out) or inline in --json — only to the privacy officer or an
    operator."""
    from fairfollow.usecases.coverage import CoverageAsk, consent_coverage

    ask = CoverageAsk(purpose, instant_of(ctx, as_of, option="--as-of"), ids=ids_out is not None)
    with opened(ctx) as (_, engine), progress(quiet=as_json) as bar:
        bar.add_task(f"evaluating {purpose}", total=None)
        found = consent_coverage(caller_of(ctx, engine), ask, engine)
    report = found.report
    written = write_ids(report, ids_out) if ids_out else None
    if as_json:
        payload = found.as_json(inline=ids_out is None)
        if ids_out:
            payload["ids_out"] = str(ids_out)
        elif not found.may_see_ids:
            payload["member_ids_omitted"] = "member ids go only to a privacy officer or operator"
        elif not found.ids_inline:
            payload["member_ids_omitted"] = f"{len(report.lacking):,} ids: use --ids-out FILE"
        print_json(payload)
    else:
        render_coverage(report)
        if ids_out:
            console.print(f"{written:,} member ids lacking valid consent written to {ids_out}")


@consent_app.command("receipt")
def receipt_command(
    ctx: typer.Context,
    member: int,
    out: Annotated[Path | None, typer.Option("--out", help="Write .jws/.json files here.")] = None,
    request: Annotated[
        str, typer.Option(help="An operator's reference of the member's request (logged).")
    ] = "",
    as_json: JsonFlag = False,
) -> None:
    """Signed receipts of every consent decision MEMBER made: to the member's own account,
    or to an operator acting on a logged request (--request)."""
    signer = load_or_create_receipt_signer(_keys_dir(ctx))
    engine = ledger_of(ctx)
    try:
        authority.authorize_member_read(
            engine, account_of(ctx, engine), member, request=request, now=datetime.now(UTC)
        )
    finally:
        engine.dispose()
    with ledger_tx(ctx) as conn:
        receipts = receipt_book.member_receipts(conn, member, signer)
    if out is not None:
        for path in receipt_book.write_receipts(receipts, out):
            console.print(f"wrote {path}")
    elif as_json:
        print_json([{"document": r.document, "jws": r.jws} for r in receipts])
    else:
        for r in receipts:
            print(r.jws)


@consent_app.command("verify-receipt")
def verify_receipt_command(ctx: typer.Context, file: Path, as_json: JsonFlag = False) -> None:
    """Check receipts (one compact JWS per line): signature, schema, and the ledger."""
    verifier = load_or_create_receipt_signer(_keys_dir(ctx)).verifier
    tokens = [line.strip() for line in file.read_text(encoding="ascii").splitlines()]
    with ledger_tx(ctx) as conn:
        checks = [receipt_book.verify(conn, t, verifier) for t in tokens if t]
    ok = bool(checks) and all(c.ok for c in checks)
    if as_json:
        print_json(
            {
                "ok": ok,
                "receipts": [
                    {**c.__dict__, "problems": list(c.problems), "ok": c.ok} for c in checks
                ],
            }
        )
    for check in [] if as_json else checks:
        if check.ok:
            console.print(
                f"[bold green]valid[/] receipt {check.receipt_id} (member {check.member_id}, "
                f"event {check.event_id}): signature, schema and ledger agree"
            )
        else:
            err_console.print(f"[bold red]receipt does not verify[/] ({check.receipt_id})")
            for problem in check.problems:
                err_console.print(f"  - {problem}")
    if not ok:
        if not checks and not as_json:
            err_console.print(f"[bold red]no receipt in {file}[/]")
        raise typer.Exit(FAILED_EXIT)


@consent_app.command("export-key")
def export_key_command(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="jwk or pem.")] = "jwk",
) -> None:
    """Print the public key that verifies consent receipts."""
    verifier = load_or_create_receipt_signer(_keys_dir(ctx)).verifier
    if fmt == "pem":
        print(verifier.pem(), end="")
    elif fmt == "jwk":
        print_json({**verifier.jwk, "kid": verifier.kid, "alg": "EdDSA", "use": "sig"})
    else:
        raise typer.BadParameter("--format must be jwk or pem")


def render_demo(demo: ConsentDemo) -> None:
    render_ingest(demo.ingest)
    render_coverage(demo.coverage)
    console.print(
        "Rehearsing the next policy revision (approved, deployed where the live "
        "version is displayed):"
    )
    render_decision(demo.activation)


@consent_app.command("demo")
def demo_command(ctx: typer.Context, season_dir: Path) -> None:
    """Ingest a simulated season, report forecast-purpose coverage, try a lagging rollout."""
    origin = SeasonOrigin.of_season(season_dir)
    if origin is None:
        raise InputError("cli.no_simulated_season", path=str(season_dir))
    engine = ledger_of(ctx, create=True)
    try:  # the season's clock: a revision drafted "today" would lie inside a 2019 season
        key = matching_key(workspace_of(ctx).keys_dir)
        demo = consent_demo(engine, season_dir, key=key, now=origin.instant())
    finally:
        engine.dispose()
    render_demo(demo)
