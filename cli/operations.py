"""`parindex extend`: an operator moves a deadline, with a reason that goes into the history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    AtOption,
    DbOption,
    UserError,
    console,
    database,
    instant_of,
    said,
    user_errors,
)
from cli.words import cli_words

if TYPE_CHECKING:
    from sqlmodel import Session

CycleOption = Annotated[str, typer.Option("--cycle", help="A registered cycle, e.g. hanoi-2023")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (recorded in the history; required)")]
ByOption = Annotated[str, typer.Option("--by", help="Who does this (recorded in the history; required)")]


def parse_day(text: str) -> date:
    from models.words import word

    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise UserError(word("err.year_range", option="--until", text=text, earliest=EARLIEST_YEAR,
                                  latest=LATEST_YEAR))
        return day
    raise UserError(word("err.day_bad", text=text))


def require_text(value: str, option: str) -> str:
    from models.words import word

    if not value.strip():
        raise UserError(word("err.empty_option", option=option))
    return value.strip()


def done_command(
    task: Annotated[int, typer.Argument(help="The plan task's number, e.g. 13 (see `parindex cycle show`)")],
    cycle: CycleOption, by: ByOption,
    note: Annotated[str, typer.Option("--note", help="What was done: the decision's number, the report sent")] = "",
    at: AtOption = None, db: DbOption = "",
) -> None:
    """Mark a body's task done (the council's decision, a report sent): recorded in the history."""
    from models.cycle_context import load_context
    from tasks.engine.events import committed
    from tasks.inputs.intake import report_task_done

    with user_errors():
        actor = require_text(by, "--by")
        when = instant_of(at, db, cycle)

        def report(session: Session) -> tuple[bool, str]:
            ctx = load_context(session, cycle)
            return (report_task_done(session, ctx, number=task, at=when, actor=actor,
                                     reason=note.strip() or "reported done"), ctx.task_by_number(task).title)

        done, title = committed(database(db), report)
    t = cli_words()
    if done:
        console.print(said(t("cli.done"), "green") + " ", end="")
        console.print(t("cli.done_line", task=task, title=title, actor=actor), markup=False)
    else:
        console.print(t("cli.already_done", task=task), markup=False)


def extend_command(
    task: Annotated[int, typer.Argument(help="The plan task's number, e.g. 5 (see `parindex cycle show`)")],
    cycle: CycleOption, until: Annotated[str, typer.Option(help="New last day, dd/mm/yyyy")],
    reason: ReasonOption, by: ByOption,
    unit: Annotated[list[str] | None, typer.Option(help="A unit's code (repeat for several)")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every unfinished assignee of the task")] = False,
    at: AtOption = None, db: DbOption = "",
) -> None:
    """Move a task's effective deadline for some units or all; its reminders follow, obsolete ones are cancelled."""
    from models.cycle_context import load_context
    from models.formatting import day as formatted_day
    from models.settings import get_settings
    from models.words import word
    from tasks.engine.events import committed
    from tasks.operations.extensions import ExtensionRefused, extend_deadline

    with user_errors():
        if bool(unit) == every:
            raise UserError(word("err.extend_whom"))
        actor, why, last_day = require_text(by, "--by"), require_text(reason, "--reason"), parse_day(until)
        try:
            when = instant_of(at, db, cycle)
            result = committed(database(db), lambda session: extend_deadline(
                session, load_context(session, cycle), task_number=task, unit_codes=None if every else unit,
                until=last_day, reason=why, actor=actor, at=when))
        except ExtensionRefused as refused:
            raise UserError(word("err.extension_refused", why=refused)) from None
    moved = f" ({result.moved_because})" if result.moved_because else ""
    console.print(said(cli_words()("cli.ok"), "green") + " " + cli_words()(
        "extended", task=task, count=len(result.extended), day=formatted_day(result.last_day, get_settings().language),
        moved=moved, reopened=result.reopened, cancelled=result.cancelled_messages, notified=result.notified))


unit_app = typer.Typer(help="A unit in a season under way.", no_args_is_help=True)


@unit_app.command("withdraw")
def withdraw_command(
    code: Annotated[str, typer.Argument(help="The unit's code, e.g. QHK")], cycle: CycleOption,
    reason: ReasonOption, by: ByOption, at: AtOption = None, db: DbOption = "",
) -> None:
    """Take a dissolved or merged unit out of ranking and scoring from its current stage on: its history is
    kept, its unfinished tasks are no longer reminded, its block is scored without it, the report names it."""
    from models.cycle_context import load_context
    from models.words import word
    from tasks.engine.events import committed
    from tasks.operations.withdrawal import WithdrawalRefused, withdraw_unit

    with user_errors():
        actor, why = require_text(by, "--by"), require_text(reason, "--reason")
        try:
            when = instant_of(at, db, cycle)
            done = committed(database(db), lambda session: withdraw_unit(
                session, load_context(session, cycle), unit_code=code, reason=why, actor=actor, at=when))
        except WithdrawalRefused as refused:
            raise UserError(str(refused)) from None
    console.print(said(cli_words()("cli.ok"), "green") + " " + word(
        "withdraw.done", unit=done.unit, cycle=cycle, state=word(f"state.{done.state}"), tasks=done.tasks,
        cancelled=done.cancelled), markup=False)
