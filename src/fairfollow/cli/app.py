"""The ``fairfollow`` command line: parse, make one core call, render.

Each command group is a module of this package (``cli/consent.py``, ``cli/log.py`` …), which
registers its commands here; what they share comes from :mod:`fairfollow.cli.context`.

Command modules are imported only when their command runs (or its own ``--help`` is
asked): the root's help lists them from :data:`COMMANDS`, so ``fairfollow --help`` imports
neither the ledger nor the analysis stack (a test holds :data:`COMMANDS` to what the modules
register, and ``bench/cli_startup.py`` times it).

Every failure a person can cause ends the same way: one line on stderr, ``error: …``, and
exit status 2 — a FairFollow error, a malformed or missing option, a path that is not there
(:class:`OneLineErrors`). ``--workspace``/``-w`` is accepted anywhere on the line, before or
after the subcommand.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from fairfollow.cli.context import RootOptions
from fairfollow.cli.terminal import err_console, error_sentence
from fairfollow.errors import FairFollowError

WORKSPACE_FLAGS = ("--workspace", "-w")
# Every top-level command: the module of `fairfollow.cli` that registers it, and its help.
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": (
        "season",
        "Simulate two hiring seasons with ground truth (docs/season-format.md).",
    ),
    "ingest": (
        "demo",
        "Load a season's raw logs into the workspace (validated, quarantined, idempotent).",
    ),
    "demo": ("demo", "The main job on the embedded default: simulate → ingest → summaries."),
    "log": ("log", "The transparency log: signed checkpoints, receipts, proofs, audits."),
    "features": ("model", "Offer features over the event store."),
    "model": ("model", "The offer-acceptance model."),
    "forecast": ("model", "Pool forecasts of acceptances."),
    "intake": (
        "governance",
        "Take in an employer's applicant/offer list (UTF-8 or Shift_JIS) with its attestation.",
    ),
    "replay": (
        "governance",
        "Replay the 2019 case on a simulated season, end to end, in a fresh workspace.",
    ),
    "service": ("governance", "Data services: declare, review, approve, veto."),
    "release": ("governance", "The release door: forecasts out, individual scores never."),
    "plan": ("planning", "What employers plan with: offers needed, when acceptances arrive."),
    "budget": ("governance", "Per-employer privacy budgets (ε per season)."),
    "records": ("governance", "Provision records (APPI Art. 29, 33(5))."),
    "rules": ("rules", "The rule packs with their dates; log a new pack version."),
    "processing": (
        "processing",
        "The record of processing (GDPR Art. 30, APPI Art. 32) from the registries.",
    ),
    "incident": ("incident", "Leak incidents on the PPC's clock (APPI Art. 26): due list, drafts."),
    "consent": ("consent", "Consent ledger: ingest, coverage, receipts."),
    "policy": ("policy", "Policy versions, deployments to screens, the activation gate."),
    "db": ("db", "The ledger database: schema migrations."),
    "account": ("account", "Accounts: log in, roles granted by an administrator."),
    "serve": ("serve", "Serve the web pages and the JSON API (/api/v1) for the workspace."),
    "rights": (
        "rights",
        "Data-subject rights: disclosure, provision records, withdrawal, stop, correction, "
        "erasure.",
    ),
    "backup": ("backup", "A consistent, verifiable snapshot of the live workspace."),
    "restore": ("backup", "Restore a backup into a new directory, verified and audited."),
}


def module_commands(module: str) -> Any:
    """The click command tree of what ``fairfollow.cli.<module>`` registers."""
    registered = typer.Typer()
    importlib.import_module(f"fairfollow.cli.{module}").register(registered)
    return typer.main.get_command(registered)


def workspace_first(args: Sequence[str]) -> list[str]:
    """``args`` with every ``--workspace PATH`` / ``-w PATH`` / ``--workspace=PATH`` moved to
    the front, where the root options are parsed (nothing after ``--`` is touched)."""
    moved: list[str] = []
    rest: list[str] = []
    items = list(args)
    index = 0
    while index < len(items):
        item = items[index]
        if item == "--":
            rest.extend(items[index:])
            break
        if item in WORKSPACE_FLAGS and index + 1 < len(items):
            moved.extend(items[index : index + 2])
            index += 2
            continue
        if item.startswith("--workspace="):
            moved.append(item)
        else:
            rest.append(item)
        index += 1
    return moved + rest


def one_line(message: str) -> None:
    """The error line: no wrapping, no markup, no traceback."""
    text = " ".join(message.split())
    err_console.print(f"[bold red]error:[/] {text}", soft_wrap=True, highlight=False, markup=True)


def _command_name(argv: Sequence[str]) -> str | None:
    """The top-level command of ``argv`` (``-w`` and its value come first), if any."""
    rest = list(argv)
    while rest and rest[0] in ("-w", "--workspace"):
        rest = rest[2:]
    return next((a for a in rest if a in COMMANDS), None)


@contextmanager
def _journaled(argv: Sequence[str]) -> Iterator[None]:
    """One action line per command (:mod:`fairfollow.usecases.journal`), also appended to
    the ``action_log`` file when one is set; the top-level command name only, no argument."""
    from fairfollow.settings import Settings
    from fairfollow.usecases import journal

    try:
        path = Settings().action_log
    except ValueError:  # bad settings: the command itself will say so
        path = None
    stream = None if path is None else path.open("a", encoding="utf-8")
    if stream is not None:
        journal.configure(stream)
    try:
        with journal.command(_command_name(argv)):
            yield
    finally:
        if stream is not None:
            journal.unconfigure()
            stream.close()


class OneLineErrors(TyperGroup):
    """The root group: commands loaded on use, ``-w`` anywhere, and every error one line
    with exit status 2."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module, help_text = COMMANDS[cmd_name]
        if self._listing:  # the root's help: the name and help, no import
            return TyperCommand(cmd_name, help=help_text)
        tree = module_commands(module)
        found = getattr(tree, "commands", {}).get(cmd_name, tree)
        return found

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = workspace_first(sys.argv[1:] if args is None else args)
        try:
            with _journaled(argv):
                result = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # malformed or missing option, no such command
            help_of = getattr(getattr(exc, "ctx", None), "get_help", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and help_of is not None:
                print(help_of())  # a group called bare: its help, as `--help` would
                sys.exit(2)
            one_line(exc.format_message())
            sys.exit(2)
        except typer.Abort:
            sys.exit(1)
        except FairFollowError as exc:
            one_line(error_sentence(exc))
            sys.exit(2)
        except OSError as exc:  # a path that is missing, a directory, unreadable
            where = f" {exc.filename}" if exc.filename else ""
            one_line(f"{exc.strerror or exc}{':' if where else ''}{where}")
            sys.exit(2)
        code = result if isinstance(result, int) else 0
        if standalone_mode:
            sys.exit(code)
        return result


app = typer.Typer(
    name="fairfollow",
    help="FairFollow: job-site behaviour in, consented aggregate forecasts out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace directory (env FAIRFOLLOW_HOME); before or after the subcommand.",
        ),
    ] = None,
) -> None:
    ctx.obj = RootOptions(workspace)


def main() -> None:
    app()
