"""Assignments follow the clock and the units: they open, fall overdue, and complete, a stage at a time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from models.batching import chunked
from models.completion import parse_completion_rule
from models.cycle_context import CycleContext
from models.history import HistoryDraft, append_history
from models.lifecycle import has_reached
from models.tables import (
    FINISHED,
    UNFINISHED,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    PlanTask,
    ScoreVersion,
    Unit,
    actor_for,
)
from tasks.engine.events import note_lateness


@dataclass
class AssignmentChanges:
    """What a step did to assignments, and the history rows it owes (written once, with who and why)."""

    opened: int = 0
    overdue: int = 0
    completed: int = 0
    drafts: list[HistoryDraft] = field(default_factory=list)

    def write_history(self, session: Session, *, cycle_id: str, actor: str, flow_run_id: str | None,
                      reason: str = "") -> None:
        append_history(session, cycle_id=cycle_id, drafts=[
            replace(draft, actor=actor_for(actor, draft.subject.removeprefix("unit:")), flow_run_id=flow_run_id,
                    reason=reason or draft.reason)
            for draft in self.drafts])


def reconcile_stage(session: Session, ctx: CycleContext, *, stage: str, at: datetime, actor: str,
                    flow_run_id: str | None) -> AssignmentChanges:
    """Complete what the units' progress completes, open what is ready, mark what is late; one transaction."""
    stage_tasks = ctx.tasks_of_stage(stage)
    if not stage_tasks:
        return AssignmentChanges()
    units = {row.id: row for row in session.execute(select(Unit.id, Unit.code, Unit.state)
                                                    .where(Unit.cycle_id == ctx.cycle_id))}
    changes = AssignmentChanges()
    _complete_by_rule(session, ctx, stage_tasks, units, at, changes)
    _open_ready(session, ctx, stage_tasks, units, at, changes)
    _mark_overdue(session, ctx, stage_tasks, at, changes)
    changes.write_history(session, cycle_id=ctx.cycle_id, actor=actor, flow_run_id=flow_run_id)
    return changes


def unfinished_assignments(session: Session, task_ids: list[int]) -> list[Any]:
    return list(session.execute(
        select(Assignment.id, Assignment.plan_task_id, Assignment.assignee, Assignment.unit_id,
               Assignment.status, Assignment.due_at, Assignment.opened_at)
        .where(Assignment.plan_task_id.in_(task_ids), Assignment.status.in_(UNFINISHED))
    ).all())


def _complete_by_rule(session: Session, ctx: CycleContext, stage_tasks: list[PlanTask], units: dict[int, Any],
                      at: datetime, changes: AssignmentChanges) -> None:
    done: list[Any] = []
    for task in stage_tasks:
        rule = parse_completion_rule(task.completes_when)
        if rule.kind == "manual":
            continue
        rows = unfinished_assignments(session, [task.id])
        if rule.kind == "units_reached":
            everyone = all(has_reached(unit.state, rule.state) for unit in units.values())
            done += [row for row in rows
                     if (row.unit_id is not None and has_reached(units[row.unit_id].state, rule.state))
                     or (row.unit_id is None and everyone)]
        elif rule.kind == "scores_in" and rows:
            scored = session.scalar(select(func.count(func.distinct(ScoreVersion.unit_id))).where(
                ScoreVersion.cycle_id == ctx.cycle_id, ScoreVersion.kind == rule.score_kind.value))
            if scored == len(units):
                done += rows
    complete_assignments(session, done, at=at, changes=changes, event="complete")


def complete_assignments(session: Session, rows: list[Any], *, at: datetime, changes: AssignmentChanges,
                         event: str, status: AssignmentStatus = AssignmentStatus.DONE) -> None:
    """Mark assignments done (late when past their deadline) or missed, with their history rows."""
    for late in (False, True):
        ids = [row.id for row in rows if (row.due_at is not None and at > row.due_at) == late]
        for chunk in chunked(ids):
            session.execute(update(Assignment).where(Assignment.id.in_(chunk))
                            .values(status=status.value, completed_at=at, late=late)
                            .execution_options(synchronize_session=False))
    changes.completed += len(rows)
    changes.drafts += [
        HistoryDraft(entity="assignment", subject=row.assignee, event=event, actor="", at=at,
                     from_state=str(row.status), to_state=status.value,
                     details={"plan_task_id": row.plan_task_id, "late": bool(row.due_at and at > row.due_at)})
        for row in rows
    ]


def _open_ready(session: Session, ctx: CycleContext, stage_tasks: list[PlanTask], units: dict[int, Any],
                at: datetime, changes: AssignmentChanges) -> None:
    waiting = [row for row in unfinished_assignments(session, [t.id for t in stage_tasks])
               if row.status == AssignmentStatus.WAITING.value]
    if not waiting:
        return
    predecessors = _predecessor_progress(session, ctx, stage_tasks, units)
    ready = []
    for row in waiting:
        task = ctx.tasks[row.plan_task_id]
        if ctx.opening(task.opens_at) > at:
            continue
        if all(predecessors(number, row.unit_id) for number in _numbers(task.after)):
            ready.append(row)
    for row in ready:
        late = row.due_at is not None and row.due_at <= at and not ctx.tasks[row.plan_task_id].optional
        status = AssignmentStatus.OVERDUE if late else AssignmentStatus.OPEN
        session.execute(update(Assignment).where(Assignment.id == row.id)
                        .values(status=status.value, opened_at=at).execution_options(synchronize_session=False))
        changes.drafts.append(HistoryDraft(entity="assignment", subject=row.assignee, event="open", actor="", at=at,
                                           from_state=row.status, to_state=status.value,
                                           details={"plan_task_id": row.plan_task_id}))
    changes.opened += len(ready)
    opened_late = [row for row in ready if row.due_at is not None and row.due_at <= at
                   and not ctx.tasks[row.plan_task_id].optional]
    changes.overdue += len(opened_late)
    note_lateness(session, ctx, kind="overdue", assignments=opened_late)  # overdue from the start


def _predecessor_progress(session: Session, ctx: CycleContext, stage_tasks: list[PlanTask],
                          units: dict[int, Any]):
    """A test `(task number, unit id or None) -> bool`: is that predecessor finished for this assignee?"""
    numbers = {n for task in stage_tasks for n in _numbers(task.after)}
    by_number = {task.number: task for task in ctx.tasks.values()}
    finished_units: dict[int, set[int]] = defaultdict(set)
    unfinished_count: dict[int, int] = {}
    for number in numbers:
        task = by_number[number]
        statuses = session.execute(select(Assignment.unit_id, Assignment.status)
                                   .where(Assignment.plan_task_id == task.id)).all()
        unfinished_count[number] = sum(1 for _, status in statuses if status not in FINISHED)
        finished_units[number] = {unit_id for unit_id, status in statuses if status in FINISHED and unit_id}

    def finished(number: int, unit_id: int | None) -> bool:
        """A body's assignment waits for everyone; a unit's for its own progress (a re-run unit included)."""
        task = by_number[number]
        if unit_id is None:
            return unfinished_count[number] == 0
        if task.owner == UNITS_OWNER:
            return unit_id in finished_units[number]
        rule = parse_completion_rule(task.completes_when)
        if rule.kind == "units_reached":
            return has_reached(units[unit_id].state, rule.state)
        return unfinished_count[number] == 0

    return finished


def _mark_overdue(session: Session, ctx: CycleContext, stage_tasks: list[PlanTask], at: datetime,
                  changes: AssignmentChanges) -> None:
    required = [task.id for task in stage_tasks if not task.optional]
    if not required:
        return
    late = session.execute(
        select(Assignment.id, Assignment.assignee, Assignment.plan_task_id)
        .where(Assignment.plan_task_id.in_(required), Assignment.status == AssignmentStatus.OPEN.value,
               Assignment.due_at.is_not(None), Assignment.due_at <= at)
    ).all()
    ids = [row.id for row in late]
    for chunk in chunked(ids):
        session.execute(update(Assignment).where(Assignment.id.in_(chunk))
                        .values(status=AssignmentStatus.OVERDUE.value).execution_options(synchronize_session=False))
    changes.overdue += len(ids)
    note_lateness(session, ctx, kind="overdue", assignments=late)
    changes.drafts += [HistoryDraft(entity="assignment", subject=row.assignee, event="overdue", actor="", at=at,
                                    from_state=AssignmentStatus.OPEN.value, to_state=AssignmentStatus.OVERDUE.value,
                                    details={"plan_task_id": row.plan_task_id}) for row in late]


def _numbers(after: str) -> list[int]:
    return [int(part) for part in after.split(",") if part]
