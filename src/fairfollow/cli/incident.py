"""``fairfollow incident …``: the leak register on the statutory clock (docs/governance.md).

Each command runs as the session's account, parses, makes one use-case call and renders;
times are shown in JST with the offset, labels in the command line's language (the PPC
report draft is always Japanese: the PPC's form is).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from fairfollow.cli.context import JsonFlag, caller_of, opened
from fairfollow.cli.terminal import cli_language, console, print_json, table
from fairfollow.incidents.incident import IncidentInput
from fairfollow.instants import in_jst, parse_instant
from fairfollow.law.incidents import Duty, IncidentFacts
from fairfollow.usecases import incidents as cases

incident_app = typer.Typer(
    help="Leak incidents on the PPC's clock (APPI Art. 26): due list, drafts."
)
Flag = bool


def register(app: typer.Typer) -> None:
    app.add_typer(incident_app, name="incident")


def _text(code: str, language: str | None = None, **params: object) -> str:
    from fairfollow.messages.catalogue import text

    return text(code, language or cli_language(), **params)


def _term(value: object, language: str | None = None) -> str:
    from fairfollow.messages.catalogue import shown

    return shown(value, language or cli_language())


@incident_app.command("record")
def record_command(
    ctx: typer.Context,
    discovered_at: Annotated[str, typer.Option(help="When it was discovered (ISO 8601).")],
    persons: Annotated[int, typer.Option(help="Persons concerned (estimate upwards).")],
    item: Annotated[list[str], typer.Option(help="An item of personal data. Repeatable.")],
    summary: Annotated[str, typer.Option(help="What happened.")],
    cause: Annotated[str, typer.Option(help="The cause, as far as known.")] = "",
    eu_persons: Annotated[int, typer.Option(help="Of them, persons in the EU.")] = 0,
    special_care: Annotated[Flag, typer.Option(help="Special-care data involved.")] = False,
    financial_loss: Annotated[Flag, typer.Option(help="Misuse may cause loss.")] = False,
    unlawful_purpose: Annotated[Flag, typer.Option(help="Unauthorised access etc.")] = False,
    acquisition: Annotated[Flag, typer.Option(help="Data being acquired (skimming).")] = False,
    encrypted: Annotated[Flag, typer.Option(help="Highly encrypted.")] = False,
    pseudonymised: Annotated[Flag, typer.Option(help="Pseudonymised information.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Record a leak (loss, damage) and start the statutory clocks."""
    with opened(ctx) as (_, engine):  # the workspace first: a missing one is the error
        facts = IncidentFacts(
            discovered_at=parse_instant(discovered_at, "--discovered-at"),
            persons=persons,
            categories=tuple(item),
            special_care=special_care,
            financial_loss=financial_loss,
            unlawful_purpose=unlawful_purpose,
            acquisition=acquisition,
            encrypted=encrypted,
            pseudonymised=pseudonymised,
            eu_persons=eu_persons,
        )
        found = cases.record_incident(
            caller_of(ctx, engine), IncidentInput(facts, summary, cause), engine
        )
    now = datetime.now(UTC)
    if as_json:
        print_json(found.as_json(now))
        return
    reportable = found.assessment.reportable
    console.print(_text("incidents.recorded", ref=found.ref, reportable=reportable))
    _duties(found.as_json(now)["duties"])


def _duties(rows: object) -> None:
    assert isinstance(rows, list)
    shown = [
        (_term(Duty(r["duty"])), _term(r["required"]), r["due_at"] or "—", r["done_at"] or "—")
        for r in rows
    ]
    console.print(table("", ("duty", "required", "due (JST)", "done"), shown))


@incident_app.command("due")
def due_command(
    ctx: typer.Context,
    at: Annotated[str | None, typer.Option(help="Instant (default: now).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every report or notice still due, soonest (so overdue) first."""
    with opened(ctx) as (_, engine):
        now = datetime.now(UTC) if at is None else parse_instant(at, "--at")
        found = cases.due_list(caller_of(ctx, engine), engine, now)
    if as_json:
        print_json({"at": in_jst(now), "due": [s.as_json() for s in found.open]})
        return
    if not found.open:
        console.print(_text("incidents.none_due"))
        return
    rows = [
        (
            f"inc-{s.incident_id:04d}",
            _term(s.duty),
            in_jst(s.due_at) if s.due_at else "—",
            "[red]✗ late[/]" if s.late else "",
        )
        for s in found.open
    ]
    console.print(table(f"due at {in_jst(now)}", ("incident", "duty", "due (JST)", ""), rows))


@incident_app.command("show")
def show_command(ctx: typer.Context, incident: int, as_json: JsonFlag = False) -> None:
    """An incident: its facts, triggers with citations, duties and reports."""
    with opened(ctx) as (_, engine):
        found = cases.show_incident(caller_of(ctx, engine), incident, engine)
    data = found.as_json(datetime.now(UTC))
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{found.ref}[/] {found.input.summary}")
    triggers = ", ".join(_term(t) for t in found.assessment.triggers) or "—"
    console.print(f"{triggers} · {', '.join(str(c) for c in found.assessment.citations)}")
    _duties(data["duties"])


@incident_app.command("draft")
def draft_command(
    ctx: typer.Context,
    incident: int,
    duty: Annotated[Duty, typer.Option(help="Which report.")] = Duty.PPC_PRELIMINARY,
) -> None:
    """The report to the PPC as a Japanese draft, with the form's fields."""
    with opened(ctx) as (_, engine):
        found = cases.report_draft(caller_of(ctx, engine), incident, duty, engine)
    from fairfollow.messages.drafts import render_draft

    print(render_draft(found))


@incident_app.command("file")
def file_command(
    ctx: typer.Context,
    incident: int,
    duty: Annotated[Duty, typer.Option(help="Which report or notice was made.")],
    filed_at: Annotated[str, typer.Option(help="When it was made (ISO 8601).")],
    reference: Annotated[str, typer.Option(help="The PPC's receipt number etc.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record a report or notice as made; the log leaf says whether it was on time."""
    with opened(ctx) as (_, engine):
        when = parse_instant(filed_at, "--filed-at")
        report = cases.file_report(caller_of(ctx, engine), incident, duty, when, reference, engine)
        shown = cases.show_incident(caller_of(ctx, engine), incident, engine)
    due = shown.assessment.duty(duty)
    on_time = not due.overdue(report.logged_at, report.filed_at)
    if as_json:
        print_json(
            {
                "incident": shown.ref,
                "duty": duty.value,
                "filed_at": in_jst(report.filed_at),
                "logged_at": in_jst(report.logged_at),
                "on_time": on_time,
                "leaf_index": report.leaf_index,
            }
        )
        return
    console.print(
        _text("incidents.filed", ref=shown.ref, duty=duty, on_time=on_time, leaf=report.leaf_index)
    )
