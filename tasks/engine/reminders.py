"""Reminders, overdue notices, escalations and the daily digest: written to the outbox, never sent twice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.batching import chunked
from models.cycle_context import CycleContext
from models.formatting import weekday_day
from models.reminders import Rung, due_rungs, ladder
from models.settings import Settings
from models.tables import (
    OPEN_STATES,
    Assignment,
    AssignmentStatus,
    Deadline,
    PlanTask,
    Unit,
    assignee_for_body,
    assignee_for_unit,
)
from models.words import words_in
from notifications.ics import deadline_event
from notifications.outbox import NewMessage, enqueue, existing_keys
from notifications.render import render, render_each
from tasks.engine.events import note_lateness
from tasks.mail.messages import action_link, deadline_hour, department, has_portal, message_context, office_email


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    head_email: str


def recipients(session: Session, ctx: CycleContext) -> dict[str, Recipient]:
    """Every assignee's name and addresses: units by their data, bodies by theirs (a body's head is its
    `head_email`, or its own mailbox, which its head reads)."""
    found = {assignee_for_body(b.code): Recipient(b.name, b.email, b.head_email or b.email)
             for b in ctx.spec.bodies}
    for code, name, email, head in session.execute(
            select(Unit.code, Unit.name, Unit.email, Unit.head_email).where(Unit.cycle_id == ctx.cycle_id)):
        found[assignee_for_unit(code)] = Recipient(name, email, head)
    return found


def message_key(ctx: CycleContext, assignee: str, task: PlanTask, label: str, due_at: datetime | None) -> str:
    due = due_at.strftime("%Y%m%dT%H%MZ") if due_at else "none"
    return f"{ctx.cycle_id}|{assignee}|task{task.number}|{label}|{due}"


def rung_in_key(kind: str, key: str) -> str:
    """A ladder message's rung (d-7, d-3, d+1 …), read back from its `message_key`; "" for other messages."""
    parts = key.split("|")
    return parts[3] if kind in ("reminder", "overdue", "escalation") and len(parts) == 5 else ""


def queue_ladder(session: Session, ctx: CycleContext, settings: Settings, *, stage: str, at: datetime) -> int:
    """The rungs of every open assignment's ladder that are due now, as outbox messages. Outside office hours
    (at night, on a day off) nothing is queued for people: a due rung waits for the next working morning."""
    tasks = {task.id: task for task in ctx.tasks_of_stage(stage) if task.last_day is not None}
    policy = ctx.spec.reminders
    if not tasks or not ctx.calendar.in_office_hours(at, policy.office_time, policy.office_end):
        return 0
    rows = session.execute(
        select(Assignment.id, Assignment.plan_task_id, Assignment.assignee, Assignment.status,
               Assignment.opened_at, Assignment.last_day, Assignment.due_at, Assignment.moved_because)
        .where(Assignment.plan_task_id.in_(list(tasks)), Assignment.status.in_(OPEN_STATES),
               Assignment.last_day.is_not(None))
    ).all()
    # The department does not write to itself: its own tasks are in its daily digest and on the dashboard.
    own = assignee_for_body(ctx.coordinator.code)
    rows = [row for row in rows if row.assignee != own]
    ladders: dict[tuple[int, Any], list[Rung]] = {}
    wanted: list[tuple[Any, Rung, str]] = []
    for row in rows:
        task = tasks[row.plan_task_id]
        rungs = ladders.get((task.id, row.last_day))
        if rungs is None:  # one ladder per deadline, not per assignment
            rungs = ladders[(task.id, row.last_day)] = ladder(ctx.calendar, ctx.spec.reminders, row.last_day,
                                                              optional=task.optional)
        overdue = row.status == AssignmentStatus.OVERDUE.value
        for rung in due_rungs(rungs, at=at, opened_at=row.opened_at, overdue=overdue):
            wanted.append((row, rung, message_key(ctx, row.assignee, task, rung.label, row.due_at)))
    if not wanted:
        return 0
    seen = existing_keys(session, [key for _, _, key in wanted])
    people = recipients(session, ctx)
    # Messages of one task, rung and deadline differ only in their recipient: rendered together.
    groups: dict[tuple[Any, ...], list[tuple[Any, Rung, str]]] = defaultdict(list)
    for row, rung, key in wanted:
        if key not in seen:
            groups[(row.plan_task_id, rung.kind, row.last_day, row.due_at, row.moved_because)].append((row, rung, key))
    revisions = deadline_revisions(session, [row.id for members in groups.values() for row, rung, _ in members
                                           if rung.kind == "reminder"])
    messages = [message for members in groups.values()
                for message in _ladder_messages(ctx, settings, tasks[members[0][0].plan_task_id], members, people,
                                                revisions, at)]
    note_lateness(session, ctx, kind="escalated",
                  assignments=[row for members in groups.values() for row, rung, _ in members
                               if rung.kind == "escalation"])
    return enqueue(session, messages, at=at)


def _ladder_messages(ctx: CycleContext, settings: Settings, task: PlanTask, members: list[tuple[Any, Rung, str]],
                     people: dict[str, Recipient], revisions: dict[int, int], at: datetime) -> list[NewMessage]:
    """One rung's messages for assignments of one task that share a deadline."""
    first, rung, _ = members[0]
    escalation = rung.kind == "escalation"
    today = ctx.calendar.local_date(at)
    days_overdue = max(ctx.calendar.working_days_between(first.last_day, today), 0)
    days_left = max(ctx.calendar.working_days_between(today, first.last_day), 0)  # after today: d-1 "còn 1 ngày"
    context = message_context(
        ctx, settings, title=task.title, recipient_name="",
        task_number=task.number, task_title=task.title, task_product=task.product,
        deadline_end=ctx.calendar.at_local(first.last_day, ctx.spec.reminders.office_time),
        deadline_hour=deadline_hour(ctx, first.due_at),
        moved_because=first.moved_because, optional=task.optional, due_today=first.last_day == today,
        working_days_left=days_left,
        escalation_day=ctx.calendar.at_local(ctx.calendar.add_working_days(
            first.last_day, ctx.spec.reminders.escalate_after_working_days), ctx.spec.reminders.office_time),
        escalates="head" in ctx.spec.reminders.escalate_to,
        missing=[task.product] if task.product and not task.optional else [], days_overdue=days_overdue,
        portal_link=has_portal(ctx, first.assignee))
    head = "Lãnh đạo {}" if settings.language == "vi" else "Head of {}"
    links = {row.id: action_link(settings, ctx, row.assignee, row.id) for row, _, _ in members}
    personal = [{"recipient_name": head.format(people[row.assignee].name) if escalation else people[row.assignee].name,
                 "unit_name": people[row.assignee].name, "status_url": links[row.id]}
                for row, _, _ in members]
    calendars = calendar_entries(ctx, settings, task, [row for row, _, _ in members], people, revisions, links,
                                 at=at) if rung.kind == "reminder" else []
    messages = []
    each = render_each(rung.kind, context, personal, language=settings.language, ics=calendars,
                       letters=ctx.spec.letters)
    for (row, _, key), rendered in zip(members, each, strict=True):
        person = people[row.assignee]
        to_address = person.head_email if escalation else person.email
        # an escalation goes to the unit's head, the unit itself and the coordinator copied
        cc = tuple(dict.fromkeys(address for address in (person.email, ctx.coordinator.email)
                                 if address and address != to_address)) if escalation else ()
        messages.append(NewMessage(ctx.cycle_id, key, rung.kind, row.assignee, row.id, to_address, cc, rendered,
                                   row.due_at))
    return messages


def deadline_revisions(session: Session, assignment_ids: list[int]) -> dict[int, int]:
    """How many times each assignment's deadline moved since the first one it had (an operator's extension, a
    changed plan, a late unit's own deadline): its calendar entry's SEQUENCE."""
    counts: dict[int, int] = {}
    for chunk in chunked(sorted(set(assignment_ids))):
        counts.update((assignment_id, count - 1) for assignment_id, count in session.execute(
            select(Deadline.assignment_id, func.count()).where(Deadline.assignment_id.in_(chunk))
            .group_by(Deadline.assignment_id)).all())
    return counts


def calendar_entries(ctx: CycleContext, settings: Settings, task: PlanTask, rows: list[Any],
                     people: dict[str, Recipient], revisions: dict[int, int], links: dict[int, str], *,
                     at: datetime) -> list[str]:
    """Each assignment's deadline as a calendar entry: one UID per assignment (the cycle, the assignee and the
    task), its SEQUENCE the number of extensions, a description of what is due, for whom and where."""
    t = words_in(settings.language)
    entries = []
    for row in rows:
        url = links[row.id]
        lines = [t("calendar.what", number=task.number, task=task.title),
                 *([t("calendar.product", product=task.product)] if task.product else []),
                 t("calendar.whom", unit=people[row.assignee].name),
                 t("calendar.due", due=weekday_day(row.last_day, settings.language)),
                 *([t("calendar.moved", why=row.moved_because)] if row.moved_because else []),
                 t("calendar.where", url=url) if url else t("calendar.send_to", department=department(ctx),
                                                              email=office_email(ctx))]
        entries.append(deadline_event(
            uid=f"{ctx.cycle_id}.{row.assignee.replace(':', '-')}.task{task.number}@parindex",
            sequence=revisions.get(row.id, 0), title=t("calendar.title", task=task.title),
            last_day=row.last_day, due_at=row.due_at.astimezone(ctx.calendar.zone), description="\n".join(lines),
            url=url, stamp=at))
    return entries


def queue_digest(session: Session, ctx: CycleContext, settings: Settings, *, at: datetime) -> int:
    """Once a working day, after digest time: one message to the coordinator listing all that is overdue."""
    today = ctx.calendar.local_date(at)
    if not ctx.calendar.is_working_day(today) or at < ctx.calendar.at_local(today, ctx.spec.reminders.digest_time):
        return 0
    coordinator = assignee_for_body(ctx.coordinator.code)
    key = f"{ctx.cycle_id}|{coordinator}|digest|{today.isoformat()}"
    if existing_keys(session, [key]):
        return 0
    overdue = session.execute(
        select(Assignment.assignee, Assignment.plan_task_id, Assignment.last_day)
        .where(Assignment.cycle_id == ctx.cycle_id, Assignment.status == AssignmentStatus.OVERDUE.value)
        .order_by(Assignment.last_day, Assignment.assignee)
    ).all()
    if not overdue:
        return 0
    people = recipients(session, ctx)
    rows = [{
        "assignee_name": people[row.assignee].name, "task_number": ctx.tasks[row.plan_task_id].number,
        "task_title": ctx.tasks[row.plan_task_id].title,
        "deadline_end": ctx.calendar.at_local(row.last_day, ctx.spec.reminders.office_time),
        "days_overdue": ctx.calendar.working_days_between(row.last_day, today),
    } for row in overdue]
    rendered = render("digest", message_context(ctx, settings, title="digest", recipient_name=ctx.coordinator.name,
                                                today=today, rows=rows), language=settings.language,
                      letters=ctx.spec.letters)
    return enqueue(session, [NewMessage(ctx.cycle_id, key, "digest", coordinator, None,
                                        ctx.coordinator.email, (), rendered, None)], at=at)
