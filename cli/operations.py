"""`parindex extend`: an operator moves a deadline, with a reason that goes into the history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from cli.common import AtOption, DbOption, UserError, console, default_db, parse_instant, user_errors
from models.cycle_context import load_context
from tasks.events import unit_of_work
from tasks.runtime import engine_for, wall_clock

CycleOption = Annotated[str, typer.Option("--cycle", help="A registered cycle, e.g. hanoi-2023")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (recorded in the history; required)")]
ByOption = Annotated[str, typer.Option("--by", help="Who does this (recorded in the history; required)")]


def parse_day(text: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise UserError(f"--until {text!r} is not a date: write dd/mm/yyyy (or yyyy-mm-dd)")


def require_text(value: str, option: str) -> str:
    if not value.strip():
        raise UserError(f"{option} must not be empty")
    return value.strip()


def done_command(
    task: Annotated[int, typer.Argument(help="The plan task's number, e.g. 13 (see `parindex cycle show`)")],
    cycle: CycleOption, by: ByOption,
    note: Annotated[str, typer.Option("--note", help="What was done: the decision's number, the report sent")] = "",
    at: AtOption = None, db: DbOption = "",
) -> None:
    """Mark a body's task done (the council's decision, a report sent): recorded in the history."""
    from tasks.intake import report_task_done

    with user_errors():
        actor = require_text(by, "--by")
        with unit_of_work(engine_for(db or default_db())) as session:
            ctx = load_context(session, cycle)
            done = report_task_done(session, ctx, number=task, at=parse_instant(at) or wall_clock(), actor=actor,
                                    reason=note.strip() or "reported done")
            title = ctx.task_by_number(task).title
    if done:
        console.print(f"[green]done[/] task {task}: ", end="")
        console.print(f"{title} (by {actor})", markup=False)
    else:
        console.print(f"task {task} was already done: nothing changed")


def extend_command(
    task: Annotated[int, typer.Argument(help="The plan task's number, e.g. 5 (see `parindex cycle show`)")],
    cycle: CycleOption, until: Annotated[str, typer.Option(help="New last day, dd/mm/yyyy")],
    reason: ReasonOption, by: ByOption,
    unit: Annotated[list[str] | None, typer.Option(help="A unit's code (repeat for several)")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every unfinished assignee of the task")] = False,
    at: AtOption = None, db: DbOption = "",
) -> None:
    """Move a task's effective deadline for some units or all; its reminders follow, obsolete ones are cancelled."""
    from tasks.extensions import ExtensionRefused, extend_deadline

    with user_errors():
        if bool(unit) == every:
            raise UserError("say whom the extension is for: --unit CODE (repeatable) or --all")
        actor, why, last_day = require_text(by, "--by"), require_text(reason, "--reason"), parse_day(until)
        try:
            with unit_of_work(engine_for(db or default_db())) as session:
                result = extend_deadline(session, load_context(session, cycle), task_number=task,
                                         unit_codes=None if every else unit, until=last_day, reason=why,
                                         actor=actor, at=parse_instant(at) or wall_clock())
        except ExtensionRefused as refused:
            raise UserError(f"extension refused: {refused}") from None
    moved = f" ({result.moved_because})" if result.moved_because else ""
    console.print(f"[green]extended[/] task {task} for {len(result.extended)} assignee(s) to the end of "
                  f"{result.last_day:%d/%m/%Y}{moved}; {result.reopened} overdue reopened, "
                  f"{result.cancelled_messages} obsolete message(s) cancelled. The scheduler picks up the new "
                  "checkpoints within 5 minutes.")
