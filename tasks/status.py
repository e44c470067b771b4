"""Where a cycle stands: per unit its state and overdue tasks, per task done/total, per stage progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.tables import Assignment, AssignmentStatus, PlanTask, Unit


@dataclass
class UnitStatus:
    code: str
    name: str
    block: str
    state: str
    overdue: list[dict[str, object]] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)  # stage → done | late | overdue | waiting | open | missed


@dataclass
class TaskStatus:
    number: int
    key: str
    stage: str
    owner: str
    done: int  # finished: done, or missed when the stage moved on without it
    late: int
    missed: int
    overdue: int
    total: int
    due_at: str | None


@dataclass
class CycleStatus:
    cycle_id: str
    at: str
    units: list[UnitStatus]
    tasks: list[TaskStatus]

    def as_json(self) -> dict[str, object]:
        return {"cycle": self.cycle_id, "at": self.at,
                "units": [u.__dict__ for u in self.units], "tasks": [t.__dict__ for t in self.tasks]}


def cycle_status(session: Session, ctx: CycleContext, *, at: datetime) -> CycleStatus:
    today = ctx.calendar.local_date(at)
    units = {u.id: UnitStatus(u.code, u.name, u.block, u.state)
             for u in session.execute(select(Unit.id, Unit.code, Unit.name, Unit.block, Unit.state)
                                      .where(Unit.cycle_id == ctx.cycle_id).order_by(Unit.id))}
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    days_overdue: dict[object, int] = {}
    rows = session.execute(select(Assignment.plan_task_id, Assignment.unit_id, Assignment.status, Assignment.late,
                                  Assignment.last_day).where(Assignment.cycle_id == ctx.cycle_id)).all()
    for task_id, unit_id, status, late, last_day in rows:
        task: PlanTask = ctx.tasks[task_id]
        tally = counts[task_id]
        tally["total"] += 1
        tally["done"] += status in (AssignmentStatus.DONE.value, AssignmentStatus.MISSED.value)
        tally["late"] += bool(late)
        tally["missed"] += status == AssignmentStatus.MISSED.value
        tally["overdue"] += status == AssignmentStatus.OVERDUE.value
        if unit_id is None:
            continue
        unit = units[unit_id]
        unit.stages[task.stage] = "late" if late else status
        if status == AssignmentStatus.OVERDUE.value:
            if last_day not in days_overdue:
                days_overdue[last_day] = ctx.calendar.working_days_between(last_day, today)
            unit.overdue.append({"task": task.number, "title": task.title, "days_overdue": days_overdue[last_day]})
    tasks = [TaskStatus(t.number, t.key, t.stage, t.owner, counts[t.id]["done"], counts[t.id]["late"],
                        counts[t.id]["missed"], counts[t.id]["overdue"], counts[t.id]["total"],
                        t.due_at.isoformat() if t.due_at else None)
             for t in sorted(ctx.tasks.values(), key=lambda t: t.number)]
    return CycleStatus(ctx.cycle_id, at.isoformat(), list(units.values()), tasks)
