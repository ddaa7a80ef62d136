"""``fairfollow log …``: checkpoints, receipts, proofs and audits of the transparency log.

Each command parses, makes one core call and renders. ``verify-receipt`` needs only the
receipt file and the public key: it opens no workspace and no database.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.cli import witness
from fairfollow.cli.context import AllowEmpty, nothing_to_check, workspace_of
from fairfollow.cli.log_session import (
    JsonFlag,
    PolicyFile,
    log_key,
    open_log,
    origin_notice,
    policy_of,
    verifier_text,
)
from fairfollow.cli.terminal import console, print_json, progress, table
from fairfollow.tlog.record import LeafKind

if TYPE_CHECKING:
    from fairfollow.release.reconciliation import Reconciliation
    from fairfollow.tlog.audit import AuditReport
    from fairfollow.tlog.checkpoint_file import CopyCheck
    from fairfollow.tlog.receipt import LogReceiptCheck

log_app = typer.Typer(help="The transparency log: signed checkpoints, receipts, proofs, audits.")


def register(app: typer.Typer) -> None:
    witness.register(log_app)
    app.add_typer(log_app, name="log")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@log_app.command("checkpoint")
def checkpoint_command(
    ctx: typer.Context, policy: PolicyFile = None, as_json: JsonFlag = False
) -> None:
    """Sign the current tree head (or reuse the latest if nothing was appended), publish it
    to the copy outside the database and print it; with a tlog-policy (--policy, or the
    workspace's log-witnesses.policy) send it to the witnesses and print it cosigned."""
    from fairfollow.usecases import log as log_cases

    with open_log(ctx) as (workspace, engine, publisher):
        found = policy_of(workspace, policy)
        stored = log_cases.publish(
            None, engine, publisher, datetime.now(UTC), policy=found, local=True
        )
    if as_json:
        print_json(
            {
                "checkpoint_id": stored.checkpoint_id,
                "tree_size": stored.size,
                "root": _b64(stored.root),
                "issued_at": stored.issued_at.isoformat(),
                "note": stored.note,
            }
        )
    else:
        print(stored.note, end="")


@log_app.command("export-tiles")
def export_tiles_command(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Where to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Write the log as C2SP tlog-tiles files (checkpoint, tile/…, tile/entries/…): serve
    them from any static server, or check them offline with standard tools."""
    from fairfollow.usecases import log as log_cases

    with open_log(ctx) as (_, engine, _publisher):
        done = log_cases.export_tiles(None, engine, directory, local=True)
    if as_json:
        print_json({"directory": str(done.directory), "size": done.size, "files": done.files})
    else:
        console.print(
            f"[green]✓[/] {done.files} files for a tree of {done.size} leaves in {done.directory}"
        )


@log_app.command("export-key")
def export_key_command(ctx: typer.Context) -> None:
    """Print the log's public verifier key (<name>+<key id>+<base64 key>)."""
    from fairfollow.tlog.keys import load_or_create_log_signer

    workspace = workspace_of(ctx)
    signer = load_or_create_log_signer(workspace.keys_dir, workspace.log_origin)
    origin_notice(workspace, signer)
    print(signer.verifier.encode())


@log_app.command("receipt")
def receipt_command(
    ctx: typer.Context,
    index: Annotated[int | None, typer.Option(help="Leaf index.")] = None,
    ref: Annotated[str | None, typer.Option(help="Ref of the logged record instead.")] = None,
    kind: Annotated[
        str, typer.Option(help="Kind of the record named by --ref.")
    ] = LeafKind.RELEASE.value,
    out: Annotated[Path | None, typer.Option(help="Write here (*.tlog-proof).")] = None,
) -> None:
    """Issue the receipt of one leaf: proof, signed checkpoint and the leaf itself."""
    from fairfollow.ledger.transaction import transaction
    from fairfollow.tlog import store as log_store
    from fairfollow.tlog.receipt import issue_receipt

    with open_log(ctx) as (_, engine, publisher), transaction(engine, "receipt") as conn:
        if index is None:
            found = log_store.find_leaf(conn, kind, ref) if ref else None
            if found is None:
                raise typer.BadParameter("give --index, or --ref (and --kind) of a logged record")
            index = found.index
        receipt = issue_receipt(conn, index, publisher, datetime.now(UTC))
    if out is None:
        print(receipt.encode(), end="")
    else:
        out.write_text(receipt.encode(), encoding="utf-8")
        console.print(f"receipt for leaf {index} written to {out}")


def render_receipt_check(check: LogReceiptCheck, as_json: bool) -> None:
    record = check.record
    if as_json:
        print_json(
            {
                "valid": check.valid,
                "reason": check.reason,
                "index": check.index,
                "tree_size": check.tree_size,
                "record": None
                if record is None
                else {"kind": record.kind, "ref": record.ref, "body": record.body},
            }
        )
    elif check.valid and record is not None:
        console.print(
            f"[green]✓ valid[/]: leaf {check.index} of a tree of {check.tree_size} "
            f"leaves — {record.kind} {record.ref}"
        )
    else:
        console.print(f"[red]✗ invalid[/]: {check.reason}")


@log_app.command("verify-receipt")
def verify_receipt_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Receipt file.")],
    key: Annotated[
        str | None,
        typer.Option(help="Verifier key, or a file holding it (default: the policy's log)."),
    ] = None,
    origin: Annotated[str | None, typer.Option(help="Expected log origin.")] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option(help="A witness's key (or file) whose cosignature is required; repeatable."),
    ] = None,
    policy: PolicyFile = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a receipt offline with only the file and the log's public key (and, with
    --witness-key, the cosignature of each witness named; with --policy, the quorum of a
    C2SP tlog-policy file). A member's provision proof (docs/rights.md) is checked the
    same way."""
    from fairfollow.cli.rights import render_member_check
    from fairfollow.rights.receipt import verify_member_receipt
    from fairfollow.tlog.cosignature import parse_cosigner_key
    from fairfollow.tlog.keys import parse_verifier_key
    from fairfollow.tlog.policy import parse_policy
    from fairfollow.tlog.receipt import verify_receipt

    found = None if policy is None else parse_policy(policy.read_text(encoding="utf-8"))
    if key is not None:
        verifier = parse_verifier_key(verifier_text(key))
    elif found is not None and len(found.logs) == 1:
        verifier = found.logs[0]
    else:
        raise typer.BadParameter("give --key, or a --policy naming one log")
    text = file.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):  # a member provision proof
        member = verify_member_receipt(text, verifier, origin)
        render_member_check(member, as_json)
        if not member.valid:
            raise typer.Exit(1)
        return
    witnesses = [parse_cosigner_key(verifier_text(k)) for k in witness_key or []]
    check = verify_receipt(text, verifier, origin, witnesses, found)
    render_receipt_check(check, as_json)
    if not check.valid:
        raise typer.Exit(1)


@log_app.command("verify")
def verify_command(
    ctx: typer.Context, as_json: JsonFlag = False, allow_empty: AllowEmpty = False
) -> None:
    """Recompute every checkpoint from the leaves; check consecutive ones are consistent and
    that the latest is not older than one the checkpoint file already holds (rollback)."""
    from fairfollow.ledger.transaction import reading
    from fairfollow.tlog import store as log_store
    from fairfollow.tlog.audit import verify_log
    from fairfollow.tlog.checkpoint_file import read_notes

    nothing_to_check(workspace_of(ctx))
    with open_log(ctx) as (workspace, engine, publisher), reading(engine, "verify") as conn:
        total = log_store.tree_size(conn)
        nothing_to_check(workspace_of(ctx), total, allow_empty)
        mirrored = read_notes(workspace.checkpoint_file)  # sizes the log already recorded
        key = log_key(publisher.signer)
        with progress(quiet=as_json) as bar:
            task = bar.add_task("verifying leaves", total=total)
            result = verify_log(
                conn, key, lambda n: bar.update(task, completed=n), mirrored=mirrored
            )
            bar.update(task, completed=total)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "tree_size": result.tree_size,
                "checkpoints": result.checkpoints,
                "problems": list(result.problems),
            }
        )
    elif result.ok:
        console.print(
            f"[green]✓ log verified[/]: {result.tree_size:,} leaves, "
            f"{result.checkpoints} checkpoints"
        )
    else:
        console.print(table("Log verification failed", ["problem"], [[p] for p in result.problems]))
    if not result.ok:
        raise typer.Exit(1)


def copy_sentence(copy: CopyCheck) -> str:
    """Why the outside copy fails the audit (or that it is current), in the CLI's language."""
    from fairfollow.messages.catalogue import text
    from fairfollow.settings import Settings

    return text(
        f"tlog.copy_{copy.state.value}",
        Settings().language,
        path=str(copy.path),
        copy_size=copy.copy_size,
        ledger_size=copy.ledger_size,
    )


def render_audit(
    report: AuditReport,
    as_json: bool,
    budgets: Reconciliation | None = None,
    copy: CopyCheck | None = None,
) -> None:
    copy_ok = copy is None or copy.ok
    spending = () if budgets is None else budgets.employers
    members = () if budgets is None else budgets.members
    unrecounted = () if budgets is None else budgets.unrecounted
    budgets_ok = budgets is None or budgets.ok
    if as_json:
        print_json(
            {
                "ok": report.ok and budgets_ok and copy_ok,
                "checkpoint_copy": None
                if copy is None
                else {
                    "state": copy.state.value,
                    "path": str(copy.path),
                    "copy_size": copy.copy_size,
                    "ledger_size": copy.ledger_size,
                    "reason": copy_sentence(copy),
                },
                "member_budget_findings": [
                    {
                        "member_id": f.member_id,
                        "season": f.season,
                        "log_epsilon": f.logged.epsilon,
                        "log_releases": f.logged.releases,
                        "ledger_epsilon": f.ledger.epsilon,
                        "ledger_releases": f.ledger.releases,
                    }
                    for f in members
                ],
                "releases_not_recounted": list(unrecounted),
                "budget_findings": [
                    {
                        "employer": f.employer,
                        "season": f.season,
                        "log_epsilon": f.logged.epsilon,
                        "log_releases": f.logged.releases,
                        "ledger_epsilon": f.ledger.epsilon,
                        "ledger_releases": f.ledger.releases,
                    }
                    for f in spending
                ],
                "tree_size": report.tree_size,
                "checkpoints": report.checkpoints,
                "signed_size": report.signed_size,
                "unsigned_leaves": report.unsigned_leaves,
                "findings": [
                    {"kind": f.kind, "index": f.index, "end": f.end, "detail": f.detail}
                    for f in report.findings
                ],
            }
        )
        return
    summary = (
        f"{report.tree_size:,} leaves, {report.checkpoints} checkpoints, "
        f"{report.unsigned_leaves:,} leaves not yet under a checkpoint"
    )
    for finding in spending:
        console.print(f"[red]✗ budget[/]: {finding.detail}")
    for member in members:
        console.print(f"[red]✗ member budget[/]: {member.detail}")
    for problem in unrecounted:
        console.print(f"[red]✗ member budget[/]: {problem}")
    if copy is not None and not copy.ok:
        console.print(f"[red]✗ checkpoint copy[/]: {copy_sentence(copy)}", markup=True)
    if report.ok and budgets_ok and copy_ok:
        console.print(f"[green]✓ no tampering found[/]: {summary}")
        return
    if report.ok:
        return
    rows = [
        (f.kind, "" if f.index is None else f.index, "" if f.end is None else f.end - 1, f.detail)
        for f in report.findings
    ]
    console.print(
        table(
            f"Log audit: {len(rows)} findings ({summary})", ["kind", "index", "to", "detail"], rows
        )
    )


@log_app.command("audit")
def audit_command(
    ctx: typer.Context,
    witness: Annotated[
        Path | None, typer.Option(help="A witness's store: hold the log to what it cosigned.")
    ] = None,
    as_json: JsonFlag = False,
    allow_empty: AllowEmpty = False,
) -> None:
    """Report every modified, deleted, reordered or inserted leaf with its index; against
    the plain checkpoint file (which must be there and hold the latest checkpoint) and
    (--witness DIR) a witness, also truncation, deleted checkpoints, a replaced key and a
    split view."""
    from fairfollow.usecases import log as log_cases

    workspace = workspace_of(ctx)
    nothing_to_check(workspace)
    with open_log(ctx) as (_, engine, publisher), progress(quiet=as_json) as bar:
        task = bar.add_task("auditing leaves", total=None)
        found = log_cases.audit(
            None,
            engine,
            log_key(publisher.signer),
            workspace.checkpoint_file,
            witness=witness,
            budgets=True,
            on_progress=lambda n: bar.update(task, completed=n),
            local=True,
        )
        bar.update(task, total=found.report.tree_size, completed=found.report.tree_size)
    nothing_to_check(workspace, found.report.tree_size, allow_empty)
    render_audit(found.report, as_json, found.budgets, found.copy)
    if not (found.report.ok and found.copy.ok and (found.budgets is None or found.budgets.ok)):
        raise typer.Exit(1)


@log_app.command("prove")
def prove_command(
    ctx: typer.Context,
    index: Annotated[int, typer.Option(help="Leaf index (0-based).")],
    size: Annotated[int | None, typer.Option(help="Tree size; default the current.")] = None,
) -> None:
    """Print the inclusion proof of a leaf as JSON (hashes in base64)."""
    from fairfollow.ledger.transaction import reading
    from fairfollow.tlog import proofs

    with open_log(ctx) as (_, engine, _signer), reading(engine, "prove") as conn:
        found = proofs.inclusion(conn, index, size)
    print_json(found.as_json())


@log_app.command("consistency")
def consistency_command(
    ctx: typer.Context,
    size1: Annotated[int, typer.Option("--from", help="Older tree size.")],
    size2: Annotated[int | None, typer.Option("--to", help="Newer size; default current.")] = None,
) -> None:
    """Print the consistency proof between two tree sizes as JSON (hashes in base64)."""
    from fairfollow.ledger.transaction import reading
    from fairfollow.tlog import proofs

    with open_log(ctx) as (_, engine, _signer), reading(engine, "consistency") as conn:
        found = proofs.consistency(conn, size1, size2)
    print_json(found.as_json())
