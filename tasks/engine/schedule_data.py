"""The deadlines still ahead of a cycle, as the scheduler and replays see them."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlmodel import Session

from models.checkpoints import Checkpoint, DeadlineGroup, checkpoints
from models.cycle_context import CycleContext
from models.cycle_update import season_under_way
from models.tables import UNFINISHED, Assignment, AssignmentStatus, PlanTask
from tasks.mail.survey_links import survey_reminders
from tasks.survey.window import survey_checkpoints


def deadline_groups(session: Session, ctx: CycleContext) -> list[DeadlineGroup]:
    """One group per distinct (opening, deadline) among unfinished assignments: extensions add groups."""
    rows = session.execute(
        select(PlanTask.opens_at, Assignment.last_day, Assignment.due_at, PlanTask.optional, Assignment.status)
        .join(PlanTask, PlanTask.id == Assignment.plan_task_id)
        .where(Assignment.cycle_id == ctx.cycle_id, Assignment.status.in_(UNFINISHED))
        .distinct()
    ).all()
    return list({DeadlineGroup(ctx.opening(opens) if status == AssignmentStatus.WAITING.value else None, last_day,
                               due, optional)
                 for opens, last_day, due, optional, status in rows})


def upcoming_checkpoints(session: Session, ctx: CycleContext, *, after: datetime | None) -> list[Checkpoint]:
    """The deadlines' checkpoints, and the instant the survey online closes (while it is ahead)."""
    found = checkpoints(deadline_groups(session, ctx), ctx.calendar, ctx.spec.reminders, after=after)
    survey = survey_checkpoints(session, ctx, survey_reminders(session, ctx), after=after) if ctx.survey else []
    if not survey:
        return found
    merged = {point.at: set(point.reasons) for point in found}
    for at, why in survey:
        merged.setdefault(at, set()).add(why)
    return [Checkpoint(at, tuple(sorted(why))) for at, why in sorted(merged.items())]


def never_opened(session: Session, ctx: CycleContext, *, now: datetime) -> bool:
    """A cycle registered while its season is under way, not yet ticked: its season has begun and not ended,
    and not one assignment has left `waiting`. Its first tick is due now, not at the next checkpoint days away."""
    season = ctx.spec.season
    running = ctx.calendar.at_local(season.from_, time(0)) <= now < ctx.calendar.end_of_day(season.to)
    return running and not season_under_way(session, ctx.cycle_id)


def has_overdue(session: Session, ctx: CycleContext) -> bool:
    return session.execute(select(Assignment.id).where(
        Assignment.cycle_id == ctx.cycle_id, Assignment.status == AssignmentStatus.OVERDUE.value).limit(1)).first() \
        is not None


def active_cycles(session: Session) -> list[str]:
    """Registered cycles with something left to do: an unfinished assignment."""
    return sorted(session.execute(select(Assignment.cycle_id).where(Assignment.status.in_(UNFINISHED))
                                  .distinct()).scalars())
