"""``fairfollow rules``: the rule packs with their dates and sources' status, and which
apply on a day; ``fairfollow rules log`` appends the pack version to the transparency log
when it changed (the workspace's own shell)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from fairfollow.cli.context import JsonFlag, opened
from fairfollow.cli.terminal import console, print_json, table
from fairfollow.errors import InputError

rules_app = typer.Typer(help="The rule packs with their dates; log a new pack version.")


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")


def _day(text: str | None) -> date:
    from fairfollow.instants import JST

    if text is None:
        from datetime import UTC, datetime

        return datetime.now(UTC).astimezone(JST).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InputError("cli.date_malformed", value=text) from exc


@rules_app.command("list")
def list_command(
    on: Annotated[str | None, typer.Option(help="A day, YYYY-MM-DD (default: today, JST).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every rule, its citation, its dates with each source's status, and whether it
    applies on the day."""
    from fairfollow.law.dating import as_json as dates_json
    from fairfollow.usecases.law_packs import pack_state

    state = pack_state(None, _day(on))
    if as_json:
        print_json(
            {
                "version": state.version,
                "on": state.on.isoformat(),
                "rules": [
                    {
                        "rule": r.rule_id,
                        "citation": r.citation,
                        "applies": r.applies_on(state.on),
                        "dates": dates_json(r.dates),
                    }
                    for r in state.rules
                ],
            }
        )
        return
    rows = [
        (
            r.rule_id,
            r.citation,
            "; ".join(f"{d.applies_from} ({d.status.value})" for d in r.dates),
            r.applies_on(state.on),
        )
        for r in state.rules
    ]
    title = f"rule packs {state.version[:12]} on {state.on}"
    console.print(table(title, ("rule", "citation", "from (status)", "applies"), rows))


@rules_app.command("log")
def log_command(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Append the pack version to the transparency log, unless it is there already."""
    from fairfollow.usecases.law_packs import log_pack_version

    with opened(ctx) as (_, engine):
        logged = log_pack_version(None, engine, local=True)
    if as_json:
        print_json({"version": logged.version, "leaf_index": logged.leaf_index, "new": logged.new})
    else:
        state = "logged" if logged.new else "already logged"
        console.print(f"rule packs {logged.version[:12]}: {state} (leaf {logged.leaf_index})")
