"""``fairfollow plan …``: the offers-needed planner and the arrival curve, for staff acting
for an employer (the employer's own come from the portal). Parse, one core call, render.

A refused release (or a width no affordable ε meets) exits with status 1 after printing what
was decided.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from fairfollow.cli.context import JsonFlag, Season, account_of, opened
from fairfollow.cli.terminal import console, print_json
from fairfollow.employer_ids import EmployerId

plan_app = typer.Typer(
    help="What employers plan with: offers needed, when acceptances arrive.",
    no_args_is_help=True,
)

Employer = Annotated[str, typer.Option(help="The employer (E<id>).")]
Service = Annotated[str, typer.Option(help="The approved data service.")]
Epsilon = Annotated[float, typer.Option(help="ε the release spends.")]


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")


@plan_app.command("offers")
def offers_command(
    ctx: typer.Context,
    employer: Employer,
    service: Service,
    target: Annotated[int, typer.Option(help="Acceptances wanted.")],
    season: Season = 2020,
    pool: Annotated[
        int | None, typer.Option(help="A pool size to compare (default: twice the list's).")
    ] = None,
    epsilon: Epsilon = 1.0,
    width: Annotated[
        int | None,
        typer.Option(help="A 90% interval width to meet instead of --epsilon (smallest ε)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """How many offers reach TARGET acceptances with 90% probability (one release)."""
    from fairfollow.cli.governance import _release_desk
    from fairfollow.usecases.planning import PlanAsk, StaffPlanAsk, request_plan

    ask = StaffPlanAsk(
        EmployerId.parse(employer).text, service, season, PlanAsk(target, pool, epsilon, width)
    )
    with opened(ctx) as (workspace, engine):
        plan = request_plan(
            account_of(ctx, engine), ask, _release_desk(workspace, engine), datetime.now(UTC)
        )
    if as_json:
        print_json(plan.as_json())
    elif plan.plan is not None:
        p = plan.plan
        needed = "—" if p.offers_needed is None else f"{p.offers_needed:,}"
        console.print(
            f"{p.target} acceptances with {p.confidence:.0%} probability: {needed} offers "
            f"like these ({p.pool_offers:,} in the list, which reach {p.reached_by_pool}); "
            f"{p.hypothetical_offers:,} offers reach {p.reached_by_hypothetical}."
        )
    else:
        console.print(f"not released: {plan.reason}")
    if not plan.released:
        raise typer.Exit(1)


@plan_app.command("arrivals")
def arrivals_command(
    ctx: typer.Context,
    employer: Employer,
    service: Service,
    season: Season = 2020,
    epsilon: Epsilon = 1.0,
    as_json: JsonFlag = False,
) -> None:
    """Expected acceptances week by week until the season's end, with 90% intervals."""
    from fairfollow.cli.governance import _release_desk
    from fairfollow.usecases.planning import PlanAsk, StaffPlanAsk, request_arrivals

    ask = StaffPlanAsk(EmployerId.parse(employer).text, service, season, PlanAsk(1, None, epsilon))
    with opened(ctx) as (workspace, engine):
        found = request_arrivals(
            account_of(ctx, engine), ask, _release_desk(workspace, engine), datetime.now(UTC)
        )
    if as_json:
        print_json(found.as_json())
    elif found.curve is not None:
        for week, (mid, low, high) in enumerate(
            zip(found.curve.expected, found.curve.lower, found.curve.upper, strict=True)
        ):
            console.print(f"week {week + 1:2d}: {mid:7.1f}  ({low}–{high})")
    else:
        console.print(f"not released: {found.forecast.outcome.reason}")
    if not found.released:
        raise typer.Exit(1)
