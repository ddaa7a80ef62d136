"""``fairfollow log …``: checkpoints, receipts, proofs and audits of the transparency log.

Each command parses, makes one core call and renders. ``verify-receipt`` needs only the
receipt file and the public key: it opens no workspace and no database.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.cli.context import AllowEmpty, nothing_to_check, workspace_of
from fairfollow.cli.terminal import console, error_sentence, print_json, progress, table
from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.record import LeafKind
from fairfollow.workspace import Workspace

if TYPE_CHECKING:
    from fairfollow.ledger.transaction import Engine
    from fairfollow.release.reconciliation import Reconciliation
    from fairfollow.tlog.audit import AuditReport
    from fairfollow.tlog.checkpoint_file import CopyCheck, LogPublisher
    from fairfollow.tlog.keys import NoteSigner, NoteVerifier
    from fairfollow.tlog.policy import Policy
    from fairfollow.tlog.receipt import LogReceiptCheck
    from fairfollow.usecases.log import Cosigning

log_app = typer.Typer(help="The transparency log: signed checkpoints, receipts, proofs, audits.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
PolicyFile = Annotated[
    Path | None,
    typer.Option(
        "--policy", exists=True, dir_okay=False, help="A C2SP tlog-policy file: its witnesses."
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@contextmanager
def _ledger(ctx: typer.Context) -> Iterator[tuple[Workspace, Engine, LogPublisher]]:
    from fairfollow.ledger.engine import workspace_ledger
    from fairfollow.tlog.checkpoint_file import LogPublisher

    workspace = workspace_of(ctx)
    engine = workspace_ledger(workspace)
    try:
        publisher = LogPublisher.of_workspace(workspace)
        _origin_notice(workspace, publisher.signer)
        yield workspace, engine, publisher
    finally:
        engine.dispose()


def _origin_notice(workspace: Workspace, signer: NoteSigner) -> None:
    """Say so (on stderr) when FAIRFOLLOW_LOG_ORIGIN names another origin than the log's:
    an existing log keeps the origin it was created with."""
    if workspace.log_origin is None or workspace.log_origin == signer.name:
        return
    from fairfollow.cli.terminal import cli_language
    from fairfollow.messages.catalogue import text

    notice = text(
        "tlog.log_origin_kept", cli_language(), origin=signer.name, setting=workspace.log_origin
    )
    print(notice, file=sys.stderr)


@log_app.command("checkpoint")
def checkpoint_command(
    ctx: typer.Context, policy: PolicyFile = None, as_json: JsonFlag = False
) -> None:
    """Sign the current tree head (or reuse the latest if nothing was appended), publish it
    to the copy outside the database and print it; with a tlog-policy (--policy, or the
    workspace's log-witnesses.policy) send it to the witnesses and print it cosigned."""
    from fairfollow.usecases import log as log_cases

    with _ledger(ctx) as (workspace, engine, publisher):
        found = _policy(workspace, policy)
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


def _log_key(signer: NoteSigner) -> NoteVerifier:
    """The log's key as pinned in settings (FAIRFOLLOW_LOG_PUBLIC_KEY), else the
    workspace's own; a pinned key makes a replaced key file fail every check."""
    from fairfollow.settings import Settings
    from fairfollow.tlog.keys import parse_verifier_key

    pinned = Settings().log_public_key
    return signer.verifier if not pinned else parse_verifier_key(_verifier_text(pinned))


WitnessDir = Annotated[Path, typer.Option("--store", help="The witness's own directory.")]
witness_app = typer.Typer(
    help="A witness: cosign this workspace's new checkpoints from a directory (--store), or "
    "serve C2SP tlog-witness add-checkpoint over HTTP (serve).",
    invoke_without_command=True,
)
log_app.add_typer(witness_app, name="witness")


@witness_app.callback()
def witness_command(
    ctx: typer.Context,
    store: Annotated[
        Path | None, typer.Option("--store", help="The witness's own directory.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Act as a witness with its own store: check every new checkpoint against the last one
    it cosigned (consistency, no truncation, no split view, the key it pinned) and cosign
    it (C2SP tlog-cosignature); exit 1 with the reason when it refuses."""
    if ctx.invoked_subcommand is not None:
        return
    if store is None:
        raise typer.BadParameter("give --store DIR (the witness's own directory)")
    from fairfollow.ledger.transaction import transaction
    from fairfollow.tlog.checkpoint_file import catch_up
    from fairfollow.tlog.witness import Witness, send_checkpoints

    witness = Witness(store)
    try:
        with _ledger(ctx) as (_, engine, publisher), transaction(engine, "witness") as conn:
            catch_up(conn, publisher.outside)
            done = send_checkpoints(conn, witness, _log_key(publisher.signer), datetime.now(UTC))
            seen = witness.log(_log_key(publisher.signer).name)
    except TransparencyLogError as exc:
        if as_json:
            print_json({"ok": False, "code": exc.code, "refused": error_sentence(exc)})
        else:
            console.print(f"[red]✗ witness refused[/]: {error_sentence(exc)}", soft_wrap=True)
        raise typer.Exit(1) from exc
    size = 0 if seen is None else seen.latest.size
    if as_json:
        print_json(
            {"ok": True, "witness": witness.signer.name, "cosigned": [d.size for d in done],
             "size": size}
        )  # fmt: skip
    else:
        console.print(
            f"[green]✓ witnessed[/]: {witness.signer.name} cosigned {len(done)} new "
            f"checkpoint(s); latest size {size}"
        )


@witness_app.command("serve")
def witness_serve_command(
    store: WitnessDir,
    log_key: Annotated[
        list[str], typer.Option("--log-key", help="Key (or file) of a log to follow; repeatable.")
    ],
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8801,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    budget_tiles: Annotated[
        str | None,
        typer.Option(
            help="Be a budget witness: the log's tiles (URL prefix or directory) to vet "
            "each new tree's leaves from before cosigning."
        ),
    ] = None,
    default_cap: Annotated[
        float | None, typer.Option(help="Season ε cap without a budget-cap leaf.")
    ] = None,
    member_cap: Annotated[float | None, typer.Option(help="A member's season ε cap.")] = None,
) -> None:
    """Serve C2SP tlog-witness: answer POST /add-checkpoint with a cosignature (409 with
    text/x.tlog.size, 422 on a bad proof or, as a budget witness, an overspending leaf)."""
    from fairfollow.release.budget import DEFAULT_LIMITS, DEFAULT_SEASON_CAP
    from fairfollow.tlog.budget_witness import BudgetRules
    from fairfollow.tlog.keys import parse_verifier_key
    from fairfollow.tlog.witness import Witness
    from fairfollow.tlog.witness_http import WitnessService, budget_vetting, serve

    keys = [parse_verifier_key(_verifier_text(key)) for key in log_key]
    vet = None
    if budget_tiles is not None:
        rules = BudgetRules(
            DEFAULT_SEASON_CAP if default_cap is None else default_cap,
            DEFAULT_LIMITS.member_cap if member_cap is None else member_cap,
        )
        vet = budget_vetting(budget_tiles, rules)
    witness = Witness(store)
    server = serve(WitnessService(witness, keys, lambda: datetime.now(UTC), vet), host, port)
    print(witness.signer.verifier.encode(), flush=True)  # the key to put in a policy
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@log_app.command("cosign")
def cosign_command(
    ctx: typer.Context, policy: PolicyFile = None, as_json: JsonFlag = False
) -> None:
    """Send the latest checkpoint to the witnesses of a tlog-policy file and keep their
    cosignatures; exit 1 when the policy's quorum is not met."""
    from fairfollow.usecases import log as log_cases

    with _ledger(ctx) as (workspace, engine, _publisher):
        found = _policy(workspace, policy)
        if found is None:
            raise typer.BadParameter("give --policy FILE (a C2SP tlog-policy file)")
        done = log_cases.cosign(None, engine, found, local=True)
    render_cosigning(done, as_json)
    if not done.quorum_met:
        raise typer.Exit(1)


def _policy(workspace: Workspace, path: Path | None) -> Policy | None:
    """The policy file given, else the workspace's own (``log-witnesses.policy``) if any."""
    from fairfollow.tlog.policy import POLICY_FILE, parse_policy

    path = path or workspace.root / POLICY_FILE
    return parse_policy(path.read_text(encoding="utf-8")) if path.is_file() else None


def render_cosigning(done: Cosigning, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "size": done.size,
                "quorum_met": done.quorum_met,
                "witnesses": [
                    {"name": r.name, "cosigned": r.cosigned, "status": r.status, "detail": r.detail}
                    for r in done.replies
                ],
                "note": done.note,
            }
        )
        return
    for reply in done.replies:
        mark = "[green]✓[/]" if reply.cosigned else "[red]✗[/]"
        console.print(f"{mark} {reply.name}: {reply.status} {reply.detail}", soft_wrap=True)
    verdict = "[green]quorum met[/]" if done.quorum_met else "[red]quorum not met[/]"
    console.print(f"{verdict}: size {done.size}")


@log_app.command("export-tiles")
def export_tiles_command(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Where to write.")],
    as_json: JsonFlag = False,
) -> None:
    """Write the log as C2SP tlog-tiles files (checkpoint, tile/…, tile/entries/…): serve
    them from any static server, or check them offline with standard tools."""
    from fairfollow.usecases import log as log_cases

    with _ledger(ctx) as (_, engine, _publisher):
        done = log_cases.export_tiles(None, engine, directory, local=True)
    if as_json:
        print_json({"directory": str(done.directory), "size": done.size, "files": done.files})
    else:
        console.print(
            f"[green]✓[/] {done.files} files for a tree of {done.size} leaves in {done.directory}"
        )


@log_app.command("witness-key")
def witness_key_command(store: WitnessDir) -> None:
    """Print the witness's public cosigner key (<name>+<key id>+<base64 0x04||key>)."""
    from fairfollow.tlog.witness import Witness

    print(Witness(store).signer.verifier.encode())


@log_app.command("export-key")
def export_key_command(ctx: typer.Context) -> None:
    """Print the log's public verifier key (<name>+<key id>+<base64 key>)."""
    from fairfollow.tlog.keys import load_or_create_log_signer

    workspace = workspace_of(ctx)
    signer = load_or_create_log_signer(workspace.keys_dir, workspace.log_origin)
    _origin_notice(workspace, signer)
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

    with _ledger(ctx) as (_, engine, publisher), transaction(engine, "receipt") as conn:
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


def _verifier_text(key: str) -> str:
    path = Path(key)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else key


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
        verifier = parse_verifier_key(_verifier_text(key))
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
    witnesses = [parse_cosigner_key(_verifier_text(k)) for k in witness_key or []]
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
    with _ledger(ctx) as (workspace, engine, publisher), reading(engine, "verify") as conn:
        total = log_store.tree_size(conn)
        nothing_to_check(workspace_of(ctx), total, allow_empty)
        mirrored = read_notes(workspace.checkpoint_file)  # sizes the log already recorded
        key = _log_key(publisher.signer)
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
    with _ledger(ctx) as (_, engine, publisher), progress(quiet=as_json) as bar:
        task = bar.add_task("auditing leaves", total=None)
        found = log_cases.audit(
            None,
            engine,
            _log_key(publisher.signer),
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

    with _ledger(ctx) as (_, engine, _signer), reading(engine, "prove") as conn:
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

    with _ledger(ctx) as (_, engine, _signer), reading(engine, "consistency") as conn:
        found = proofs.consistency(conn, size1, size2)
    print_json(found.as_json())
