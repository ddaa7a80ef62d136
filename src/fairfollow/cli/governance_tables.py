"""Terminal rendering of the governance commands: Rich tables, or JSON with ``--json``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fairfollow.cli.terminal import cli_language, console, print_json, table
from fairfollow.law.packs import RULES
from fairfollow.law.rules import Decision, render_markdown
from fairfollow.messages import decisions
from fairfollow.services.workflow import event_json

if TYPE_CHECKING:  # types only: keeps `fairfollow --help` from importing OpenDP and Arrow
    from fairfollow.records.provision import Provision
    from fairfollow.release.budget import Budget
    from fairfollow.scenarios.replay import ReplayReport
    from fairfollow.services.approval import ServiceState
    from fairfollow.services.workflow import Registration, ServiceView, Submission
    from fairfollow.usecases.forecast import Forecast
    from fairfollow.usecases.intake import TakenList


def fresh_dir(parent: Path) -> Path:
    """A new, empty directory name under ``parent`` (time-stamped)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    candidate, n = parent / stamp, 1
    while candidate.exists():
        candidate, n = parent / f"{stamp}-{n}", n + 1
    return candidate


def state_json(s: ServiceState) -> dict[str, object]:
    return {
        "service_id": s.service_id,
        "version": s.version,
        "state": s.state.value,
        "current": s.current,
        "approvals": sorted(s.approvals),
        "privacy_officer": s.privacy_officer,
        "last_reason": s.last_reason,
        "vetoes": [{"actor": str(v.actor), "reason": v.reason} for v in s.vetoes],
    }


def state(s: ServiceState, as_json: bool) -> None:
    if as_json:
        print_json(state_json(s))
        return
    line = f"{s.service_id} v{s.version}: [bold]{s.state.value}[/]"
    if s.approvals:
        line += f" (approved by {', '.join(a.login for a in sorted(s.approvals))})"
    if s.last_reason:
        line += f" — {s.last_reason}"
    console.print(line)


def registration(r: Registration, as_json: bool) -> None:
    if as_json:
        print_json({**state_json(r.state), "material": list(r.material), "unchanged": r.unchanged})
        return
    if r.unchanged:
        console.print(f"{r.state.service_id}: unchanged (still v{r.version})")
    elif r.material:
        console.print(f"material change ({', '.join(r.material)}): back to review")
    state(r.state, False)


def language() -> str:
    """The language of the command line's tables (``FAIRFOLLOW_LANGUAGE``, ja by default)."""
    from fairfollow.errors import FairFollowError
    from fairfollow.settings import Settings

    try:
        return Settings().language
    except (FairFollowError, ValueError):  # unusable settings are reported elsewhere
        return "ja"


def decision_table(title: str, decision: Decision) -> None:
    lang = language()
    rows = [
        (
            r.rule_id,
            decisions.outcome(r.outcome, lang),
            decisions.citation(r.rule_id, lang),
            r.note,
        )
        for r in decision.results
    ]
    console.print(table(title, ["rule", "outcome", "citation", "note"], rows))


def submission(s: Submission, as_json: bool) -> None:
    if as_json:
        print_json({**state_json(s.state), "decision": s.decision.as_json()})
        return
    decision_table(f"Rules: {decisions.outcome(s.decision.outcome, language())}", s.decision)
    state(s.state, False)


def service_view(view: ServiceView, as_json: bool) -> None:
    if as_json:
        print_json(view.as_json())
        return
    s, spec = view.state, view.spec
    console.print(f"[bold]{spec.name}[/] ({s.service_id} v{s.version}) owner: {s.owner}")
    state(s, False)
    lang = language()
    console.print(
        table(
            "History",
            ["event", "kind", "version", "actor", "at", "reason"],
            [
                (
                    e["event_id"],
                    decisions.event_kind(e["kind"], lang),
                    e["version"],
                    e["actor"],
                    e["at"],
                    e["reason"],
                )
                for e in map(event_json, s.history)
            ],
        )
    )


def rules(as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "rule": r.rule_id,
                    "pack": r.pack,
                    "citation": r.citation,
                    "mandatory": r.mandatory,
                    "summary_en": r.summary_en,
                    "summary_ja": r.summary_ja,
                }
                for r in RULES
            ]
        )
    else:
        print(render_markdown(RULES), end="")


def intake(taken: TakenList, as_json: bool) -> None:
    """By default the employer's view (what it sent); match figures only with ``internal``."""
    if as_json:
        print_json(taken.as_json())
        return
    report, internal = taken.report, taken.internal
    rows: list[tuple[str, int]] = [
        ("read", report.rows_read),
        ("accepted", report.rows_accepted),
        ("quarantined", report.rows_quarantined),
        *((f"repaired: {k}", v) for k, v in report.repairs_by_kind.items()),
    ]
    if internal:
        rows += [
            ("matched", report.matched),
            *((f"refused: {k}", v) for k, v in report.refused_by_reason.items()),
            *((f"unmatched: {k}", v) for k, v in report.unmatched_by_reason.items()),
            ("offers in pool", report.offers),
        ]
    console.print(
        table(
            f"Intake {report.intake_id}: {report.file_name} ({report.encoding}, keyed by "
            f"{report.keyed_by}) → {report.employer}, season {report.season}",
            ["what", "rows"],
            rows,
        )
    )
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}", soft_wrap=True)
    if report.repairs:
        console.print(
            table(
                "Repaired cells (the row was accepted)",
                ["line", "column", "repair"],
                [(r.line, r.column, r.kind) for r in report.repairs],
            )
        )
    if report.quarantined_lines:
        console.print(
            table(
                "Quarantined lines",
                ["line", "column", "rule"],
                [(q.line, q.column, q.rule) for q in report.quarantined_lines],
            )
        )


def release(forecast: Forecast, as_json: bool) -> None:
    """By default only what the employer receives; exact figures only when asked for."""
    from fairfollow.messages.refusal import sentence, worded

    if as_json:
        print_json(forecast.as_json() if forecast.internal else worded(forecast.record).as_json())
        return
    outcome = forecast.outcome
    if outcome.released and outcome.figures is not None:
        from fairfollow.messages import accuracy

        f = outcome.figures
        console.print(
            table(
                f"Release {outcome.release_id} to {outcome.employer} (ε {f.epsilon:g}; "
                f"noise ± {f.noise_bound:.1f} at {f.noise_confidence:.0%})",
                ["figure", "value"],
                [
                    ("offers in pool", f.pool_offers),
                    ("expected acceptances", f.expected_acceptances),
                    ("90% interval (plan with this)", "–".join(map(str, f.forecast_interval))),
                    ("80% interval", "–".join(map(str, f.interval_80))),
                    ("typical error", f"± {f.typical_error:g}"),
                    (
                        "ε left this season",
                        f"{outcome.budget.remaining:g}" if outcome.budget else "-",
                    ),
                ],
            )
        )
        console.print(accuracy.sentence(f, cli_language()))
        if outcome.repeated:  # an identical earlier request's release: nothing spent now
            from fairfollow.messages.catalogue import text

            said = text("cli.release_repeated", cli_language(), release=outcome.release_id)
            console.print(said, soft_wrap=True)
        return
    refusal = forecast.record.refusal
    why = outcome.reason if refusal is None else sentence(refusal, cli_language())
    console.print(f"[bold red]refused[/]: {why} (decision {outcome.decision_id})", soft_wrap=True)
    if outcome.decision is not None:
        decision_table("Rules", outcome.decision)


def budgets(found: Sequence[Budget], as_json: bool) -> None:
    if as_json:
        print_json([b.as_json() for b in found])
        return
    console.print(
        table(
            "Privacy budgets",
            ["employer", "season", "ε cap", "ε spent", "ε left", "releases"],
            [
                (b.employer, b.season, b.cap, f"{b.spent:g}", f"{b.remaining:g}", b.releases)
                for b in found
            ],
        )
    )


def provisions(member_id: int, found: Sequence[Provision], as_json: bool) -> None:
    if as_json:
        print_json({"member_id": member_id, "provisions": [p.as_json() for p in found]})
        return
    console.print(
        table(
            f"Provisions of data about member {member_id}",
            ["provision", "recipient", "items", "consent basis", "at", "kept until"],
            [
                (
                    p.provision_id,
                    p.recipient,
                    p.items,
                    p.consent_basis,
                    p.provided_at.isoformat(),
                    p.retain_until.date().isoformat(),
                )
                for p in found
            ],
        )
    )


def replay(report: ReplayReport, as_json: bool) -> None:
    payload = report.as_json()
    if as_json:
        print_json(payload)
        return
    console.rule("[bold]Replay of the 2019 case")
    decision_table("The 2019 service, submitted", report.service_2019.decision)
    console.print(
        f"individual release: refused ({report.individual_release.reason}); citations: "
        + "; ".join(report.individual_release.citations)
    )
    for refused in report.refused_lists:
        console.print(f"list refused: {refused.employer}: {refused.reason}", soft_wrap=True)
    console.print(
        f"its administrator's one-time secret: {report.as_json()['admin_secret_file']} "
        f"(`fairfollow -w {report.workspace} account login admin --password-stdin < FILE`)",
        soft_wrap=True,
    )
    rows = []
    for f in report.forecasts:
        o, fig = f.outcome, f.outcome.figures
        rows.append(
            (
                f.employer,
                o.reason,
                "-" if fig is None else fig.expected_acceptances,
                "-" if fig is None else f"{fig.forecast_interval[0]}–{fig.forecast_interval[1]}",
                f"{o.epsilon_spent:g}",
                len(o.excluded_member_ids),
                "-" if f.realised is None else f.realised,
            )
        )
    console.print(
        table(
            "Forecasts released (noised) per employer",
            [
                "employer",
                "outcome",
                "expected",
                "interval",
                "ε",
                "excluded (no consent)",
                "realised (truth)",
            ],
            rows,
        )
    )
    console.print(table("Checks", ["check", "value"], list(report.checks.items())))
