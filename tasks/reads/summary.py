"""The end-of-season summary: per stage on time / late / escalated, the top five of each block."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.formatting import instant, number
from models.lifecycle import FINAL_STATE
from models.settings import get_settings
from models.tables import Assignment, OutboxMessage, SurveyResponse, SurveyRound, Unit, UnitResult
from models.words import words_in
from tasks.reads.status import cycle_status


@dataclass
class StageLine:
    stage: str
    task: int
    title: str
    on_time: int
    late: int
    missed: int
    escalated: int
    total: int


@dataclass
class SeasonSummary:
    cycle_id: str
    stages: list[StageLine]
    top: dict[str, list[tuple[int, str, str, Decimal, str]]]  # rank, code, name, index, band
    units_final: int
    units_total: int
    tasks_accounted: int
    tasks_total: int
    messages: dict[str, int]
    survey: dict[str, int] = field(default_factory=dict)  # the survey online's responses by status
    survey_closed: str = ""  # when it closed, in the cycle's time

    def print(self, console: Console, *, ticks: int, mails: int, outbox: Path, seconds: float) -> None:
        language = get_settings().language
        t = words_in(language)
        table = Table(title=t("summary.tasks", cycle=self.cycle_id), title_justify="left")
        table.add_column("#", justify="right")
        table.add_column(t("col.task"), overflow="fold", ratio=3)
        for key in ("summary.on_time", "col.late", "col.missed", "summary.escalated", "summary.assignees"):
            table.add_column(t(key), justify="right", overflow="fold")
        for line in self.stages:
            table.add_row(str(line.task), line.title, str(line.on_time), str(line.late), str(line.missed),
                          str(line.escalated), str(line.total))
        console.print(table)
        for block, rows in self.top.items():
            top = Table(title=t("summary.top", block=block), title_justify="left")
            for key in ("report.rank", "report.code", "report.unit", "report.index", "report.band"):
                top.add_column(t(key), overflow="fold", justify="right" if key == "report.index" else "left")
            for rank, code, name, index, band in rows:
                top.add_row(str(rank), code, name, number(index, language, 2), band)
            console.print(top)
        if self.survey:
            console.print(t("summary.survey", counted=self.survey.get("counted", 0),
                            set_aside=self.survey.get("set_aside", 0), closed=self.survey_closed or "—"),
                          markup=False)
        kinds = ", ".join(t("summary.kind", count=count, kind=t(f"mail.{kind}"))
                          for kind, count in sorted(self.messages.items()))
        console.print(t("summary.line", final=self.units_final, total=self.units_total,
                        accounted=self.tasks_accounted, tasks=self.tasks_total, ticks=ticks, mails=mails,
                        outbox=outbox, kinds=kinds, seconds=number(seconds, language, 1)), markup=False)


def season_summary(session: Session, ctx: CycleContext, *, at: datetime) -> SeasonSummary:
    status = cycle_status(session, ctx, at=at)
    escalated: dict[int, int] = dict(session.execute(
        select(Assignment.plan_task_id, func.count(func.distinct(Assignment.id)))
        .join(OutboxMessage, OutboxMessage.assignment_id == Assignment.id)
        .where(OutboxMessage.cycle_id == ctx.cycle_id, OutboxMessage.kind == "escalation")
        .group_by(Assignment.plan_task_id)).all())
    escalated_by_number = {ctx.tasks[task_id].number: count for task_id, count in escalated.items()}
    lines = [StageLine(t.stage, t.number, ctx.task_by_number(t.number).title, t.done - t.missed - t.late, t.late,
                       t.missed,
                       escalated_by_number.get(t.number, 0), t.total) for t in status.tasks]
    top: dict[str, list[tuple[int, str, str, Decimal, str]]] = {}
    for block in ctx.spec.blocks:
        rows = session.execute(select(UnitResult.rank_in_block, Unit.code, Unit.name, UnitResult.index_percent,
                                      UnitResult.band).join(Unit, Unit.id == UnitResult.unit_id)
                               .where(Unit.cycle_id == ctx.cycle_id, Unit.block == block.code)
                               .order_by(UnitResult.rank_in_block, Unit.code).limit(5)).all()
        top[block.name] = [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    messages: dict[str, int] = dict(session.execute(select(OutboxMessage.kind, func.count()).where(
        OutboxMessage.cycle_id == ctx.cycle_id).group_by(OutboxMessage.kind)).all())
    survey: dict[str, int] = dict(session.execute(select(SurveyResponse.status, func.count()).where(
        SurveyResponse.cycle_id == ctx.cycle_id).group_by(SurveyResponse.status)).all())
    closed = session.scalar(select(func.min(SurveyRound.closed_at)).where(SurveyRound.cycle_id == ctx.cycle_id))
    return SeasonSummary(
        ctx.cycle_id, lines, top, units_final=sum(1 for u in status.units if u.state == FINAL_STATE.value),
        units_total=len(status.units), tasks_accounted=sum(1 for t in status.tasks if t.done == t.total),
        tasks_total=len(status.tasks), messages=messages, survey=survey,
        survey_closed=instant(closed, ctx.calendar.zone.key, get_settings().language) if closed else "")
