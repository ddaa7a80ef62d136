"""Terminal rendering shared by CLI commands: one console, progress bars, tables, JSON."""

from __future__ import annotations

import json
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

console = Console()
err_console = Console(stderr=True)


def progress(*, quiet: bool = False) -> Progress:
    """A progress bar on stderr, so ``--json`` output on stdout stays clean."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet,
        transient=False,
    )


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    result = Table(title=title)
    for index, name in enumerate(columns):
        result.add_column(name, justify="left" if index == 0 else "right")
    for row in rows:
        result.add_row(*(f"{cell:,}" if isinstance(cell, int) else str(cell) for cell in row))
    return result


def print_json(payload: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour codes."""
    print(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str))
