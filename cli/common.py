"""What every command shares: the --db option, the console, and turning known errors into exit codes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from models.refusals import Refused

if TYPE_CHECKING:
    from sqlalchemy import Engine

# markup off: a path, a unit's name or a file's cell is printed as it is, "[/bold]" and all; styles come from said()
console = Console(highlight=False, soft_wrap=True, markup=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def said(label: str, style: str) -> Text:
    """A styled word to start a line with: `said("accepted", "green") + f" {path}"` (the rest is plain text)."""
    return Text(label, style=style)

DbOption = Annotated[
    str,
    typer.Option("--db", envvar="PARINDEX_DATABASE_URL", show_envvar=True,
                 help="Database URL (SQLite or PostgreSQL)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AtOption = Annotated[str | None, typer.Option("--at", help="ISO 8601 instant with offset; default now (for replays)")]


def default_db() -> str:
    from models.settings import DEFAULT_DATABASE_URL

    return os.environ.get("PARINDEX_DATABASE_URL", DEFAULT_DATABASE_URL)


@lru_cache(maxsize=8)
def checked_url(db: str, *, create: bool = False) -> str:
    """The --db URL (or the default), refused in one line when it cannot be used (models.db.check_database)."""
    from models.db import check_database, schema_up_to_date

    url = db or default_db()
    check_database(url, create=create)
    if not create:
        schema_up_to_date(url)
    return url


def database(db: str) -> Engine:
    """The engine of an existing, usable database."""
    from tasks.engine.runtime import engine_for

    return engine_for(checked_url(db))


class UserError(Refused):
    """A command's own refusal (a bad option value): printed as one line, exit code 1 (or `exit_code`)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def user_errors() -> Iterator[None]:
    """A refusal (models.refusals) said as the CLI's door says it: its heading word, its line and the problems it
    lists, and its exit code; nothing else is caught here (cli.main says a bug in one line)."""
    try:
        yield
    except Refused as refused:
        from models.refusals import door_of
        from models.settings import get_settings
        from models.words import words_in

        t = words_in(get_settings().language)
        door = door_of(refused)
        line, problems = refused.said(t)
        errors.print(said(t(door.heading), "bold red") + " ", end="")
        errors.print(line, markup=False)
        for problem in problems:
            errors.print(f"  - {problem}", markup=False)
        raise typer.Exit(getattr(refused, "exit_code", door.exit_code)) from None


EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # any instant or day of a PAR season falls in these years
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def one_line(error: BaseException) -> str:
    """An unexpected error as one line a person can report: a refusal's own sentence, or the kind and the first
    line of the message (a database error: the driver's own)."""
    if isinstance(error, Refused | UserError):
        return str(error)
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0][:300]}" if lines else type(cause).__name__


def parse_instant(text: str | None, *, url: str | None = None, cycle_id: str | None = None,
                  option: str = "--at") -> datetime | None:
    """An ISO 8601 instant; one written without an offset is read in the cycle's zone, and that is said."""
    from models.words import word

    if text is None:
        return None
    if not text.strip():
        raise UserError(word("err.instant_empty", option=option))
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(word("err.instant_bad", option=option, text=text)) from None
    if not EARLIEST_YEAR <= instant.year <= LATEST_YEAR:
        raise UserError(word("err.year_range", option=option, text=text, earliest=EARLIEST_YEAR, latest=LATEST_YEAR))
    if instant.tzinfo is None:
        zone = zone_of(url, cycle_id) if url else DEFAULT_ZONE
        instant = instant.replace(tzinfo=ZoneInfo(zone))
        errors.print(f"{option} {text}: no offset given, read in {zone} as {instant.isoformat()}")
    return instant.astimezone(UTC)


def instant_of(at: str | None, db: str, cycle_id: str | None = None) -> datetime:
    """--at (read in the cycle's zone when it has no offset), or now."""
    from tasks.engine.runtime import wall_clock

    return parse_instant(at, url=checked_url(db), cycle_id=cycle_id) or wall_clock()


def zone_of(url: str, cycle_id: str | None = None) -> str:
    """The zone an instant without an offset is read in: the cycle's, or the one every registered cycle shares."""
    from sqlalchemy import select

    from models.db import session_scope
    from models.tables import Cycle
    from tasks.engine.runtime import engine_for

    query = select(Cycle.timezone).distinct()
    if cycle_id:
        query = query.where(Cycle.id == cycle_id)
    with session_scope(engine_for(url)) as session:
        zones = list(session.scalars(query))
    return zones[0] if len(zones) == 1 else DEFAULT_ZONE


def echo_json(data: object) -> None:
    """`--json` output: UTF-8 as it is, indented, dates and decimals as text."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table_of(title: str, columns: tuple[str, ...]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table
