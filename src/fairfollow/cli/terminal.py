"""Terminal rendering shared by CLI commands: one console, progress bars, tables, JSON.

On a terminal, Rich fits tables to the window. Piped or redirected, output is not cut at 80
columns: the consoles are wide, so identifiers and rule ids are never truncated and a
printed command stays on one line that can be pasted (``--json`` stays the machine format).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from fairfollow.errors import FairFollowError

PIPED_WIDTH = 1_000  # wide enough for any table row; Rich still never pads to it


def _console(*, stderr: bool = False) -> Console:
    made = Console(stderr=stderr)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made = Console(stderr=stderr, width=PIPED_WIDTH)
    return made


console = _console()
err_console = _console(stderr=True)


def cell(value: object) -> str:
    """A table cell: integers as integers (grouped from five digits, so a season stays
    ``2020``), integral floats as integers, everything else as its text."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def mark(ok: bool) -> str:
    """The pass/fail mark against a stated goal."""
    return "[green]✓ pass[/]" if ok else "[red]✗ fail[/]"


def progress(*, quiet: bool = False) -> Progress:
    """A progress bar on stderr, so ``--json`` output on stdout stays clean; only on a
    terminal (piped, a bar is noise in a log, and would precede an error line)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet or not err_console.is_terminal,
        transient=False,
    )


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    result = Table(title=title)
    for index, name in enumerate(columns):
        result.add_column(name, justify="left" if index == 0 else "right")
    for row in rows:
        result.add_row(*(cell(value) for value in row))
    return result


def print_json(payload: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour codes."""
    print(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def cli_language() -> str:
    """The language of the command line's sentences (``FAIRFOLLOW_LANGUAGE``, ja by default)."""
    from fairfollow.errors import FairFollowError
    from fairfollow.settings import Settings

    try:
        return Settings().language
    except (FairFollowError, ValueError):  # unusable settings: say so in the default language
        return "ja"


def error_sentence(exc: FairFollowError) -> str:
    """The error in the language of the command line (``FAIRFOLLOW_LANGUAGE``, ja by default)."""
    from fairfollow.instants import JST, zone_named
    from fairfollow.messages.sentence import of_error
    from fairfollow.settings import Settings

    try:
        settings = Settings()
    except (FairFollowError, ValueError):  # the settings themselves are what failed
        return of_error(exc, "ja", JST)
    return of_error(exc, settings.language, zone_named(settings.display_zone))
