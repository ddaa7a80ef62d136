"""``fairfollow log witness …`` and ``log cosign``: a witness from its own directory or over
HTTP (C2SP tlog-witness), and the log sending its latest checkpoint to a policy's witnesses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairfollow.cli.log_session import (
    JsonFlag,
    PolicyFile,
    log_key,
    open_log,
    policy_of,
    verifier_text,
)
from fairfollow.cli.terminal import console, error_sentence, print_json
from fairfollow.errors import TransparencyLogError

if TYPE_CHECKING:
    from fairfollow.usecases.log import Cosigning


def register(log_app: typer.Typer) -> None:
    log_app.add_typer(witness_app, name="witness")
    log_app.command("witness-key")(witness_key_command)
    log_app.command("cosign")(cosign_command)


WitnessDir = Annotated[Path, typer.Option("--store", help="The witness's own directory.")]
witness_app = typer.Typer(
    help="A witness: cosign this workspace's new checkpoints from a directory (--store), or "
    "serve C2SP tlog-witness add-checkpoint over HTTP (serve).",
    invoke_without_command=True,
)


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
        with open_log(ctx) as (_, engine, publisher), transaction(engine, "witness") as conn:
            catch_up(conn, publisher.outside)
            done = send_checkpoints(conn, witness, log_key(publisher.signer), datetime.now(UTC))
            seen = witness.log(log_key(publisher.signer).name)
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

    keys = [parse_verifier_key(verifier_text(key)) for key in log_key]
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


def witness_key_command(store: WitnessDir) -> None:
    """Print the witness's public cosigner key (<name>+<key id>+<base64 0x04||key>)."""
    from fairfollow.tlog.witness import Witness

    print(Witness(store).signer.verifier.encode())


def cosign_command(
    ctx: typer.Context, policy: PolicyFile = None, as_json: JsonFlag = False
) -> None:
    """Send the latest checkpoint to the witnesses of a tlog-policy file and keep their
    cosignatures; exit 1 when the policy's quorum is not met."""
    from fairfollow.usecases import log as log_cases

    with open_log(ctx) as (workspace, engine, _publisher):
        found = policy_of(workspace, policy)
        if found is None:
            raise typer.BadParameter("give --policy FILE (a C2SP tlog-policy file)")
        done = log_cases.cosign(None, engine, found, local=True)
    render_cosigning(done, as_json)
    if not done.quorum_met:
        raise typer.Exit(1)


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
