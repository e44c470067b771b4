"""Extending a deadline: the effective deadline moves, its ladder follows, obsolete reminders are cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select, update
from sqlmodel import Session

from models.batching import chunked
from models.cycle_context import CycleContext
from models.history import HistoryDraft, append_history
from models.refusals import Refused
from models.settings import Settings, get_settings
from models.tables import (
    UNFINISHED,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    Deadline,
    assignee_for_unit,
)
from models.transitions import canonical_codes
from models.words import word
from models.workdays import DeadlineRule, format_day_with_weekday
from notifications.outbox import NewMessage, cancel_obsolete, enqueue
from notifications.render import render_each
from tasks.engine.reminders import calendar_entries, deadline_revisions, message_key, recipients
from tasks.mail.messages import action_link, deadline_hour, has_portal, message_context


class ExtensionRefused(Refused):
    """An extension that cannot apply: no reason, a date not later, a unit with nothing left to do."""


@dataclass(frozen=True)
class ExtensionResult:
    task_number: int
    last_day: date
    due_at: datetime
    moved_because: str | None
    extended: list[str]  # assignees
    reopened: int  # overdue assignments that are open again
    cancelled_messages: int
    notified: int = 0  # assignees told of their new deadline at once, with the moved calendar entry


def extend_deadline(session: Session, ctx: CycleContext, *, task_number: int, unit_codes: Sequence[str] | None,
                    until: date, reason: str, actor: str, at: datetime,
                    flow_run_id: str | None = None, settings: Settings | None = None) -> ExtensionResult:
    """Move the effective deadline of a task's unfinished assignments (for some units, or all assignees) to
    `until`, rolled forward past days off. The reminder ladder is computed from the assignment's deadline,
    so it follows; pending messages that carry the old deadline are cancelled in the same transaction."""
    if not reason.strip():
        raise ExtensionRefused(word("err.extension_reason"))
    task = ctx.task_by_number(task_number)
    effective = ctx.calendar.effective_deadline(until, DeadlineRule(task.deadline_rule))
    if effective.due_at <= at:
        raise ExtensionRefused(word("err.extension_past", task=task_number, day=f"{until:%d/%m/%Y}"))
    rows = _unfinished(session, ctx, task_id=task.id, owner=task.owner, unit_codes=unit_codes)
    not_later = [row.assignee for row in rows if row.due_at is not None and row.due_at >= effective.due_at]
    if not_later:
        raise ExtensionRefused(word("err.extension_not_later", task=task_number,
                                    units=", ".join(sorted(not_later)[:10]),
                                    day=format_day_with_weekday(effective.last_day)))
    moved = (f"gia hạn đến {format_day_with_weekday(effective.last_day)}: {reason.strip()}"
             + (f" ({effective.moved_because})" if effective.moved_because else ""))
    ids = [row.id for row in rows]
    reopened = [row.id for row in rows if row.status == AssignmentStatus.OVERDUE.value]
    for chunk in chunked(ids):
        session.execute(update(Assignment).where(Assignment.id.in_(chunk)).values(
            last_day=effective.last_day, due_at=effective.due_at, moved_because=moved)
            .execution_options(synchronize_session=False))
    for chunk in chunked(reopened):
        session.execute(update(Assignment).where(Assignment.id.in_(chunk))
                        .values(status=AssignmentStatus.OPEN.value).execution_options(synchronize_session=False))
    session.execute(insert(Deadline), [
        {"assignment_id": row.id, "source": "extension", "last_day": effective.last_day, "due_at": effective.due_at,
         "moved_because": moved, "reason": reason.strip(), "actor": actor, "created_at": at} for row in rows])
    append_history(session, cycle_id=ctx.cycle_id, drafts=[
        HistoryDraft(entity="deadline", subject=row.assignee, event="extend", actor=actor, at=at,
                     from_state=row.status,
                     to_state=AssignmentStatus.OPEN.value if row.id in reopened else row.status,
                     reason=reason.strip(), flow_run_id=flow_run_id,
                     details={"task": task_number, "old_last_day": row.last_day.isoformat() if row.last_day else None,
                              "new_last_day": effective.last_day.isoformat()})
        for row in rows])
    session.flush()
    cancelled = cancel_obsolete(session, cycle_id=ctx.cycle_id, reason=f"đã gia hạn: {reason.strip()}")
    notified = tell_new_deadline(session, ctx, settings or get_settings(), task_number=task_number, ids=ids,
                                 reason=reason.strip(), rolled=effective.moved_because or "", at=at)
    return ExtensionResult(task_number, effective.last_day, effective.due_at, effective.moved_because,
                           [row.assignee for row in rows], len(reopened), cancelled, notified)


def tell_new_deadline(session: Session, ctx: CycleContext, settings: Settings, *, task_number: int,
                      ids: Sequence[int], reason: str, rolled: str, at: datetime, plan_change: bool = False,
                      earlier: bool = False) -> int:
    """Each assignee's notice of its new deadline, at once, carrying the deadline's calendar entry with the
    same UID and a higher SEQUENCE: the entry moves in the unit's calendar instead of doubling. For an
    operator's extension, and for a plan deadline moved by `cycle load` (`plan_change`, `earlier`)."""
    task = ctx.task_by_number(task_number)
    rows: list[_Moved] = []
    for chunk in chunked(sorted(ids)):
        rows.extend(_Moved(*row) for row in session.execute(
            select(Assignment.id, Assignment.assignee, Assignment.last_day, Assignment.due_at,
                   Assignment.moved_because).where(Assignment.id.in_(chunk))))
    if not rows:
        return 0
    people = recipients(session, ctx)
    links = {row.id: action_link(settings, ctx, row.assignee, row.id) for row in rows}
    calendars = calendar_entries(ctx, settings, task, rows, people, deadline_revisions(session, list(links)), links,
                                 at=at)
    last_day = rows[0].last_day
    context = message_context(
        ctx, settings, title=task.title, recipient_name="", plan_document=ctx.spec.plan.document,
        task_number=task.number, task_title=task.title, reason=reason, rolled=rolled, plan_change=plan_change,
        earlier=earlier, deadline_end=ctx.calendar.at_local(last_day, ctx.spec.reminders.office_time),
        deadline_hour=deadline_hour(ctx, rows[0].due_at),
        portal_link=has_portal(ctx, rows[0].assignee))
    personal = [{"recipient_name": people[row.assignee].name, "status_url": links[row.id]} for row in rows]
    rendered = render_each("extended", context, personal, language=settings.language, letters=ctx.spec.letters,
                           ics=calendars)
    return enqueue(session, [
        NewMessage(ctx.cycle_id, message_key(ctx, row.assignee, task, "extended", row.due_at.astimezone(UTC)),
                   "extended", row.assignee, row.id, people[row.assignee].email, (), message, row.due_at)
        for row, message in zip(rows, rendered, strict=True)], at=at)


@dataclass(frozen=True)
class _Moved:
    id: int
    assignee: str
    last_day: date
    due_at: datetime
    moved_because: str | None


def _unfinished(session: Session, ctx: CycleContext, *, task_id: int, owner: str,
                unit_codes: Sequence[str] | None) -> list:
    query = select(Assignment.id, Assignment.assignee, Assignment.status, Assignment.last_day, Assignment.due_at) \
        .where(Assignment.plan_task_id == task_id)
    if unit_codes is not None:
        if owner != UNITS_OWNER:
            raise ExtensionRefused(word("err.extension_not_units", owner=ctx.owner_name(owner)))
        unit_codes = canonical_codes(session, ctx.cycle_id, unit_codes)
        query = query.where(Assignment.assignee.in_([assignee_for_unit(code) for code in unit_codes]))
    rows = session.execute(query.order_by(Assignment.assignee)).all()
    finished = [row.assignee for row in rows if row.status not in UNFINISHED]
    if unit_codes is not None and finished:
        raise ExtensionRefused(word("err.extension_finished", units=", ".join(finished[:10])))
    unfinished = [row for row in rows if row.status in UNFINISHED]
    if not unfinished:
        raise ExtensionRefused(word("err.extension_all_finished"))
    return unfinished
