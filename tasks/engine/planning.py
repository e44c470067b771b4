"""Which stages have work at an instant: a tick runs only those stage flows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from models.completion import parse_completion_rule
from models.cycle_context import CycleContext
from models.lifecycle import ORDER, UnitState
from models.scores import scored_kinds
from models.stages import Stage
from models.tables import (
    FINISHED,
    UNFINISHED,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    Cycle,
    ScoreVersion,
    Unit,
    UnitResult,
)
from tasks.survey.window import due_to_close


def stages_with_work(session: Session, ctx: CycleContext, *, at: datetime) -> list[Stage]:
    """The stages where something can open, fall due, complete or move at `at`, in season order."""
    status_by_task = _status_counts(session, ctx)
    states: dict[str, int] = dict(session.execute(select(Unit.state, func.count()).where(Unit.cycle_id == ctx.cycle_id)
                                  .group_by(Unit.state)).all())
    least_advanced = min((ORDER.index(UnitState(s)) for s in states), default=0)
    work = {stage for stage in Stage if _assignment_work(session, ctx, stage, status_by_task, least_advanced, at)}
    if states.get(UnitState.APPRAISED_ROUND1.value) and ctx.lifecycle.has(Stage.SEND_DRAFT.value):
        work.add(Stage.SEND_DRAFT)
    if states.get(ctx.lifecycle.before_scoring.value) or _results_stale(session, ctx):
        work.add(Stage.SCORING)
    if states.get(UnitState.APPROVED.value) and session.get(Cycle, ctx.cycle_id).approved_at is not None:
        work.add(Stage.ANNOUNCEMENT)
    if due_to_close(session, ctx, at):  # the survey online closes on the plan's date
        work.add(Stage.SURVEY)
    return [stage for stage in Stage if stage in work]


def _status_counts(session: Session, ctx: CycleContext) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for task_id, status, count in session.execute(
            select(Assignment.plan_task_id, Assignment.status, func.count())
            .where(Assignment.cycle_id == ctx.cycle_id).group_by(Assignment.plan_task_id, Assignment.status)):
        counts.setdefault(task_id, {})[status] = count
    return counts


def _assignment_work(session: Session, ctx: CycleContext, stage: Stage, counts: dict[int, dict[str, int]],
                     least_advanced: int, at: datetime) -> bool:
    by_number = {task.number: task for task in ctx.tasks.values()}
    for task in ctx.tasks_of_stage(stage.value):
        task_counts = counts.get(task.id, {})
        if not any(task_counts.get(status) for status in UNFINISHED):
            continue
        # A body's task waits for its predecessors to be finished by everyone; a unit's task for any unit.
        whole = any if task.owner == UNITS_OWNER else all
        predecessors_moved = all(
            _finished_somewhere(counts.get(by_number[int(n)].id, {}), whole) for n in task.after.split(",") if n)
        if task_counts.get(AssignmentStatus.WAITING.value) and predecessors_moved and (
                ctx.opening(task.opens_at) <= at):
            return True
        if task.due_at is not None and task_counts.get(AssignmentStatus.OPEN.value) and _open_past_due(
                session, task.id, at):
            return True
        rule = parse_completion_rule(task.completes_when)
        if rule.kind == "units_reached" and least_advanced >= ORDER.index(rule.state):
            return True
        if rule.kind == "scores_in" and _everyone_has(session, ctx, rule.score_kind.value):
            return True
    return False


def _finished_somewhere(task_counts: dict[str, int], whole) -> bool:
    if whole is all:
        return not any(task_counts.get(status) for status in UNFINISHED)
    return any(task_counts.get(status) for status in FINISHED)


def _open_past_due(session: Session, task_id: int, at: datetime) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.plan_task_id == task_id, Assignment.status == AssignmentStatus.OPEN.value, Assignment.due_at <= at)))


def _everyone_has(session: Session, ctx: CycleContext, kind: str) -> bool:
    units = session.scalar(select(func.count()).select_from(Unit).where(Unit.cycle_id == ctx.cycle_id))
    having = session.scalar(select(func.count(func.distinct(ScoreVersion.unit_id)))
                            .where(ScoreVersion.cycle_id == ctx.cycle_id, ScoreVersion.kind == kind))
    return units == having


def _results_stale(session: Session, ctx: CycleContext) -> bool:
    """A result marked stale by a re-run, or a unit with a score version newer than its own result
    (compared unit by unit: blocks are scored at different times, so a cycle-wide minimum would keep
    every later tick rescoring)."""
    if session.scalar(select(func.count()).select_from(UnitResult).where(
            UnitResult.cycle_id == ctx.cycle_id, UnitResult.stale.is_(True))):
        return True
    # Only versions newer than the cycle's earliest result can be newer than their own: the join sees those
    # (a few after a season, not the cycle's 40,000 at 10,000 units).
    earliest = select(func.min(UnitResult.computed_at)).where(UnitResult.cycle_id == ctx.cycle_id).scalar_subquery()
    return session.scalar(select(ScoreVersion.id).join(UnitResult, UnitResult.unit_id == ScoreVersion.unit_id).where(
        ScoreVersion.cycle_id == ctx.cycle_id,
        ScoreVersion.kind.in_([kind.value for kind in scored_kinds(ctx.lifecycle)]),
        ScoreVersion.created_at > earliest, ScoreVersion.created_at > UnitResult.computed_at).limit(1)) is not None
