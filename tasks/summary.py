"""The end-of-season summary: per stage on time / late / escalated, the top five of each block."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.lifecycle import FINAL_STATE
from models.tables import Assignment, AssignmentStatus, OutboxMessage, Unit, UnitResult


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
        console.print(f"[bold]Summary[/]: {self.units_final}/{self.units_total} units announced; "
                      f"{self.tasks_accounted}/{self.tasks_total} plan tasks done or closed; {ticks} ticks; "
                      f"{mails} mails captured in {outbox}/ ({kinds}); {seconds:.1f} s")


def season_summary(session: Session, ctx: CycleContext) -> SeasonSummary:
    escalated = set(session.execute(select(OutboxMessage.assignment_id).where(
        OutboxMessage.cycle_id == ctx.cycle_id, OutboxMessage.kind == "escalation")).scalars())
    lines = []
    accounted = 0
    for task in sorted(ctx.tasks.values(), key=lambda t: t.number):
        rows = session.execute(select(Assignment.id, Assignment.status, Assignment.late)
                               .where(Assignment.plan_task_id == task.id)).all()
        done = [r for r in rows if r.status == AssignmentStatus.DONE.value]
        missed = sum(1 for r in rows if r.status == AssignmentStatus.MISSED.value)
        accounted += len(done) + missed == len(rows)
        lines.append(StageLine(task.stage, task.number, sum(1 for r in done if not r.late),
                               sum(1 for r in done if r.late), missed, sum(1 for r in rows if r.id in escalated),
                               len(rows)))
    top: dict[str, list[tuple[int, str, str, str, str]]] = {}
    for block in ctx.spec.blocks:
        rows = session.execute(select(UnitResult.rank_in_block, Unit.code, Unit.name, UnitResult.index_percent,
                                      UnitResult.band).join(Unit, Unit.id == UnitResult.unit_id)
                               .where(Unit.cycle_id == ctx.cycle_id, Unit.block == block.code)
                               .order_by(UnitResult.rank_in_block, Unit.code).limit(5)).all()
        top[block.name] = [(r[0], r[1], r[2], f"{r[3]:.2f}", r[4]) for r in rows]
    units_total = session.scalar(select(func.count()).select_from(Unit).where(Unit.cycle_id == ctx.cycle_id))
    units_final = session.scalar(select(func.count()).select_from(Unit).where(
        Unit.cycle_id == ctx.cycle_id, Unit.state == FINAL_STATE.value))
    messages = dict(session.execute(select(OutboxMessage.kind, func.count()).where(
        OutboxMessage.cycle_id == ctx.cycle_id).group_by(OutboxMessage.kind)).all())
    return SeasonSummary(ctx.cycle_id, lines, top, units_final, units_total, accounted, len(ctx.tasks), messages)
