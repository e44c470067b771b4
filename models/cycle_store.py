"""Writing a checked cycle definition into the database: cycle, bodies, units, criteria, tasks, assignments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from models.definition.cycle import CycleDefinition, TaskDef
from models.history import HistoryDraft, append_history
from models.lifecycle import UnitState
from models.predecessors import predecessors_json
from models.survey_store import insert_links, survey_snapshot
from models.tables import (
    Assignment,
    AssignmentStatus,
    Body,
    Criterion,
    Cycle,
    Deadline,
    PlanTask,
    Unit,
    assignee_for_body,
    assignee_for_unit,
)
from models.words import word


@dataclass(frozen=True)
class DeadlineMove:
    """A plan deadline that moved for assignments already open: each assignee is told, as by an extension."""

    task_number: int
    assignment_ids: list[int]
    earlier: bool
    reason: str


@dataclass
class LoadResult:
    cycle_id: str
    created: bool
    changes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # a registration's tasks, units and leaf criteria
    moves: list[DeadlineMove] = field(default_factory=list)  # plan deadlines moved under units already told
    applied: bool = True  # False: a season under way, shown and not applied (`cycle load --yes` applies)

    def summary(self) -> str:
        if self.created:
            return word("load.registered", cycle=self.cycle_id, **self.counts)
        if not self.changes:
            return word("load.unchanged", cycle=self.cycle_id)
        return word("load.updated", cycle=self.cycle_id, changes="; ".join(self.changes))


def find_cycle(session: Session, cycle_id: str) -> Cycle | None:
    return session.get(Cycle, cycle_id)


def insert_cycle(session: Session, definition: CycleDefinition, *, at: datetime, actor: str) -> LoadResult:
    """Register a new cycle with every row it needs; the caller commits."""
    spec = definition.spec
    session.add(Cycle(id=spec.id, province=spec.province, year=spec.year, title=spec.title,
                      timezone=spec.timezone, definition_hash=definition.content_hash,
                      definition_json=definition_snapshot(definition), loaded_at=at))
    session.flush()
    session.execute(insert(Body), [
        {"cycle_id": spec.id, "code": b.code, "name": b.name, "email": b.email, "role": b.role} for b in spec.bodies
    ])
    insert_units(session, definition, codes=[u.code for u in definition.units], at=at, actor=actor)
    session.execute(insert(Criterion), [
        {"cycle_id": spec.id, "tree": c.tree, "code": c.code, "parent_code": c.parent_code, "position": position,
         "title": c.title, "max_points": c.max_points, "method": c.method,
         "evidence_required": c.evidence_required, "respondents": ",".join(map(str, c.respondents)),
         "question": c.question}
        for position, c in enumerate(definition.criteria)
    ])
    insert_links(session, definition, codes=[u.code for u in definition.units], at=at)  # the survey online
    for task in definition.tasks:
        insert_task(session, definition, task, at=at, actor=actor)
    append_history(session, cycle_id=spec.id, drafts=[HistoryDraft(
        entity="cycle", subject=spec.id, event="register_cycle", actor=actor, at=at,
        details={"definition_hash": definition.content_hash, "tasks": len(definition.tasks),
                 "units": len(definition.units), "criteria": len(definition.criteria)},
    )])
    return LoadResult(spec.id, created=True, counts={
        "tasks": len(definition.tasks), "units": len(definition.units),
        "criteria": sum(1 for c in definition.criteria if c.is_leaf)})


def insert_units(session: Session, definition: CycleDefinition, *, codes: list[str], at: datetime,
                 actor: str) -> None:
    """Add units in the REGISTERED state, each with its registration history row."""
    wanted = set(codes)
    units = [u for u in definition.units if u.code in wanted]
    if not units:
        return
    session.execute(insert(Unit), [
        {"cycle_id": definition.id, "code": u.code, "name": u.name, "block": u.block, "group": u.group,
         "email": u.email, "head_email": u.head_email, "state": UnitState.REGISTERED.value, "state_changed_at": at,
         "predecessors": predecessors_json(u.predecessors)}
        for u in units
    ])
    append_history(session, cycle_id=definition.id, drafts=[
        HistoryDraft(entity="unit", subject=u.code, event="register", actor=actor, at=at,
                     to_state=UnitState.REGISTERED.value, details={"block": u.block, "group": u.group})
        for u in units
    ])


def insert_task(session: Session, definition: CycleDefinition, task: TaskDef, *, at: datetime,
                actor: str, unit_codes: list[str] | None = None) -> None:
    """A plan task, and its assignments (one per unit, or one for its owner) with their plan deadline."""
    existing = session.execute(
        select(PlanTask.id).where(PlanTask.cycle_id == definition.id, PlanTask.number == task.number)
    ).scalar_one_or_none()
    if existing is None:
        plan_task = PlanTask(cycle_id=definition.id, **plan_task_values(task))
        session.add(plan_task)
        session.flush()
        existing = plan_task.id
    codes = unit_codes if unit_codes is not None else [u.code for u in definition.units]
    assignees: list[tuple[str, int | None]]
    if task.every_unit:
        unit_ids: dict[str, int] = dict(session.execute(
            select(Unit.code, Unit.id).where(Unit.cycle_id == definition.id, Unit.code.in_(codes))
        ).all())
        assignees = [(assignee_for_unit(code), unit_ids[code]) for code in codes]
    elif unit_codes is None:
        assignees = [(assignee_for_body(task.owner), None)]
    else:
        assignees = []
    insert_assignments(session, definition.id, existing, task, assignees, at=at, actor=actor)


def insert_assignments(session: Session, cycle_id: str, plan_task_id: int, task: TaskDef,
                       assignees: list[tuple[str, int | None]], *, at: datetime, actor: str) -> None:
    if not assignees:
        return
    rows = [
        {"cycle_id": cycle_id, "plan_task_id": plan_task_id, "assignee": assignee, "unit_id": unit_id,
         "status": AssignmentStatus.WAITING.value, "late": False, "last_day": task.last_day,
         "due_at": task.due_at, "moved_because": task.moved_because}
        for assignee, unit_id in assignees
    ]
    ids = session.execute(
        insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), rows
    ).scalars().all()
    insert_plan_deadlines(session, ids, task, reason=f"nhiệm vụ {task.number} của kế hoạch: {task.due.text!r}", at=at,
                          actor=actor)


def insert_plan_deadlines(session: Session, assignment_ids: list[int], task: TaskDef, *, reason: str,
                          at: datetime, actor: str) -> None:
    """Record the plan's deadline for these assignments (on registration, or when the plan changes)."""
    if not assignment_ids:  # an empty parameter list would insert one row of defaults
        return
    session.execute(insert(Deadline), [
        {"assignment_id": assignment_id, "source": "plan", "last_day": task.last_day, "due_at": task.due_at,
         "moved_because": task.moved_because, "reason": reason, "actor": actor, "created_at": at}
        for assignment_id in assignment_ids
    ])


def plan_task_values(task: TaskDef) -> dict[str, Any]:
    return {
        "number": task.number, "key": task.key, "title": task.title, "product": task.product,
        "owner": task.owner, "stage": task.stage.value, "due_text": task.due.text, "due_kind": task.due.kind.value,
        "after": ",".join(map(str, task.after)), "deadline_rule": task.deadline_rule.value,
        "completes_when": str(task.completion), "optional": task.optional,
        "opens_at": task.opens_at, "last_day": task.last_day, "due_at": task.due_at,
        "moved_because": task.moved_because,
    }


def definition_snapshot(definition: CycleDefinition) -> str:
    """What ticks need without the folder at hand: the cycle settings, the calendar overrides, the rules."""
    calendar = definition.calendar
    survey = survey_snapshot(definition)
    return json.dumps({
        "cycle": definition.spec.model_dump(mode="json", by_alias=True),
        "criteria_set": definition.criteria_set.model_dump(mode="json", by_alias=True),
        **({"survey": survey} if survey else {}),  # the survey online, when the folder runs it
        "days_off": {day.isoformat(): name for day, name in calendar.extra_days_off.items()},
        "working_days": {day.isoformat(): name for day, name in calendar.extra_working_days.items()},
    }, ensure_ascii=False, sort_keys=True)
