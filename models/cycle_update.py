"""Loading a changed definition over a registered cycle: only what has not happened yet changes.

Every change is listed for the user and recorded in the history; anything that would rewrite the past
(a unit that has started, a task already worked on, criteria already scored) is refused, all of it at once,
and the caller's transaction is rolled back so the database stays as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session

from models.cycle_store import (
    DeadlineMove,
    LoadResult,
    definition_snapshot,
    insert_plan_deadlines,
    insert_task,
    insert_units,
    plan_task_values,
)
from models.definition.cycle import CycleDefinition, TaskDef
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitState
from models.predecessors import predecessors_json
from models.refusals import Refused
from models.survey_store import insert_links, remove_links
from models.tables import (
    UNFINISHED,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    Body,
    Criterion,
    Cycle,
    Deadline,
    PlanTask,
    ScoreVersion,
    Unit,
    UnitResult,
    assignee_for_body,
    assignee_for_unit,
)
from models.words import word
from models.workdays import format_day_with_weekday

UNIT_CONTACT = ("name", "email", "head_email")


class DefinitionConflict(Refused):
    """A changed definition that would rewrite what has already happened; `conflicts` lists each."""

    code = "definition_conflict"

    def __init__(self, cycle_id: str, conflicts: list[str]) -> None:
        self.conflicts = conflicts
        lines = "\n".join(f"  - {conflict}" for conflict in conflicts)
        super().__init__(f"{word('change.refused', cycle=cycle_id)}\n{lines}")


@dataclass
class Changes:
    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    moves: list[DeadlineMove] = field(default_factory=list)


def season_under_way(session: Session, cycle_id: str) -> bool:
    """Whether any unit or task of the cycle has started: a change then reaches people."""
    return session.execute(select(Assignment.id).where(
        Assignment.cycle_id == cycle_id, Assignment.status != AssignmentStatus.WAITING.value).limit(1)
    ).first() is not None


def update_cycle(session: Session, cycle: Cycle, definition: CycleDefinition, *, at: datetime,
                 actor: str) -> LoadResult:
    """Apply a changed definition to a registered cycle; the caller commits (or rolls back on refusal)."""
    changes = Changes()
    _update_bodies(session, definition, changes)
    _update_units(session, definition, changes, at=at, actor=actor)
    _update_tasks(session, definition, changes, at=at, actor=actor)
    _check_criteria(session, definition, changes)
    _check_result_rules(session, cycle, definition, changes)
    if changes.refused:
        raise DefinitionConflict(definition.id, changes.refused)
    if cycle.definition_json != definition_snapshot(definition):
        changes.done.append(word("change.settings"))
    session.execute(update(Cycle).where(Cycle.id == definition.id).values(
        definition_hash=definition.content_hash, definition_json=definition_snapshot(definition)))
    append_history(session, cycle_id=definition.id, drafts=[HistoryDraft(
        entity="cycle", subject=definition.id, event="update_cycle", actor=actor, at=at,
        details={"definition_hash": definition.content_hash, "changes": changes.done})])
    return LoadResult(definition.id, created=False, changes=changes.done or [word("change.no_effect")],
                      moves=changes.moves)


def _update_bodies(session: Session, definition: CycleDefinition, changes: Changes) -> None:
    stored = {b.code: b for b in session.execute(select(Body).where(Body.cycle_id == definition.id)).scalars()}
    for spec in definition.spec.bodies:
        body = stored.get(spec.code)
        if body is None:
            session.add(Body(cycle_id=definition.id, code=spec.code, name=spec.name, email=spec.email, role=spec.role))
            changes.done.append(word("change.body_added", code=spec.code))
        elif (body.name, body.email, body.role) != (spec.name, spec.email, spec.role):
            body.name, body.email, body.role = spec.name, spec.email, spec.role
            changes.done.append(word("change.body_contact", code=spec.code))
    owners = {task.owner for task in definition.tasks}
    for code in set(stored) - {b.code for b in definition.spec.bodies}:
        if code in owners or session.scalar(select(func.count()).select_from(PlanTask).where(
                PlanTask.cycle_id == definition.id, PlanTask.owner == code)):
            changes.refused.append(word("change.body_owns", code=code))
        else:
            session.delete(stored[code])
            changes.done.append(word("change.body_removed", code=code))


def _update_units(session: Session, definition: CycleDefinition, changes: Changes, *, at: datetime,
                  actor: str) -> None:
    stored = {u.code: u for u in session.execute(select(Unit).where(Unit.cycle_id == definition.id)).scalars()}
    wanted = {u.code: u for u in definition.units}
    for code, spec in wanted.items():
        unit = stored.get(code)
        if unit is None:
            continue
        if (unit.block, unit.group) != (spec.block, spec.group):
            if unit.state != UnitState.REGISTERED:
                changes.refused.append(word("change.unit_moved_late", code=code, state=word(f"state.{unit.state}")))
                continue
            unit.block, unit.group = spec.block, spec.group
            changes.done.append(word("change.unit_moved", code=code, block=spec.block, group=spec.group))
        changed = [name for name in UNIT_CONTACT if getattr(unit, name) != getattr(spec, name)]
        for name in changed:
            setattr(unit, name, getattr(spec, name))
        if changed:
            changes.done.append(word("change.unit_contact", code=code, fields=", ".join(changed)))
        if unit.predecessors != (stored_form := predecessors_json(spec.predecessors)):
            unit.predecessors = stored_form  # what results are compared with; rescored with the block
            changes.done.append(word("change.unit_predecessors", code=code))
    for code in sorted(set(stored) - set(wanted)):
        if stored[code].state != UnitState.REGISTERED:
            changes.refused.append(word("change.unit_removed_late", code=code,
                                                      state=word(f"state.{stored[code].state}")))
        else:
            _remove_unit(session, stored[code])
            append_history(session, cycle_id=definition.id, drafts=[HistoryDraft(
                entity="unit", subject=code, event="withdraw", actor=actor, at=at,
                from_state=UnitState.REGISTERED.value, reason="bị bỏ khỏi units.csv trước khi mùa bắt đầu")])
            changes.done.append(word("change.unit_withdrawn", code=code))
    added = sorted(set(wanted) - set(stored))
    if added:
        session.flush()
        insert_units(session, definition, codes=added, at=at, actor=actor)
        insert_links(session, definition, codes=added, at=at)
        for task in definition.tasks:
            if task.every_unit and _task_id(session, definition.id, task.number) is not None:
                insert_task(session, definition, task, at=at, actor=actor, unit_codes=added)
        changes.done.append(word("change.units_added", count=len(added), codes=", ".join(added)))
        changes.done.extend(_joining_deadlines(session, definition, added, at=at, actor=actor))


def _joining_deadlines(session: Session, definition: CycleDefinition, codes: list[str], *, at: datetime,
                       actor: str) -> list[str]:
    """Units that join while the season runs: each task every unit does whose plan deadline is nearer than
    `joining_working_days` working days (or passed) gets their own deadline, that many working days from
    today, so that the opening mail is not followed by an overdue notice in the same tick."""
    calendar, days = definition.calendar, definition.spec.joining_working_days
    last_day = calendar.add_working_days(calendar.local_date(at), days)
    own = calendar.effective_deadline(last_day)
    said = []
    for task in definition.tasks:
        if not task.every_unit or task.due_at is None or task.due_at >= own.due_at:
            continue
        task_id = _task_id(session, definition.id, task.number)
        ids = list(session.execute(select(Assignment.id).where(
            Assignment.plan_task_id == task_id,
            Assignment.assignee.in_([assignee_for_unit(code) for code in codes]))).scalars())
        why = word("change.joined_why", days=days, day=format_day_with_weekday(own.last_day))
        session.execute(update(Assignment).where(Assignment.id.in_(ids)).values(
            last_day=own.last_day, due_at=own.due_at, moved_because=why).execution_options(synchronize_session=False))
        session.execute(insert(Deadline), [
            {"assignment_id": assignment_id, "source": "joined", "last_day": own.last_day, "due_at": own.due_at,
             "moved_because": why, "reason": why, "actor": actor, "created_at": at} for assignment_id in ids])
        said.append(word("change.joined_deadline", number=task.number, count=len(ids),
                         day=format_day_with_weekday(own.last_day), days=days))
    return said


def _remove_unit(session: Session, unit: Unit) -> None:
    ids = select(Assignment.id).where(Assignment.unit_id == unit.id).scalar_subquery()
    session.execute(delete(Deadline).where(Deadline.assignment_id.in_(ids)))
    session.execute(delete(Assignment).where(Assignment.unit_id == unit.id))
    remove_links(session, unit.id)
    session.delete(unit)


def _task_id(session: Session, cycle_id: str, number: int) -> int | None:
    return session.execute(select(PlanTask.id).where(PlanTask.cycle_id == cycle_id, PlanTask.number == number)
                           ).scalar_one_or_none()


def _update_tasks(session: Session, definition: CycleDefinition, changes: Changes, *, at: datetime,
                  actor: str) -> None:
    stored = {t.number: t for t in session.execute(select(PlanTask).where(PlanTask.cycle_id == definition.id)
                                                   ).scalars()}
    wanted = {t.number: t for t in definition.tasks}
    for number in sorted(set(wanted) - set(stored)):
        insert_task(session, definition, wanted[number], at=at, actor=actor)
        changes.done.append(word("change.task_added", number=number))
    for number in sorted(set(stored) - set(wanted)):
        if _started(session, stored[number].id):
            changes.refused.append(word("change.task_removed_late", number=number))
            continue
        ids = select(Assignment.id).where(Assignment.plan_task_id == stored[number].id).scalar_subquery()
        session.execute(delete(Deadline).where(Deadline.assignment_id.in_(ids)))
        session.execute(delete(Assignment).where(Assignment.plan_task_id == stored[number].id))
        session.delete(stored[number])
        changes.done.append(word("change.task_removed", number=number))
    for number in sorted(set(stored) & set(wanted)):
        _update_task(session, stored[number], wanted[number], changes, at=at, actor=actor)


def _started(session: Session, task_id: int) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.plan_task_id == task_id, Assignment.status != AssignmentStatus.WAITING.value)))


def _update_task(session: Session, stored: PlanTask, task: TaskDef, changes: Changes, *, at: datetime,
                 actor: str) -> None:
    values = plan_task_values(task)
    differing = [name for name, value in values.items() if getattr(stored, name) != value]
    if not differing:
        return
    if "owner" in differing and _started(session, stored.id):
        changes.refused.append(word("change.owner_late", number=task.number, old=stored.owner, new=task.owner))
        return
    if "owner" in differing and (stored.owner == UNITS_OWNER) != task.every_unit:
        changes.refused.append(word("change.owner_kind", number=task.number))
        return
    old_due, old_due_at = stored.due_text, stored.due_at
    said_at = len(changes.done)  # the change itself is said before what it does to people
    for name in differing:
        setattr(stored, name, values[name])
    moved = _move_plan_deadlines(session, stored, task, old_due, old_due_at, changes, at=at, actor=actor) \
        if {"last_day", "due_at"} & set(differing) else 0
    if "owner" in differing:
        session.execute(update(Assignment).where(Assignment.plan_task_id == stored.id)
                        .values(assignee=assignee_for_body(task.owner)))
    if "due_at" in differing or "due_text" in differing:
        changes.done.insert(said_at, word("change.task_due", number=task.number, old=repr(old_due),
                                          new=repr(task.due.text), moved=moved))
    else:
        changes.done.insert(said_at, word("change.task_fields", number=task.number, fields=", ".join(differing)))


def _move_plan_deadlines(session: Session, stored: PlanTask, task: TaskDef, old_due: str,
                         old_due_at: datetime | None, changes: Changes, *, at: datetime, actor: str) -> int:
    """Unfinished assignments whose deadline is still the plan's take the new one; extended ones keep theirs.
    As an operator's extension would: an overdue one whose new deadline lies ahead is open again (its reminder
    ladder starts over from the new date, which its mail keys carry), and every one already open is told."""
    latest_source = (select(Deadline.source).where(Deadline.assignment_id == Assignment.id)
                     .order_by(Deadline.id.desc()).limit(1).correlate(Assignment).scalar_subquery())
    rows = session.execute(select(Assignment.id, Assignment.assignee, Assignment.status, Assignment.last_day).where(
        Assignment.plan_task_id == stored.id, Assignment.status.in_(UNFINISHED), latest_source == "plan")
    ).all()
    if not rows:
        return 0
    ids = [row.id for row in rows]
    reason = word("change.plan_reason", old=old_due, new=task.due.text)
    session.execute(update(Assignment).where(Assignment.id.in_(ids)).values(
        last_day=task.last_day, due_at=task.due_at, moved_because=task.moved_because))
    insert_plan_deadlines(session, ids, task, reason=reason, at=at, actor=actor)
    ahead = task.due_at is None or task.due_at > at
    reopened = [row.id for row in rows if row.status == AssignmentStatus.OVERDUE.value and ahead]
    if reopened:
        session.execute(update(Assignment).where(Assignment.id.in_(reopened))
                        .values(status=AssignmentStatus.OPEN.value).execution_options(synchronize_session=False))
    told = [row for row in rows if row.status != AssignmentStatus.WAITING.value]
    append_history(session, cycle_id=stored.cycle_id, drafts=[HistoryDraft(
        entity="deadline", subject=row.assignee, event="plan_change", actor=actor, at=at, from_state=row.status,
        to_state=AssignmentStatus.OPEN.value if row.id in reopened else row.status, reason=reason,
        details={"task": task.number, "old_last_day": row.last_day.isoformat() if row.last_day else None,
                 "new_last_day": task.last_day.isoformat() if task.last_day else None}) for row in told])
    earlier = old_due_at is not None and task.due_at is not None and task.due_at < old_due_at
    if told:
        changes.moves.append(DeadlineMove(task.number, [row.id for row in told], earlier, reason))
        changes.done.append(word("change.task_due_told", number=task.number, told=len(told), reopened=len(reopened))
                            + (" " + word("change.task_due_earlier") if earlier else ""))
    return len(ids)


def _check_criteria(session: Session, definition: CycleDefinition, changes: Changes) -> None:
    stored = [(c.tree, c.code, c.parent_code, c.title, c.max_points, c.method, c.evidence_required, c.respondents,
               c.question)
              for c in session.execute(select(Criterion).where(Criterion.cycle_id == definition.id)
                                       .order_by(Criterion.position)).scalars()]
    wanted = [(c.tree, c.code, c.parent_code, c.title, c.max_points, c.method, c.evidence_required,
               ",".join(map(str, c.respondents)), c.question) for c in definition.criteria]
    if stored == wanted:
        return
    if session.scalar(select(func.count()).select_from(ScoreVersion).where(ScoreVersion.cycle_id == definition.id)):
        changes.refused.append(word("change.criteria_late"))
        return
    session.execute(delete(Criterion).where(Criterion.cycle_id == definition.id))
    session.add_all([Criterion(cycle_id=definition.id, tree=c.tree, code=c.code, parent_code=c.parent_code,
                               position=position,
                               title=c.title, max_points=c.max_points, method=c.method,
                               evidence_required=c.evidence_required,
                               respondents=",".join(map(str, c.respondents)), question=c.question)
                     for position, c in enumerate(definition.criteria)])
    changes.done.append(word("change.criteria_replaced"))


# What results are computed by: a change to these rescores the cycle's results (refused once approved).
RESULT_RULES = ("total_points", "ranking", "bands", "reward", "accountability")


def _check_result_rules(session: Session, cycle: Cycle, definition: CycleDefinition, changes: Changes) -> None:
    """New rules for ranks, bands, rewards or accountability: the results computed by the old ones are marked
    stale and rescored on the next tick; once any unit's results are approved, the change is refused."""
    old = json.loads(cycle.definition_json).get("criteria_set", {})
    new = definition.criteria_set.model_dump(mode="json", by_alias=True)
    changed = [key for key in RESULT_RULES if old.get(key) != new.get(key)]
    if not changed:
        return
    units = select(Unit.id).where(Unit.cycle_id == definition.id)
    approved = session.scalar(select(func.count()).select_from(Unit).where(
        Unit.cycle_id == definition.id, Unit.state.in_([UnitState.APPROVED.value, UnitState.ANNOUNCED.value])))
    if approved:
        changes.refused.append(word("change.rules_late", rules=", ".join(changed), count=approved))
        return
    stale = session.execute(update(UnitResult).where(UnitResult.unit_id.in_(units)).values(stale=True)
                            .execution_options(synchronize_session=False)).rowcount
    if stale:
        changes.done.append(word("change.rules_rescore", rules=", ".join(changed), count=stale))
