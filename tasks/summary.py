"""The end-of-season summary: per stage on time / late / escalated, the top five of each block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.lifecycle import FINAL_STATE
from models.tables import Assignment, OutboxMessage, Unit, UnitResult
from tasks.status import cycle_status


@dataclass
class StageLine:
    stage: str
    task: int
    on_time: int
    late: int
    missed: int
    escalated: int
    total: int


@dataclass
class SeasonSummary:
    cycle_id: str
    stages: list[StageLine]
    top: dict[str, list[tuple[int, str, str, str, str]]]
    units_final: int
    units_total: int
    tasks_accounted: int
    tasks_total: int
    messages: dict[str, int]

    def print(self, console: Console, *, ticks: int, mails: int, outbox: Path, seconds: float) -> None:
        table = Table(title=f"{self.cycle_id}: plan tasks")
        for column in ("#", "stage", "on time", "late", "missed", "escalated", "assignees"):
            table.add_column(column, justify="right" if column not in ("stage",) else "left")
        for line in self.stages:
            table.add_row(str(line.task), line.stage, str(line.on_time), str(line.late), str(line.missed),
                          str(line.escalated), str(line.total))
        console.print(table)
        for block, rows in self.top.items():
            top = Table(title=f"Top five — {block}")
            for column in ("hạng", "mã", "đơn vị", "chỉ số (%)", "xếp loại"):
                top.add_column(column)
            for rank, code, name, index, band in rows:
                top.add_row(str(rank), code, name, index, band)
            console.print(top)
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(self.messages.items()))
        console.print(Text("Summary", style="bold") + f": {self.units_final}/{self.units_total} units announced; "
                      f"{self.tasks_accounted}/{self.tasks_total} plan tasks done or closed; {ticks} ticks; "
                      f"{mails} mails captured in {outbox}/ ({kinds}); {seconds:.1f} s")


def season_summary(session: Session, ctx: CycleContext, *, at: datetime) -> SeasonSummary:
    status = cycle_status(session, ctx, at=at)
    escalated = dict(session.execute(
        select(Assignment.plan_task_id, func.count(func.distinct(Assignment.id)))
        .join(OutboxMessage, OutboxMessage.assignment_id == Assignment.id)
        .where(OutboxMessage.cycle_id == ctx.cycle_id, OutboxMessage.kind == "escalation")
        .group_by(Assignment.plan_task_id)).all())
    escalated_by_number = {ctx.tasks[task_id].number: count for task_id, count in escalated.items()}
    lines = [StageLine(t.stage, t.number, t.done - t.missed - t.late, t.late, t.missed,
                       escalated_by_number.get(t.number, 0), t.total) for t in status.tasks]
    top: dict[str, list[tuple[int, str, str, str, str]]] = {}
    for block in ctx.spec.blocks:
        rows = session.execute(select(UnitResult.rank_in_block, Unit.code, Unit.name, UnitResult.index_percent,
                                      UnitResult.band).join(Unit, Unit.id == UnitResult.unit_id)
                               .where(Unit.cycle_id == ctx.cycle_id, Unit.block == block.code)
                               .order_by(UnitResult.rank_in_block, Unit.code).limit(5)).all()
        top[block.name] = [(r[0], r[1], r[2], f"{r[3]:.2f}", r[4]) for r in rows]
    messages = dict(session.execute(select(OutboxMessage.kind, func.count()).where(
        OutboxMessage.cycle_id == ctx.cycle_id).group_by(OutboxMessage.kind)).all())
    return SeasonSummary(
        ctx.cycle_id, lines, top, units_final=sum(1 for u in status.units if u.state == FINAL_STATE.value),
        units_total=len(status.units), tasks_accounted=sum(1 for t in status.tasks if t.done == t.total),
        tasks_total=len(status.tasks), messages=messages)
