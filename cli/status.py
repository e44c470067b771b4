"""`parindex status`: where a cycle stands, as a coordinator reads it: each unit by name with its state and
each stage's task, then each plan task's tallies (done, late, missed, overdue)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli.common import DbOption, JsonOption, checked_url, console, echo_json, user_errors
from cli.words import cli_words

CELL_STYLES = {"done": "green", "late": "dark_orange", "overdue": "bold red", "missed": "red", "open": "yellow",
               "reopened": "yellow", "waiting": "dim", "withdrawn": "dim", "not_sent": ""}


NARROW = 110  # columns: below it the units' table leaves out the codes


def status_command(cycle_id: Annotated[str, typer.Argument(help="A registered cycle")], db: DbOption = "",
                   as_json: JsonOption = False) -> None:
    """Per unit its state, each stage's task and what is overdue; per plan task done, late, missed, overdue."""
    from models.cycle_context import load_context
    from models.db import session_scope
    from models.formatting import instant
    from models.settings import get_settings
    from tasks.engine.runtime import engine_for, using_database, wall_clock
    from tasks.engine.schedule_data import upcoming_checkpoints
    from tasks.reads.dashboard.naming import describe_checkpoint
    from tasks.reads.status import cycle_status
    from tasks.survey.online import survey_overview

    url = checked_url(db)
    now = wall_clock()
    with user_errors(), using_database(url), session_scope(engine_for(url)) as session:
        ctx = load_context(session, cycle_id)
        status = cycle_status(session, ctx, at=now)
        survey = survey_overview(session, ctx, at=now)
        ahead = upcoming_checkpoints(session, ctx, after=now)
        next_tick = describe_checkpoint(cycle_id, ahead[0], ctx.calendar.zone) if ahead else None
    if as_json:
        echo_json({**status.as_json(), "survey": survey_json(survey),
                   "next_checkpoint": ahead[0].at.isoformat() if ahead else None,
                   "next_checkpoint_reasons": list(ahead[0].reasons) if ahead else []})
        return
    t = cli_words()
    language, zone = get_settings().language, ctx.calendar.zone.key
    stages = [stage for stage in dict.fromkeys(s for unit in status.units for s in unit.stages)]
    narrow = console.width < NARROW  # 80 columns: no code column, the overdue tasks under the state
    units = Table(title=t("status.units", cycle=cycle_id, at=instant(now, zone, language)), title_justify="left")
    if not narrow:
        units.add_column(t("col.code"), no_wrap=True)
    units.add_column(t("col.unit"), overflow="fold", ratio=5 if narrow else 3)
    units.add_column(t("col.state"), overflow="fold", ratio=2, max_width=14 if narrow else None)
    for stage in stages:
        units.add_column(t(stage), overflow="fold", ratio=1, max_width=14 if narrow else None)
    if not narrow:
        units.add_column(t("col.overdue_tasks"), overflow="fold", ratio=2)
    for unit in status.units:
        cells = [Text(t(unit.stages[stage]), style=CELL_STYLES.get(unit.stages[stage], ""))
                 if stage in unit.stages else Text("—", style="dim") for stage in stages]
        overdue = ", ".join(t("status.overdue_task", task=o["task"], days=o["days_overdue"]) for o in unit.overdue)
        state = Text(t("status.withdrawn", reason=unit.withdrawn) if unit.withdrawn else t(unit.state_key))
        if narrow:
            if overdue:
                state.append("\n" + overdue, style="red")
            units.add_row(unit.name, state, *cells)
        else:
            units.add_row(unit.code, unit.name, state, *cells, Text(overdue, style="red"))
    console.print(units)
    tasks = Table(title=t("status.tasks", cycle=cycle_id), title_justify="left")
    tasks.add_column(t("col.number"), justify="right", no_wrap=True)
    tasks.add_column(t("col.task"), overflow="fold", ratio=4)
    if narrow:  # the counts in one column, in words: "50/52 đã xong · 3 trễ hạn"
        tasks.add_column(t("col.progress"), overflow="fold", ratio=2)
    else:
        for key in ("col.done", "col.late", "col.missed", "col.overdue", "col.total"):
            tasks.add_column(t(key), justify="right", overflow="fold")
    for task in status.tasks:
        finished = task.done - task.missed - task.not_sent  # `done` counts the missed ones as finished
        missed = Text(t("status.not_sent", count=task.not_sent) if task.optional else str(task.missed),
                      style="red" if task.missed else "")
        title = ctx.task_by_number(task.number).title
        if narrow:
            progress = Text(t("status.progress", done=finished, total=task.total))
            for count, key, style in ((task.late, "status.late_n", ""), (task.missed, "status.missed_n", "red"),
                                      (task.not_sent if task.optional else 0, "status.not_sent", ""),
                                      (task.overdue, "status.overdue_n", "bold red")):
                if count:
                    progress.append("\n" + t(key, count=count), style=style)
            tasks.add_row(str(task.number), title, progress)
        else:
            tasks.add_row(str(task.number), title, str(finished), str(task.late), missed,
                          Text(str(task.overdue), style="bold red" if task.overdue else ""), str(task.total))
    console.print(tasks)
    if survey is not None:
        console.print(survey_line(t, survey, zone, language), markup=False, soft_wrap=False)  # folded at the width
    console.print(t("status.next", next=next_tick or t("status.no_next")), markup=False)


def survey_json(survey) -> dict[str, object] | None:
    if survey is None:
        return None
    return {**survey.__dict__, "opens": survey.opens.isoformat() if survey.opens else None,
            "closes": survey.closes.isoformat() if survey.closes else None}


def survey_line(t, survey, zone: str, language: str) -> str:
    """The survey online in one sentence: where it stands, answers counted against the quotas, who is short."""
    from models.formatting import instant, number

    when = {"not_open": t("status.survey_not_open", at=instant(survey.opens, zone, language)),
            "open": t("status.survey_open", at=instant(survey.closes, zone, language)) if survey.closes
            else t("status.survey_open_ended"),
            "closed": t("status.survey_closed")}[survey.state]
    return t("status.survey", when=when, counted=number(survey.counted, language),
             quota=number(survey.quota, language), set_aside=number(survey.set_aside, language),
             units=survey.units_behind)
