"""``fairfollow rights …``: data-subject requests, from receipt to completion (docs/rights.md).

Every command runs as the session's account (``fairfollow account login`` or
``FAIRFOLLOW_TOKEN``), never a typed name. An operator or the privacy officer acts on a request
verified outside the system (in person, by post): the identity check is recorded as their
account and the evidence they saw (``--evidence``). A member's own account files and reads its
own requests, and its log-in is the identity check (no operator needed). Each command parses,
authenticates, makes one core call and renders; times are shown in JST with the offset,
labels in ja/en.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer

from fairfollow.cli.context import account_of, caller_of, shown, workspace_of
from fairfollow.cli.terminal import console, print_json, table
from fairfollow.instants import in_jst, parse_instant
from fairfollow.ledger.engine import workspace_ledger
from fairfollow.rights.certificate import Preview
from fairfollow.rights.desk import Completion, Desk
from fairfollow.rights.detail import RequestDetail, WithdrawalDetail, correction_lines, detail_of
from fairfollow.rights.receipt import MemberReceiptCheck
from fairfollow.rights.request import LAW, LegalBasis, RightKind, RightsRequest
from fairfollow.settings import Settings
from fairfollow.usecases import rights as rights_cases

rights_app = typer.Typer(
    help="Data-subject rights: disclosure, provision records, withdrawal, "
    "stop, correction, erasure."
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
At = Annotated[str | None, typer.Option(help="Instant with offset (default: now).")]


def register(app: typer.Typer) -> None:
    app.add_typer(rights_app, name="rights")


def _at(text: str | None) -> datetime:
    return datetime.now(UTC) if text is None else parse_instant(text, "--at")


@contextmanager
def _desk(ctx: typer.Context) -> Iterator[Desk]:
    workspace = workspace_of(ctx)
    engine = workspace_ledger(workspace)
    try:
        yield Desk(workspace, engine, Settings(home=workspace.root))
    finally:
        engine.dispose()


def _as_json(request: RightsRequest, now: datetime) -> dict[str, object]:
    law = request.law
    return {
        "request_id": request.request_id,
        "kind": request.kind.value,
        "label": {"ja": law.label_ja, "en": law.label_en},
        "law": {"appi": law.appi, "gdpr": law.gdpr},
        "basis": request.basis.value,
        "status": request.status.value,
        "received_at": in_jst(request.received_at),
        "due_at": in_jst(request.due_at),
        "days_left": round(request.days_left(now), 1),
        "overdue": request.overdue(now),
        "identity": None
        if request.identity is None
        else {
            "method": request.identity.method.value,
            "verified_by": str(request.identity.verified_by),
            "evidence": request.identity.evidence,
        },
        "detail": request.detail.as_json(),
        "actions": [
            {
                "at": in_jst(a.at),
                "status": a.status.value,
                "action": a.action,
                "actor": str(a.actor),
                "detail": dict(a.detail),
            }
            for a in request.actions
        ],
    }


def _render(request: RightsRequest, now: datetime, as_json: bool) -> None:
    if as_json:
        print_json(_as_json(request, now))
        return
    law = request.law
    console.print(
        f"請求 request [bold]{request.request_id}[/]: {law.label_ja} / {law.label_en} "
        f"({law.appi}; {law.gdpr}) — 状態 status [bold]{request.status.value}[/], "
        f"期限 due {shown(request.due_at)}"
    )
    console.print(
        table(
            "対応履歴 actions",
            ["日時 at", "状態 status", "対応 action", "担当 actor"],
            [[shown(a.at), a.status.value, a.action, str(a.actor)] for a in request.actions],
        )
    )


@rights_app.command("request")
def request_command(
    ctx: typer.Context,
    kind: Annotated[RightKind, typer.Argument(help="What the member asks for.")],
    member: Annotated[int, typer.Option("--member", help="The member's id.")],
    evidence: Annotated[
        str | None,
        typer.Option(help="What the operator checked (document, channel): verified at once."),
    ] = None,
    basis: Annotated[
        LegalBasis, typer.Option(help="The law the request is made under.")
    ] = LegalBasis.APPI,
    purpose: Annotated[
        list[str] | None, typer.Option(help="Withdrawal: purpose (repeat; default all).")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option(help="Correction: NAME=VALUE (repeat).")
    ] = None,
    raw_events: Annotated[bool, typer.Option(help="Disclosure: include the raw events.")] = False,
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a request as received: verified at once when the member's own account files
    it, or when the operator filing it gives the --evidence they checked."""
    detail: RequestDetail | None = None
    if kind is RightKind.CORRECTION:
        detail = correction_lines(list(field or []))  # the one parser of corrections
    elif kind is RightKind.WITHDRAWAL:
        detail = WithdrawalDetail(tuple(purpose or ()))
    elif kind is RightKind.DISCLOSURE:
        detail = detail_of(kind.value, {"raw_events": raw_events})
    when = _at(at)
    with _desk(ctx) as desk:
        me = account_of(ctx, desk.engine)
        request = rights_cases.file(
            me, desk, kind, member, when, basis=basis, detail=detail, evidence=evidence
        )
    _render(request, when, as_json)


@rights_app.command("verify")
def verify_command(
    ctx: typer.Context,
    request_id: int,
    evidence: Annotated[str, typer.Option(help="What the operator checked.")],
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """An operator records the identity check of a request received without one."""
    when = _at(at)
    with _desk(ctx) as desk:
        request = rights_cases.verify(
            account_of(ctx, desk.engine), desk, request_id, evidence, when
        )
    _render(request, when, as_json)


@rights_app.command("show")
def show_command(ctx: typer.Context, request_id: int, as_json: JsonFlag = False) -> None:
    """One request with every action taken on it (staff, or the member's own account)."""
    with _desk(ctx) as desk:
        view = rights_cases.show(account_of(ctx, desk.engine), desk, request_id)
    _render(view.request, datetime.now(UTC), as_json)
    if not as_json and view.progress.pending and view.progress.started:
        console.print(f"未完了の手順 steps pending: {', '.join(view.progress.pending)}")


@rights_app.command("due")
def due_command(ctx: typer.Context, at: At = None, as_json: JsonFlag = False) -> None:
    """Open requests with the days left; overdue ones in red (operator, privacy officer)."""
    when = _at(at)
    with _desk(ctx) as desk:
        found = rights_cases.due(caller_of(ctx, desk.engine), desk)
    if as_json:
        print_json([_as_json(r, when) for r in found])
        return
    rows = []
    for r in found:
        left = f"{r.days_left(when):.1f}"
        rows.append(
            [
                str(r.request_id),
                f"{r.law.label_ja} / {r.law.label_en}",
                r.status.value,
                shown(r.due_at),
                f"[bold red]{left} 期限超過 overdue[/]" if r.overdue(when) else left,
            ]
        )
    console.print(
        table(
            "未完了の請求 open requests",
            ["請求 id", "種類 kind", "状態 status", "期限 due (JST)", "残り日数 days left"],
            rows,
        )
    )


def _render_completion(done: Completion, as_json: bool) -> None:
    now = datetime.now(UTC)
    if as_json:
        print_json(
            {
                **_as_json(done.request, now),
                "effect": dict(done.effect),
                "files": [str(p) for p in done.files],
            }
        )
        return
    _render(done.request, now, False)
    for path in done.files:
        console.print(f"  {path}")


def _step_done(name: str) -> None:
    console.print(f"  ✓ {name}")


@rights_app.command("complete")
def complete_command(
    ctx: typer.Context,
    request_id: int,
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """An operator carries out a verified request (its effect: see `rights kinds`), step by
    step, and records it done; run again, it resumes after the last recorded step. An
    export goes to the workspace's exports folder (reports/rights-request-ID)."""
    with _desk(ctx) as desk:
        me = caller_of(ctx, desk.engine)
        done = rights_cases.complete(
            me, desk, request_id, _at(at), on_step=None if as_json else _step_done
        )
    _render_completion(done, as_json)


@rights_app.command("preview")
def preview_command(ctx: typer.Context, request_id: int, as_json: JsonFlag = False) -> None:
    """What completing the request will erase or change, and what the law keeps (staff)."""
    with _desk(ctx) as desk:
        found = rights_cases.preview_request(caller_of(ctx, desk.engine), desk, request_id)
    _render_preview(found, as_json)


def _render_preview(found: Preview, as_json: bool) -> None:
    kept = [
        {
            "provision_id": k.provision_id,
            "recipient": k.recipient,
            "provided_at": in_jst(k.provided_at),
            "retain_until": in_jst(k.retain_until),
            "citation": k.citation,
        }
        for k in found.kept
    ]
    if as_json:
        print_json(
            {
                "kind": found.kind.value,
                "steps": list(found.steps),
                "affected": {h.key: h.count for h in found.affected},
                "kept": kept,
            }
        )
        return
    console.print(
        table(
            "対象 affected",
            ["区分 category", "件数 count"],
            [[h.key, f"{h.count:,}"] for h in found.affected],
        )
    )
    console.print(
        table(
            "保存されるもの kept by law",
            ["記録 record", "提供先 recipient", "保存期限 until", "根拠 law"],
            [
                [
                    str(k["provision_id"]),
                    str(k["recipient"]),
                    str(k["retain_until"]),
                    str(k["citation"]),
                ]
                for k in kept
            ],
        )
    )
    console.print(f"手順 steps: {' → '.join(found.steps)}")


@rights_app.command("certificate")
def certificate_command(ctx: typer.Context, request_id: int) -> None:
    """The completion certificate of a request, as JSON (staff, or the member's own)."""
    with _desk(ctx) as desk:
        found = rights_cases.certificate_of(account_of(ctx, desk.engine), desk, request_id)
    print_json(found.as_json())


@rights_app.command("export")
def export_command(
    ctx: typer.Context,
    member: Annotated[int, typer.Option("--member", help="The member's id.")],
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """Write the export of the member's verified disclosure or provision-records request to
    the workspace's exports folder (an operator, or the member's own account)."""
    with _desk(ctx) as desk:
        done = rights_cases.export(account_of(ctx, desk.engine), desk, member, _at(at))
    _render_completion(done, as_json)


@rights_app.command("refuse")
def refuse_command(
    ctx: typer.Context,
    request_id: int,
    reason: Annotated[str, typer.Option(help="The reason the member is told.")],
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """An operator closes a request without acting on it, with the reason (APPI Art. 36)."""
    when = _at(at)
    with _desk(ctx) as desk:
        request = rights_cases.refuse(account_of(ctx, desk.engine), desk, request_id, reason, when)
    _render(request, when, as_json)


@rights_app.command("kinds")
def kinds_command(as_json: JsonFlag = False) -> None:
    """Each right, its articles and what completing it does."""
    rows = [
        [k.kind.value, f"{k.label_ja} / {k.label_en}", k.appi, k.gdpr, k.effect]
        for k in LAW.values()
    ]
    if as_json:
        print_json(
            [dict(zip(["kind", "label", "appi", "gdpr", "effect"], r, strict=True)) for r in rows]
        )
    else:
        console.print(table("権利 rights", ["kind", "label", "APPI", "GDPR", "effect"], rows))


def render_member_check(check: MemberReceiptCheck, as_json: bool) -> None:
    """The outcome of ``log verify-receipt`` on a member provision proof."""
    if as_json:
        print_json(
            {
                "valid": check.valid,
                "included": check.included,
                "reason": check.reason,
                "log_index": check.log_index,
                "tree_size": check.tree_size,
                "release": check.release,
            }
        )
        return
    release = check.release or {}
    name = f"release {release.get('decision_id', '?')} to {release.get('recipient', '?')}"
    if not check.valid:
        console.print(f"[bold red]✗ invalid[/]: {check.reason}")
    elif check.included:
        console.print(
            f"[green]✓ valid[/]: you were among the contributors of {name} "
            f"(log leaf {check.log_index} of {check.tree_size}) / 提供に含まれていました"
        )
    else:
        console.print(
            f"[green]✓ valid[/]: you were NOT among the contributors of {name} "
            f"(log leaf {check.log_index} of {check.tree_size}) / 提供に含まれていません"
        )
