"""Where a cycle stands: per unit its state and overdue tasks, per task done/total, per stage progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from models.batching import chunked
from models.cycle_context import CycleContext
from models.stages import ACCEPTING_STATE, Stage
from models.tables import Assignment, AssignmentStatus, PlanTask, Unit
from models.task_states import task_state, unit_state_key


@dataclass
class UnitStatus:
    code: str
    name: str
    block: str
    state: str
    group: str = ""
    withdrawn: str | None = None  # why it left the season (`parindex unit withdraw`), when it did
    overdue: list[dict[str, object]] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)  # stage → its task's state (models.task_states)

    @property
    def state_key(self) -> str:
        return unit_state_key(self.state, self.stages)


@dataclass
class TaskStatus:
    number: int
    key: str
    stage: str
    owner: str
    done: int  # finished: done, or missed (not sent, for an optional task) when the stage moved on without it
    late: int
    missed: int
    overdue: int
    total: int
    due_at: str | None
    not_sent: int = 0  # an optional task the unit chose not to do (finished, counted in done, never late)
    optional: bool = False


@dataclass
class CycleStatus:
    cycle_id: str
    at: str
    units: list[UnitStatus]
    tasks: list[TaskStatus]

    def as_json(self) -> dict[str, object]:
        return {"cycle": self.cycle_id, "at": self.at,
                "units": [u.__dict__ for u in self.units], "tasks": [t.__dict__ for t in self.tasks]}


@dataclass
class Overview:
    status: CycleStatus  # its units: the ones shown
    unit_count: int
    unit_stages: list[str]  # the stages units have tasks in, in plan order


def cycle_status(session: Session, ctx: CycleContext, *, at: datetime) -> CycleStatus:
    """Every unit and every plan task."""
    ids = list(session.execute(select(Unit.id).where(Unit.cycle_id == ctx.cycle_id).order_by(Unit.id)).scalars())
    return CycleStatus(ctx.cycle_id, at.isoformat(), unit_statuses(session, ctx, ids, at=at),
                       task_tallies(session, ctx))


def cycle_overview(session: Session, ctx: CycleContext, *, at: datetime, limit: int) -> Overview:
    """What a dashboard shows at any scale: every task's tallies, and at most `limit` units, the ones with
    something overdue first. Counted in the database; only the units shown are read."""
    overdue_ids = list(session.execute(
        select(Assignment.unit_id).where(Assignment.cycle_id == ctx.cycle_id,
                                         Assignment.status == AssignmentStatus.OVERDUE.value,
                                         Assignment.unit_id.is_not(None))
        .group_by(Assignment.unit_id).order_by(Assignment.unit_id).limit(limit)).scalars())
    other_ids = list(session.execute(
        select(Unit.id).where(Unit.cycle_id == ctx.cycle_id, Unit.id.not_in(overdue_ids))
        .order_by(Unit.id).limit(limit - len(overdue_ids))).scalars()) if len(overdue_ids) < limit else []
    unit_count = session.scalar(select(func.count()).select_from(Unit).where(Unit.cycle_id == ctx.cycle_id)) or 0
    unit_task_ids = session.execute(select(Assignment.plan_task_id).where(
        Assignment.cycle_id == ctx.cycle_id, Assignment.unit_id.is_not(None)).distinct()).scalars()
    stages = {ctx.tasks[task_id].stage for task_id in unit_task_ids}
    return Overview(CycleStatus(ctx.cycle_id, at.isoformat(),
                                unit_statuses(session, ctx, overdue_ids + other_ids, at=at),
                                task_tallies(session, ctx)),
                    unit_count=unit_count, unit_stages=[stage.value for stage in Stage if stage.value in stages])


def unit_statuses(session: Session, ctx: CycleContext, unit_ids: list[int], *, at: datetime) -> list[UnitStatus]:
    """The units with these ids, in this order: state, each stage's task status, what is overdue."""
    today = ctx.calendar.local_date(at)
    units: dict[int, UnitStatus] = {}
    days_overdue: dict[object, int] = {}
    for chunk in chunked(unit_ids):
        found = {row.id: UnitStatus(row.code, row.name, row.block, row.state, row.unit_group, row.withdrawn_reason)
                 for row in session.execute(select(Unit.id, Unit.code, Unit.name, Unit.block, Unit.state,
                                                   Unit.group.label("unit_group"), Unit.withdrawn_reason)
                                            .where(Unit.id.in_(chunk)))}
        units.update((unit_id, found[unit_id]) for unit_id in chunk)
        rows = session.execute(select(Assignment.plan_task_id, Assignment.unit_id, Assignment.status,
                                      Assignment.late, Assignment.last_day, Assignment.reopened_at)
                               .where(Assignment.unit_id.in_(chunk)).order_by(Assignment.id)).all()
        for task_id, unit_id, status, late, last_day, reopened_at in rows:
            task: PlanTask = ctx.tasks[task_id]
            unit = units[unit_id]
            unit.stages[task.stage] = task_state(status, late=late, optional=task.optional, stage=task.stage,
                                                 reopened=reopened_at is not None,
                                                 accepting=unit.state == ACCEPTING_STATE.get(Stage(task.stage)))
            if status == AssignmentStatus.OVERDUE.value:
                if last_day not in days_overdue:
                    days_overdue[last_day] = ctx.calendar.working_days_between(last_day, today)
                unit.overdue.append({"task": task.number, "title": task.title,
                                     "days_overdue": days_overdue[last_day]})
    return list(units.values())


def task_tallies(session: Session, ctx: CycleContext) -> list[TaskStatus]:
    """Done, late, missed, overdue and total per plan task, counted by the database."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for task_id, status, late, count in session.execute(
            select(Assignment.plan_task_id, Assignment.status, Assignment.late, func.count())
            .where(Assignment.cycle_id == ctx.cycle_id)
            .group_by(Assignment.plan_task_id, Assignment.status, Assignment.late)):
        if status == AssignmentStatus.WITHDRAWN.value:  # its unit left the season: not asked of it any more
            continue
        tally = counts[task_id]
        optional = ctx.tasks[task_id].optional
        tally["total"] += count
        tally["done"] += count if status in (AssignmentStatus.DONE.value, AssignmentStatus.MISSED.value) else 0
        tally["late"] += count if late and status == AssignmentStatus.DONE.value and not optional else 0
        tally["missed"] += count if status == AssignmentStatus.MISSED.value and not optional else 0
        tally["not_sent"] += count if status == AssignmentStatus.MISSED.value and optional else 0
        tally["overdue"] += count if status == AssignmentStatus.OVERDUE.value else 0
    return [TaskStatus(t.number, t.key, t.stage, t.owner, counts[t.id]["done"], counts[t.id]["late"],
                       counts[t.id]["missed"], counts[t.id]["overdue"], counts[t.id]["total"],
                       t.due_at.isoformat() if t.due_at else None, counts[t.id]["not_sent"], t.optional)
            for t in sorted(ctx.tasks.values(), key=lambda t: t.number)]


@dataclass
class OverdueRow:
    """One overdue assignment, a unit's or a body's, as a coordinator reads it."""

    task: int
    title: str
    assignee: str  # the unit's or body's name
    code: str
    block: str
    group: str
    owner: str  # who leads the task: a body's code, or UNITS_OWNER
    last_day: date
    days_overdue: int


def overdue_rows(session: Session, ctx: CycleContext, *, at: datetime, limit: int) -> list[OverdueRow]:
    """Every overdue assignment (units' and bodies'), the longest overdue first, at most `limit`."""
    today = ctx.calendar.local_date(at)
    rows = session.execute(
        select(Assignment.plan_task_id, Assignment.assignee, Assignment.last_day, Unit.code, Unit.name, Unit.block,
               Unit.group.label("unit_group"))
        .outerjoin(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.cycle_id == ctx.cycle_id, Assignment.status == AssignmentStatus.OVERDUE.value)
        .order_by(Assignment.last_day, Assignment.plan_task_id, Assignment.assignee).limit(limit)).all()
    found = []
    for task_id, assignee, last_day, code, name, block, group in rows:
        task: PlanTask = ctx.tasks[task_id]
        body = ctx.bodies.get(assignee.removeprefix("body:"))
        owner = task.owner
        found.append(OverdueRow(task.number, task.title, name or (body.name if body else assignee),
                                code or assignee.removeprefix("body:"), block or "", group or "", owner, last_day,
                                ctx.calendar.working_days_between(last_day, today) if last_day else 0))
    return found
