"""``fairfollow policy …``: policy versions, their rollout to screens, and the activation gate.

Each command parses, makes one core call and renders. Drafting, approving and activating a
version are the privacy officer's (``policy.*`` in the ``ALLOWED`` table), recording a
deployment also an operator's; each runs as the session's account (``account login`` or
``FAIRFOLLOW_TOKEN``) and the decision records its login and account id, never a typed
name. ``activate`` exits with status 3 when the gate refuses (lagging screens are named), so
a deployment script stops there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fairfollow.accounts.actions import Action
from fairfollow.cli.context import acting_as, caller_of, ledger_of
from fairfollow.cli.terminal import cli_language, console, err_console, print_json, table
from fairfollow.consent import policy_store
from fairfollow.consent.policy import ActivationDecision, PolicyStatus, PolicyVersion, StatusEvent
from fairfollow.errors import InputError
from fairfollow.ledger.transaction import Connection, transaction
from fairfollow.usecases import policy as policy_cases
from fairfollow.usecases.log import consent_leaf_hook

policy_app = typer.Typer(help="Policy versions, deployments to screens, the activation gate.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Instant (ISO 8601 with offset); default now."),
]
REFUSED_EXIT = 3


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")


def parse_at(text: str | None) -> datetime:
    """An instant from the command line (:func:`fairfollow.instants.parse_instant`, the one
    parser and message); naive times are refused (their offset is a guess)."""
    from fairfollow.instants import parse_instant

    return datetime.now(UTC) if text is None else parse_instant(text, "--at")


@contextmanager
def ledger_tx(ctx: typer.Context) -> Iterator[Connection]:
    """A write transaction on the workspace's ledger."""
    engine = ledger_of(ctx)
    try:
        with transaction(engine) as conn:
            yield conn
    finally:
        engine.dispose()


@policy_app.command("list")
def list_command(ctx: typer.Context, at: AtOption = None, as_json: JsonFlag = False) -> None:
    """Versions with their status, screens with what they display, and gate decisions."""
    engine = ledger_of(ctx)
    try:
        view = policy_cases.overview(caller_of(ctx, engine), engine, parse_at(at))
    finally:
        engine.dispose()
    if as_json:
        print_json(
            {
                "at": view.at.isoformat(),
                "active": list(view.active),
                "versions": [
                    {
                        "version_id": row.version.version_id,
                        "status": row.status.value if row.status else None,
                        "effective_at": row.version.effective_at.isoformat(),
                        "purposes": sorted(row.version.purposes),
                        "material_changes": sorted(row.version.material_changes),
                    }
                    for row in view.versions
                ],
                "screens": [
                    {
                        "screen_id": row.screen.screen_id,
                        "channel": row.screen.channel,
                        "displays": row.displayed,
                        "lagging": row.lagging,
                    }
                    for row in view.screens
                ],
                "decisions": [
                    {
                        "version_id": d.version_id,
                        "at": d.at.isoformat(),
                        "outcome": d.outcome,
                        "actor": str(d.actor),
                        "reason": d.reason,
                        "lagging": [list(pair) for pair in d.lagging],
                    }
                    for d in view.decisions
                ],
            }
        )
        return
    console.print(
        table(
            "Policy versions",
            ["version", "status", "effective (UTC)", "purposes", "material changes"],
            [
                (
                    r.version.version_id,
                    r.status.value if r.status else "-",
                    r.version.effective_at.isoformat(),
                    ", ".join(sorted(r.version.purposes)),
                    ", ".join(sorted(r.version.material_changes)) or "-",
                )
                for r in view.versions
            ],
        )
    )
    console.print(
        table(
            f"Screens at {view.at.isoformat()} (active version: {', '.join(view.active) or '-'})",
            ["screen", "channel", "displays", "lagging"],
            [
                (
                    r.screen.screen_id,
                    r.screen.channel,
                    r.displayed or "-",
                    "LAGGING" if r.lagging else "",
                )
                for r in view.screens
            ],
        )
    )
    if view.decisions:
        console.print(
            table(
                "Activation decisions",
                ["version", "at", "outcome", "by", "reason", "lagging screens"],
                [
                    (
                        d.version_id,
                        d.at.isoformat(),
                        d.outcome,
                        str(d.actor),
                        d.reason or "-",
                        ", ".join(s for s, _ in d.lagging) or "-",
                    )
                    for d in view.decisions
                ],
            )
        )


@policy_app.command("add")
def add_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="JSON: version_id, effective_at, purposes, text_ja, text_en, material_changes."
        ),
    ],
) -> None:
    """The privacy officer records a new policy version as a draft."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
        version = PolicyVersion(
            doc["version_id"],
            datetime.fromisoformat(doc["effective_at"]),
            frozenset(doc["purposes"]),
            doc["text_ja"],
            doc["text_en"],
            frozenset(doc.get("material_changes", [])),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            "cli.policy_document_unreadable", file=str(file), detail=type(exc).__name__
        ) from exc
    by = acting_as(ctx, Action.POLICY_ADD)
    with ledger_tx(ctx) as conn:
        added = policy_store.add_version(conn, version, at=datetime.now(UTC), actor=by)
    console.print(f"{version.version_id}: {'recorded as draft' if added else 'already recorded'}")


@policy_app.command("approve")
def approve_command(
    ctx: typer.Context,
    version: str,
    reason: Annotated[str, typer.Option("--reason")] = "",
) -> None:
    """The privacy officer approves a draft version (draft → approved)."""
    by = acting_as(ctx, Action.POLICY_APPROVE)
    with ledger_tx(ctx) as conn:
        policy_store.set_status(
            conn, StatusEvent(version, PolicyStatus.APPROVED, datetime.now(UTC), by, reason)
        )
    console.print(f"{version}: approved by {by}")


@policy_app.command("deploy")
def deploy_command(ctx: typer.Context, screen: str, version: str, at: AtOption = None) -> None:
    """Record that SCREEN displays VERSION from now (or --at) on, as the deploy log says
    (privacy officer or operator)."""
    acting_as(ctx, Action.POLICY_DEPLOY)
    with ledger_tx(ctx) as conn:
        deployment = policy_store.deploy(conn, screen, version, parse_at(at), consent_leaf_hook)
    console.print(
        f"deployment {deployment.deploy_id}: {screen} displays {version} "
        f"from {deployment.deployed_at.isoformat()}"
    )


def render_decision(decision: ActivationDecision) -> None:
    if decision.allowed:
        forced = decision.outcome.value == "forced"
        console.print(
            f"[bold {'yellow' if forced else 'green'}]{decision.version_id} "
            f"{decision.outcome.value}[/] at {decision.at.isoformat()} by {decision.actor}"
            + (f" (reason: {decision.reason})" if forced else "")
        )
        if forced:
            console.print(
                "Consent given on the lagging screens below stays invalid for purposes "
                "their version does not cover."
            )
    else:
        err_console.print(f"[bold red]activation of {decision.version_id} refused[/]")
        from fairfollow.messages.decisions import gate_reasons

        for reason in gate_reasons(decision, cli_language()):
            err_console.print(f"  - {reason}", soft_wrap=True)
    if decision.lagging:
        console.print(
            table(
                "Lagging screens",
                ["screen", "displays"],
                [(s.screen_id, s.displayed or "-") for s in decision.lagging],
            )
        )


@policy_app.command("activate")
def activate_command(
    ctx: typer.Context,
    version: str,
    force: Annotated[bool, typer.Option("--force", help="Go live over lagging screens.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (required with --force).")] = "",
    at: AtOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The privacy officer makes VERSION the live policy; refused while any active screen
    displays another (``--force`` with a reason records the officer's account as forcing it)."""
    engine = ledger_of(ctx)
    try:
        me = caller_of(ctx, engine)
        decision = policy_cases.activate(
            me, engine, version, parse_at(at), force=force, reason=reason
        )
    finally:
        engine.dispose()
    if as_json:
        print_json(
            {
                "version_id": decision.version_id,
                "at": decision.at.isoformat(),
                "outcome": decision.outcome.value,
                "allowed": decision.allowed,
                "lagging": [
                    {"screen_id": s.screen_id, "displays": s.displayed} for s in decision.lagging
                ],
                "reasons": list(decision.reasons),
                "actor": str(decision.actor),
                "reason": decision.reason,
                "citation": decision.citation,
            }
        )
    else:
        render_decision(decision)
    if not decision.allowed:
        raise typer.Exit(REFUSED_EXIT)
