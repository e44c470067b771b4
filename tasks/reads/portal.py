"""What the web portal shows: a unit's tasks, draft and result; the coordinator's unit × stage matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext
from models.lifecycle import TransitionRefused, UnitEvent, UnitState
from models.scores import latest_lines
from models.stages import Stage
from models.tables import (
    FINISHED,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    Criterion,
    Cycle,
    Deadline,
    OutboxMessage,
    ScoreKind,
    Unit,
    UnitResult,
    assignee_for_unit,
)
from tasks.reads.status import UnitStatus, unit_statuses


@dataclass
class UnitTask:
    assignment_id: int
    number: int
    title: str
    product: str
    stage: str
    status: str  # done | late | overdue | open | waiting | missed
    last_day: date | None
    moved_because: str | None
    missing: list[str]
    deadlines: list[Deadline] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)


def can_send(ctx: CycleContext, unit: Unit, event: UnitEvent) -> bool:
    """Whether the unit's state lets it send this now (the intake's own rule: its lifecycle)."""
    try:
        ctx.lifecycle.next_state(UnitState(unit.state), event, unit=unit.code)
    except TransitionRefused:
        return False
    return True


def units_of_address(session: Session, address: str) -> list[Unit]:
    """The units registered with this address (a unit's or its head's), newest cycle first."""
    address = address.strip().lower()
    return list(session.execute(
        select(Unit).join(Cycle, Cycle.id == Unit.cycle_id)
        .where(func.lower(Unit.email) == address).order_by(Cycle.year.desc(), Unit.id)).scalars())


def unit_of(session: Session, cycle_id: str, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.cycle_id == cycle_id, Unit.code == code))


def unit_tasks(session: Session, ctx: CycleContext, unit: Unit, *, with_details: bool = False) -> list[UnitTask]:
    """The unit's assignments in plan order: effective deadline, why it moved, state, what is missing."""
    rows = session.execute(select(Assignment).where(Assignment.unit_id == unit.id)).scalars().all()
    found = []
    for row in rows:
        task = ctx.tasks[row.plan_task_id]
        status = "late" if row.late and row.status == AssignmentStatus.DONE.value else row.status
        missing = [task.product] if task.product and row.status not in FINISHED else []
        found.append(UnitTask(row.id, task.number, task.title, task.product, task.stage, status, row.last_day,
                              row.moved_because, missing))
    found.sort(key=lambda t: t.number)
    deadlines = session.execute(select(Deadline).where(Deadline.assignment_id.in_([t.assignment_id for t in found]))
                                .order_by(Deadline.id)).scalars().all()
    for item in found:  # why a deadline moved is the assignment's own: "gia hạn đến …: <the operator's reason>"
        item.deadlines = [d for d in deadlines if d.assignment_id == item.assignment_id]
        if with_details:
            item.messages = list(session.execute(
                select(OutboxMessage).where(OutboxMessage.assignment_id == item.assignment_id)
                .order_by(OutboxMessage.id)).scalars())
    return found


def unit_messages(session: Session, cycle_id: str, unit: Unit) -> list[OutboxMessage]:
    return list(session.execute(select(OutboxMessage).where(
        OutboxMessage.cycle_id == cycle_id, OutboxMessage.assignee == assignee_for_unit(unit.code))
        .order_by(OutboxMessage.id)).scalars())


@dataclass(frozen=True)
class DraftLine:
    code: str
    title: str
    max_points: Decimal
    own: Decimal | None
    appraised: Decimal | None
    explained: Decimal | None

    @property
    def changed(self) -> bool:
        return self.appraised is not None and self.own != self.appraised


def draft_lines(session: Session, ctx: CycleContext, unit: Unit) -> list[DraftLine]:
    """Every appraised criterion: the unit's points, the round-1 draft's, and what it has proposed since."""
    def lines(kind: ScoreKind) -> dict[str, Decimal]:
        return latest_lines(session, cycle_id=ctx.cycle_id, unit_codes=[unit.code], kinds=[kind]).get(unit.code, {})

    own, draft, explained = (lines(ScoreKind.SELF_ASSESSED), lines(ScoreKind.APPRAISED_ROUND1),
                             lines(ScoreKind.EXPLAINED))
    criteria = session.execute(select(Criterion).where(Criterion.cycle_id == ctx.cycle_id,
                                                       Criterion.method == "appraisal")).scalars().all()
    ordered = sorted(criteria, key=lambda c: c.position)
    return [DraftLine(c.code, c.title, c.max_points, own.get(c.code), draft.get(c.code), explained.get(c.code))
            for c in ordered]


def evidence_criteria(session: Session, cycle_id: str) -> list[Criterion]:
    """The scored criteria a unit can attach evidence to, those requiring it first."""
    rows = session.execute(select(Criterion).where(Criterion.cycle_id == cycle_id,
                                                   Criterion.method == "appraisal")).scalars().all()
    return sorted(rows, key=lambda c: (not c.evidence_required, c.position))


def unit_result(session: Session, unit: Unit) -> tuple[UnitResult | None, OutboxMessage | None]:
    """The unit's result once announced, and its result letter."""
    result = session.scalar(select(UnitResult).where(UnitResult.unit_id == unit.id))
    letter = session.scalar(select(OutboxMessage).where(
        OutboxMessage.cycle_id == unit.cycle_id, OutboxMessage.assignee == assignee_for_unit(unit.code),
        OutboxMessage.kind == "result").order_by(OutboxMessage.id.desc()).limit(1))
    if letter is None:
        return None, None  # not announced yet: nothing is published to the unit
    return result, letter


MATRIX_LIMIT = 500
CELL_STATES = ("done", "late", "overdue", "missed", "open", "waiting", "withdrawn")


@dataclass
class Matrix:
    stages: list[str]
    units: list[UnitStatus]
    bodies: list[tuple[str, str, dict[str, str]]]  # code, name, stage → state
    shown: int
    total: int
    blocks: list[tuple[str, str]]
    groups: list[tuple[str, str]]


def matrix(session: Session, ctx: CycleContext, *, at: datetime, block: str = "", group: str = "", state: str = "",
           limit: int = MATRIX_LIMIT) -> Matrix:
    """Units × stages, filtered by block, group, and a cell state (a unit with any cell in it)."""
    query = select(Unit.id).where(Unit.cycle_id == ctx.cycle_id)
    if block:
        query = query.where(Unit.block == block)
    if group:
        query = query.where(Unit.group == group)
    if state in CELL_STATES:
        matching = select(Assignment.unit_id).where(Assignment.cycle_id == ctx.cycle_id,
                                                    Assignment.unit_id.is_not(None))
        matching = (matching.where(Assignment.late.is_(True), Assignment.status == AssignmentStatus.DONE.value)
                    if state == "late" else matching.where(Assignment.status == state))
        query = query.where(Unit.id.in_(matching))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = list(session.execute(query.order_by(Unit.block, Unit.id).limit(limit)).scalars())
    units = unit_statuses(session, ctx, ids, at=at)
    stages = [s.value for s in Stage if any(t.stage == s.value and t.owner == UNITS_OWNER
                                            for t in ctx.tasks.values())]
    body_cells: dict[str, dict[str, str]] = {}
    for task_id, assignee, status, late in session.execute(
            select(Assignment.plan_task_id, Assignment.assignee, Assignment.status, Assignment.late)
            .where(Assignment.cycle_id == ctx.cycle_id, Assignment.unit_id.is_(None))):
        task = ctx.tasks[task_id]
        cell = "late" if late and status == AssignmentStatus.DONE.value else status
        body_cells.setdefault(assignee.removeprefix("body:"), {})[f"{task.number}"] = cell
    bodies = [(code, ctx.bodies[code].name if code in ctx.bodies else code, cells)
              for code, cells in sorted(body_cells.items())]
    blocks = [(b.code, b.name) for b in ctx.spec.blocks]
    groups = sorted(ctx.spec.groups.items())
    return Matrix(stages, units, bodies, len(units), total, blocks, groups)
