"""`parindex cycle check|show|load`: a cycle definition, checked, shown and registered."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from cli.common import DbOption, JsonOption, checked_url, console, said, user_errors
from cli.words import cli_words

if TYPE_CHECKING:
    from models.definition.cycle import CycleDefinition, TaskDef

app = typer.Typer(help="Cycle definitions: calendar/<cycle-id>/ folders.", no_args_is_help=True)
FolderArgument = Annotated[Path, typer.Argument(help="A cycle folder, e.g. calendar/hanoi-2023")]


@app.command()
def check(folder: FolderArgument) -> None:
    """Check a cycle definition: exit 0 with a summary, or list every mistake and exit 1."""
    from models.definition.loader import load_cycle

    with user_errors():
        definition = load_cycle(folder)
    console.print(said(cli_words()("cli.ok"), "green") + f" {definition.summary()}", markup=False)
    for warning in definition.warnings():  # allowed, but worth a look
        console.print(said(cli_words()("cli.note"), "yellow") + f" {warning}", markup=False)


@app.command()
def show(folder: FolderArgument, as_json: JsonOption = False) -> None:
    """Every plan task with its owner, due text and effective deadline."""
    from models.definition.loader import load_cycle
    from models.formatting import day

    with user_errors():
        definition = load_cycle(folder)
    rows = [task_view(definition, task) for task in definition.tasks]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    t = cli_words()
    table = Table(title=f"{definition.spec.plan.document} — {definition.id}", show_lines=True)
    dates = (t("show.opens"), t("show.deadline"))  # a date is never cut in two on a narrow terminal
    for column in ("#", t("col.task"), t("show.owner"), t("show.opens"), t("show.due_text"), t("show.deadline"),
                   t("show.why")):
        table.add_column(column, overflow="fold", no_wrap=column in dates, min_width=10 if column in dates else None)
    for row in rows:
        deadline = format_day_iso(row["due_date"]) if row["due_date"] else "—"
        if row["due_at"] and row["due_at"][11:19] != "00:00:00":  # a deadline at an hour: "21/12/2021 17:00"
            deadline += " " + row["due_at"][11:16]
        opens = day(datetime.fromisoformat(row["opens_at"]), zone=definition.spec.timezone) if row["opens_at"] else "—"
        table.add_row(str(row["number"]), row["title"], row["owner"], opens, row["due_text"] or t("show.no_date"),
                      deadline, row["moved_because"] or row["reading"] or "")
    console.print(table)


@app.command()
def load(folder: FolderArgument, db: DbOption = "",
         actor: Annotated[str, typer.Option(help="Who loads it, as the history records it")] = "parindex",
         yes: Annotated[bool, typer.Option("--yes", help="Apply a change to a season under way (without it, the "
                                                           "change is only shown)")] = False) -> None:
    """Register a cycle in the database; loading it again changes nothing. In a season under way a changed
    definition is shown with what it will do to units and mail, and applied only with --yes."""
    from tasks.operations.registration import register_cycle

    with user_errors():
        result = register_cycle(database_url=checked_url(db, create=True), folder=folder, actor=actor,
                                confirmed=yes)
    t = cli_words()
    if result.applied:
        console.print(said(t("cli.ok"), "green") + f" {result.summary()}", markup=False)
        return
    console.print(t("load.dry_run", cycle=result.cycle_id), markup=False)
    for change in result.changes:
        console.print(f"  - {change}", markup=False)
    console.print(t("load.dry_run_hint"), markup=False)


def task_view(definition: CycleDefinition, task: TaskDef) -> dict[str, Any]:
    return {
        "number": task.number,
        "key": task.key,
        "title": task.title,
        "product": task.product,
        "owner": definition.owner_name(task.owner),
        "owner_code": task.owner,
        "every_unit": task.every_unit,
        "stage": task.stage.value,
        "after": list(task.after),
        "due_text": task.due.text,
        "due_kind": task.due.kind.value,
        "opens_at": task.opens_at.isoformat() if task.opens_at else None,
        "due_date": task.last_day.isoformat() if task.last_day else None,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "moved_because": task.moved_because,
        "reading": task.reading,
    }


def format_day_iso(iso_day: str) -> str:
    from datetime import date

    from models.workdays import format_day

    return format_day(date.fromisoformat(iso_day))
