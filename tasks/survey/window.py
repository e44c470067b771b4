"""When the survey online takes answers: from the opening of the plan's fieldwork task (survey.toml `fieldwork`,
"survey_fieldwork" by default: KH 243's task 11, QĐ 903's task 4) until its deadline, and never past the start of
the last day of the task that hands the results in (`scores_in:survey`), so that results are in by then. The tick
closes it at that instant (flows: the survey stage's step); an operator who opens it again after a correction
closes it by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.tables import Assignment, PlanTask, SurveyRound
from models.workdays import WorkingCalendar


class SurveyState(StrEnum):
    NOT_OPEN = "not_open"  # the fieldwork has not opened yet
    OPEN = "open"
    CLOSED = "closed"  # closed by the survey body or the tick, or its closing instant has passed


@dataclass(frozen=True)
class SurveyWindow:
    opens: datetime | None
    closes: datetime | None
    task: PlanTask | None  # the fieldwork task, reported done when the survey closes


@dataclass(frozen=True)
class WindowPlan:
    """The window as the cycle's definition sets it (kept with a link's parts: tasks.survey.online); the
    deadlines are read when asked, so that an operator's extension of either task moves the close."""

    opens: datetime | None
    fieldwork_id: int | None
    results_ids: tuple[int, ...]
    calendar: WorkingCalendar


def window_plan(ctx: CycleContext) -> WindowPlan:
    key = (ctx.survey or {}).get("fieldwork")
    task = next((t for t in ctx.tasks.values() if key and t.key == key), None)
    results = tuple(t.id for t in ctx.tasks.values() if t.completes_when == "scores_in:survey")
    if task is None:
        return WindowPlan(None, None, results, ctx.calendar)
    return WindowPlan(ctx.opening(task.opens_at) if task.opens_at is not None else None, task.id, results,
                      ctx.calendar)


def window_closes(session: Session, plan: WindowPlan) -> datetime | None:
    """The fieldwork's deadline as it stands (its assignment's, extended or not), never past the start of the
    results task's last day; None without a fieldwork task."""
    if plan.fieldwork_id is None:
        return None
    deadlines = session.execute(select(Assignment.plan_task_id, func.max(Assignment.due_at),
                                       func.max(Assignment.last_day))
                                .where(Assignment.plan_task_id.in_([plan.fieldwork_id, *plan.results_ids]))
                                .group_by(Assignment.plan_task_id)).all()
    fieldwork = next((due for task_id, due, _ in deadlines if task_id == plan.fieldwork_id), None)
    if fieldwork is None:
        return None
    results = [plan.calendar.at_local(last_day, time(0)) for task_id, _, last_day in deadlines
               if task_id != plan.fieldwork_id and last_day is not None]
    return min([fieldwork, *results])


def survey_window(session: Session, ctx: CycleContext) -> SurveyWindow:
    """The survey's window: the fieldwork task's opening, and its close as its deadlines stand (with their
    extensions); open-ended without a fieldwork task."""
    plan = window_plan(ctx)
    task = ctx.tasks.get(plan.fieldwork_id) if plan.fieldwork_id is not None else None
    return SurveyWindow(plan.opens, window_closes(session, plan), task)


def last_round(session: Session, cycle_id: str) -> SurveyRound | None:
    return session.scalar(select(SurveyRound).where(SurveyRound.cycle_id == cycle_id)
                          .order_by(SurveyRound.id.desc()).limit(1))


def survey_state(session: Session, ctx: CycleContext, at: datetime) -> SurveyState:
    window = survey_window(session, ctx)
    return state_at(last_round(session, ctx.cycle_id), window.opens, window.closes, at)


def state_at(last: SurveyRound | None, opens: datetime | None, closes: datetime | None, at: datetime) -> SurveyState:
    """Closed once closed (until an operator opens it again: then only a close by hand ends it); otherwise by the
    window."""
    if last is not None:
        return SurveyState.CLOSED if last.reopened_at is None else SurveyState.OPEN
    if opens is not None and at < opens:
        return SurveyState.NOT_OPEN
    if closes is not None and at >= closes:
        return SurveyState.CLOSED
    return SurveyState.OPEN


def due_to_close(session: Session, ctx: CycleContext, at: datetime) -> bool:
    """The plan's closing instant has come and the survey was never closed: the tick closes it."""
    if not ctx.survey:
        return False
    closes = survey_window(session, ctx).closes
    return closes is not None and at >= closes and last_round(session, ctx.cycle_id) is None


def survey_checkpoints(session: Session, ctx: CycleContext, reminders: list[datetime], *,
                       after: datetime | None) -> list[tuple[datetime, str]]:
    """The instants the tick must run for the survey while it was never closed: its opening (the units' links go
    out), its reminders (`reminders`: tasks.mail.survey_links) and its closing."""
    window = survey_window(session, ctx)
    if not ctx.survey or window.closes is None or last_round(session, ctx.cycle_id) is not None:
        return []
    found = [(window.closes, "survey_close"), *((instant, "survey_reminder") for instant in reminders)]
    if window.opens is not None:
        found.append((window.opens, "survey_open"))
    return sorted((at, why) for at, why in found if after is None or at > after)


def last_day_open(closes: datetime | None, zone) -> date | None:
    """The last day answers are taken, in the cycle's zone (a close at midnight ends the day before)."""
    return None if closes is None else (closes - timedelta(microseconds=1)).astimezone(zone).date()
