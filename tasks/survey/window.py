"""When the survey online takes answers: from the opening of the plan's fieldwork task (survey.toml `fieldwork`,
"survey_fieldwork" by default: KH 243's task 11, QĐ 903's task 4) until its deadline, and never past the start of
the last day of the task that hands the results in (`scores_in:survey`), so that results are in by then. The tick
closes it at that instant (flows: the survey stage's step); an operator who opens it again after a correction
closes it by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.tables import PlanTask, SurveyRound


class SurveyState(StrEnum):
    NOT_OPEN = "not_open"  # the fieldwork has not opened yet
    OPEN = "open"
    CLOSED = "closed"  # closed by the survey body or the tick, or its closing instant has passed


@dataclass(frozen=True)
class SurveyWindow:
    opens: datetime | None
    closes: datetime | None
    task: PlanTask | None  # the fieldwork task, reported done when the survey closes


def survey_window(ctx: CycleContext) -> SurveyWindow:
    """The survey's window as the plan's tasks (with their extensions) set it; open-ended without a fieldwork task."""
    key = (ctx.survey or {}).get("fieldwork")
    task = next((t for t in ctx.tasks.values() if key and t.key == key), None)
    if task is None:
        return SurveyWindow(None, None, None)
    opens = ctx.opening(task.opens_at) if task.opens_at is not None else None
    closes = task.due_at
    results = [ctx.calendar.at_local(t.last_day, time(0)) for t in ctx.tasks.values()
               if t.completes_when == "scores_in:survey" and t.last_day is not None]
    if closes is not None and results:
        closes = min([closes, *results])
    return SurveyWindow(opens, closes, task)


def last_round(session: Session, cycle_id: str) -> SurveyRound | None:
    return session.scalar(select(SurveyRound).where(SurveyRound.cycle_id == cycle_id)
                          .order_by(SurveyRound.id.desc()).limit(1))


def survey_state(session: Session, ctx: CycleContext, at: datetime) -> SurveyState:
    window = survey_window(ctx)
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
    closes = survey_window(ctx).closes
    return closes is not None and at >= closes and last_round(session, ctx.cycle_id) is None


def survey_checkpoints(session: Session, ctx: CycleContext, reminders: list[datetime], *,
                       after: datetime | None) -> list[tuple[datetime, str]]:
    """The instants the tick must run for the survey while it was never closed: its opening (the units' links go
    out), its reminders (`reminders`: tasks.mail.survey_links) and its closing."""
    window = survey_window(ctx)
    if not ctx.survey or window.closes is None or last_round(session, ctx.cycle_id) is not None:
        return []
    found = [(window.closes, "survey_close"), *((instant, "survey_reminder") for instant in reminders)]
    if window.opens is not None:
        found.append((window.opens, "survey_open"))
    return sorted((at, why) for at, why in found if after is None or at > after)


def last_day_open(closes: datetime | None, zone) -> date | None:
    """The last day answers are taken, in the cycle's zone (a close at midnight ends the day before)."""
    return None if closes is None else (closes - timedelta(microseconds=1)).astimezone(zone).date()
