"""``fairfollow processing``: the record of processing (GDPR Art. 30, APPI Art. 32), built
from the registries, as a table, CSV or JSON, in the command line's language."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from fairfollow.cli.context import caller_of, opened
from fairfollow.cli.terminal import cli_language, console, print_json, table


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def register(app: typer.Typer) -> None:
    app.command("processing")(processing_command)


def processing_command(
    ctx: typer.Context,
    output: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.TABLE,
) -> None:
    """The record of processing (GDPR Art. 30, APPI Art. 32) from the registries."""
    from fairfollow.csv_export import csv_text
    from fairfollow.messages.catalogue import text
    from fairfollow.messages.processing import worded_rows
    from fairfollow.records.processing import HEADER
    from fairfollow.usecases.processing import processing_record

    with opened(ctx) as (_, engine):
        record = processing_record(caller_of(ctx, engine), engine, datetime.now(UTC))
    language = cli_language()
    if output is Format.JSON:
        print_json(record.as_json())
    elif output is Format.CSV:
        print(csv_text(HEADER, worded_rows(record, language)), end="")
    else:
        title = f"{text('processing.title', language)} ({record.citation})"
        console.print(table(title, HEADER, worded_rows(record, language)))
