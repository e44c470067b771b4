"""What every command shares: the --db option, the console, and turning known errors into exit codes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import pendulum
import typer
from rich.console import Console
from rich.table import Table

from models.settings import DEFAULT_DATABASE_URL

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    str,
    typer.Option("--db", envvar="PARINDEX_DATABASE_URL", show_envvar=True,
                 help="Database URL (SQLite or PostgreSQL)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AtOption = Annotated[str | None, typer.Option("--at", help="ISO 8601 instant with offset; default now (for replays)")]


def default_db() -> str:
    return os.environ.get("PARINDEX_DATABASE_URL", DEFAULT_DATABASE_URL)


class UserError(Exception):
    """An error the user can act on: printed without a traceback, exit code 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def user_errors() -> Iterator[None]:
    """Print known errors as one clear message and exit non-zero instead of showing a traceback."""
    from models.definition.problems import DefinitionError
    from models.forms.problems import FormRejected
    from models.lifecycle import TransitionRefused
    from models.refusals import Refused
    from tasks.intake import StageClosed

    try:
        yield
    except FormRejected as error:
        errors.print(f"[bold red]refused:[/] {error.file}: nothing was recorded; {len(error.problems)} problem(s)")
        for problem in error.problems[:200]:
            errors.print(f"  - {problem}", markup=False)
        if len(error.problems) > 200:
            errors.print(f"  … and {len(error.problems) - 200} more")
        raise typer.Exit(1) from None
    except DefinitionError as error:
        errors.print(f"[bold red]refused:[/] {error.folder}: {len(error.problems)} mistake(s)")
        for problem in error.problems:
            errors.print(f"  - {problem}", markup=False)
        raise typer.Exit(1) from None
    except (UserError, Refused, TransitionRefused, LookupError, StageClosed) as error:
        errors.print("[bold red]error:[/] ", end="")
        errors.print(str(error), markup=False)
        raise typer.Exit(getattr(error, "code", 1)) from None


def parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        instant = pendulum.parse(text)
    except (ValueError, pendulum.parsing.exceptions.ParserError) as error:
        raise UserError(f"--at {text!r} is not an ISO 8601 instant (e.g. 2023-11-24T08:00:00+07:00): {error}") from None
    if not isinstance(instant, datetime) or instant.tzinfo is None:
        raise UserError(f"--at {text!r} needs a time zone offset, e.g. +07:00")
    return datetime.fromtimestamp(instant.timestamp(), UTC)


def echo_json(data: object) -> None:
    """`--json` output: UTF-8 as it is, indented, dates and decimals as text."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table_of(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table
