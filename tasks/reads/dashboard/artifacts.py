"""Keyed Prefect artifacts a coordinator reads in the UI: units × stages, progress, what is overdue."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.cycle_context import CycleContext, load_context
from models.db import session_scope
from models.words import word
from tasks.engine.runtime import database_url, engine_for
from tasks.reads.dashboard.naming import local_label
from tasks.reads.status import Overview, cycle_overview, overdue_rows

MAX_UNIT_ROWS = 1000


@task(cache_policy=NO_CACHE)
def publish_artifacts(cycle_id: str, at: datetime) -> None:
    """Three artifacts under stable keys, so the UI shows their history tick after tick."""
    # Units with something overdue first; beyond MAX_UNIT_ROWS the table is for browsing, `parindex status` has all.
    with session_scope(engine_for(database_url())) as session:
        ctx = load_context(session, cycle_id)
        overview = cycle_overview(session, ctx, at=at, limit=MAX_UNIT_ROWS)
        overdue = overdue_rows(session, ctx, at=at, limit=MAX_UNIT_ROWS)
    when = local_label(cycle_id, at)
    _units_by_stage(ctx, overview, when)
    _progress(ctx, overview, when)
    # Short columns first, the task's long title last: the numbers stay in view without scrolling.
    columns = ("col.unit", "col.code", "col.task", "col.days_overdue", "col.deadline", "col.block", "col.group",
               "col.owner", "col.title")
    table = [dict(zip([word(c) for c in columns], (
        row.assignee, row.code, row.task, row.days_overdue, f"{row.last_day:%d/%m/%Y}", ctx.block_name(row.block),
        ctx.group_name(row.group), ctx.owner_name(row.owner), row.title), strict=True)) for row in overdue]
    create_table_artifact(key=f"{cycle_id}-overdue", table=table or [{word("col.unit"): word("overdue.none")}],
                          description=word("overdue.description", cycle=cycle_id, at=when))


def _units_by_stage(ctx: CycleContext, overview: Overview, when: str) -> None:
    shown = overview.status.units
    more = word("units.more", shown=len(shown), total=overview.unit_count) \
        if len(shown) < overview.unit_count else ""
    create_table_artifact(
        key=f"{ctx.cycle_id}-units-by-stage",
        table=[{word("col.unit"): u.name, word("col.code"): u.code, word("col.block"): ctx.block_name(u.block),
                word("col.group"): ctx.group_name(u.group), word("col.state"): word(u.state_key),
                **{word(s): word(u.stages[s]) if s in u.stages else "" for s in overview.unit_stages}}
               for u in shown],
        description=word("units.description", cycle=ctx.cycle_id, at=when, more=more))


def _progress(ctx: CycleContext, overview: Overview, when: str) -> None:
    header = ("col.task", "col.done", "col.late", "col.missed", "col.overdue", "col.total", "col.stage",
              "col.owner", "col.title")
    lines = [word("progress.heading", cycle=ctx.cycle_id, at=when), "",
             "| " + " | ".join(word(c) for c in header) + " |", "|" + "---|" * len(header)]
    for t in overview.status.tasks:
        missed = word("status.not_sent", count=t.not_sent) if t.optional else t.missed
        finished = t.done - t.missed - t.not_sent
        lines.append(f"| {t.number} | {finished} | {t.late} | {missed} | {t.overdue} | {t.total} | "
                     f"{word(t.stage)} | {_cell(ctx.owner_name(t.owner))} | "
                     f"{_cell(ctx.task_by_number(t.number).title)} |")
    create_markdown_artifact(key=f"{ctx.cycle_id}-progress", markdown="\n".join(lines),
                             description=word("progress.description", cycle=ctx.cycle_id, at=when))


def _cell(text: str) -> str:
    """Text in a markdown table cell: a pipe would end the cell."""
    return text.replace("|", "\\|").replace("\n", " ")
