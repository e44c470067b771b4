"""What the web portal shows: a unit's tasks, draft and result; the coordinator's unit × stage matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from models.cycle_context import CycleContext, unit_tree
from models.lifecycle import TransitionRefused, UnitEvent, UnitState
from models.scores import latest_versions
from models.stages import ACCEPTING_STATE, Stage
from models.tables import (
    FINISHED,
    UNITS_OWNER,
    Assignment,
    AssignmentStatus,
    Criterion,
    Cycle,
    Deadline,
    EvidenceFile,
    OutboxMessage,
    ScoreKind,
    ScoreLine,
    ScoreVersion,
    Unit,
    UnitResult,
    assignee_for_unit,
)
from models.task_states import NOT_SENT, TASK_STATES, task_state
from tasks.reads.status import UnitStatus, unit_statuses


@dataclass
class UnitTask:
    assignment_id: int
    number: int
    title: str
    product: str
    stage: str
    status: str  # its one state (models.task_states)
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


def unit_choices(session: Session, cycle_id: str) -> list[tuple[str, str]]:
    """(code, name) of every unit of the cycle, by name: what a picker offers."""
    return [(code, name) for code, name in session.execute(
        select(Unit.code, Unit.name).where(Unit.cycle_id == cycle_id).order_by(Unit.name))]


def unit_of(session: Session, cycle_id: str, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.cycle_id == cycle_id, Unit.code == code))


def unit_tasks(session: Session, ctx: CycleContext, unit: Unit, *, with_details: bool = False) -> list[UnitTask]:
    """The unit's assignments in plan order: effective deadline, why it moved, state, what is missing."""
    rows = session.execute(select(Assignment).where(Assignment.unit_id == unit.id)).scalars().all()
    found = []
    for row in rows:
        task = ctx.tasks[row.plan_task_id]
        status = task_state(row.status, late=row.late, optional=task.optional, stage=task.stage,
                            reopened=row.reopened_at is not None,
                            accepting=unit.state == ACCEPTING_STATE.get(Stage(task.stage)))
        missing = [task.product] if task.product and row.status not in FINISHED and not task.optional else []
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
    group_reason: str = ""  # the working group's "Giải trình" for its round-1 points
    sent_reason: str = ""  # what the unit sent in its newest explanations

    @property
    def changed(self) -> bool:
        return self.appraised is not None and self.own != self.appraised

    @property
    def proposed(self) -> Decimal | None:
        """The points the unit proposed in its newest explanations (None where it let the draft's stand)."""
        if self.explained is None or (self.explained == self.appraised and not self.sent_reason):
            return None
        return self.explained


def draft_lines(session: Session, ctx: CycleContext, unit: Unit) -> list[DraftLine]:
    """Every appraised criterion: the unit's points, the round-1 draft's with the group's reason, and what the
    unit has proposed since, with its own reason."""
    def lines(kind: ScoreKind) -> dict[str, tuple[Decimal, str]]:
        latest = latest_versions(session, cycle_id=ctx.cycle_id, unit_ids=[unit.id], kinds=[kind])
        version = latest.get((unit.id, kind))
        return line_texts(session, version.id) if version else {}

    own, draft, explained = (lines(ScoreKind.SELF_ASSESSED), lines(ScoreKind.APPRAISED_ROUND1),
                             lines(ScoreKind.EXPLAINED))
    criteria = session.execute(select(Criterion).where(Criterion.cycle_id == ctx.cycle_id,
                                                       Criterion.tree == ctx.tree_of(unit.block),
                                                       Criterion.method == "appraisal")).scalars().all()
    ordered = sorted(criteria, key=lambda c: c.position)

    def points(found: dict[str, tuple[Decimal, str]], code: str) -> Decimal | None:
        return found[code][0] if code in found else None

    return [DraftLine(c.code, c.title, c.max_points, points(own, c.code), points(draft, c.code),
                      points(explained, c.code), draft.get(c.code, (0, ""))[1], explained.get(c.code, (0, ""))[1])
            for c in ordered]


def line_texts(session: Session, version_id: int) -> dict[str, tuple[Decimal, str]]:
    """Criterion → (points, the reason written beside them) of one score version."""
    return {code: (points, text) for code, points, text in session.execute(
        select(ScoreLine.criterion_code, ScoreLine.points, ScoreLine.explanation)
        .where(ScoreLine.score_version_id == version_id))}


@dataclass(frozen=True)
class Receipt:
    """One version a unit sent, as its receipt says it: which, when, its total, how many lines carry a reason."""

    version: int
    at: datetime
    total: Decimal
    late: bool
    explained: int


def receipts(session: Session, unit: Unit, kind: ScoreKind) -> list[Receipt]:
    """Every version of this kind the unit has sent, newest first."""
    rows = session.execute(select(ScoreVersion.id, ScoreVersion.version, ScoreVersion.created_at,
                                  ScoreVersion.total, ScoreVersion.late)
                           .where(ScoreVersion.unit_id == unit.id, ScoreVersion.kind == kind.value)
                           .order_by(ScoreVersion.version.desc())).all()
    reasons: dict[int, int] = dict(session.execute(
        select(ScoreLine.score_version_id, func.count()).where(
            ScoreLine.score_version_id.in_([row.id for row in rows]), ScoreLine.explanation != "")
        .group_by(ScoreLine.score_version_id)).all()) if rows else {}
    return [Receipt(row.version, row.created_at, row.total, row.late, reasons.get(row.id, 0)) for row in rows]


def evidence_criteria(session: Session, unit: Unit) -> list[Criterion]:
    """The scored criteria (of its block's tree) a unit can attach evidence to, those requiring it first."""
    rows = session.execute(select(Criterion).where(Criterion.cycle_id == unit.cycle_id,
                                                   Criterion.tree == unit_tree(session, unit.cycle_id, unit.block),
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
CELL_STATES = TASK_STATES


def filter_states(ctx: CycleContext) -> list[str]:
    """The states a filter offers for this plan: "không giải trình" only where the explanations are optional,
    "không gửi" only where another task is."""
    optional = {task.stage for task in ctx.tasks.values() if task.optional}
    hidden = {"not_explained"} if "explanations" not in optional else set()
    if not optional - {"explanations"}:
        hidden.add("not_sent")
    return [state for state in CELL_STATES if state not in hidden]


def state_condition(ctx: CycleContext, state: str):
    """The assignments in this state (models.task_states), as a condition the database answers."""
    optional = [task.id for task in ctx.tasks.values() if task.optional]
    is_optional = Assignment.plan_task_id.in_(optional)
    by_state = {
        "late": (Assignment.status == AssignmentStatus.DONE.value) & Assignment.late.is_(True) & ~is_optional,
        "done": (Assignment.status == AssignmentStatus.DONE.value) & (Assignment.late.is_(False) | is_optional),
        "not_sent": (Assignment.status == AssignmentStatus.MISSED.value) & is_optional,
        "not_explained": (Assignment.status == AssignmentStatus.MISSED.value) & is_optional,
        "missed": (Assignment.status == AssignmentStatus.MISSED.value) & ~is_optional,
        "reopened": (Assignment.status == AssignmentStatus.OPEN.value) & Assignment.reopened_at.is_not(None),
        "open": (Assignment.status == AssignmentStatus.OPEN.value) & Assignment.reopened_at.is_(None),
    }
    return by_state.get(state, Assignment.status == state)


@dataclass
class Matrix:
    stages: list[str]
    units: list[UnitStatus]
    bodies: list[tuple[str, str, dict[str, str]]]  # code, name, stage → state
    shown: int
    total: int
    blocks: list[tuple[str, str]]
    groups: list[tuple[str, str]]
    plan_stages: list[str] = field(default_factory=list)  # every stage with a task in the plan, in order
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (stage, block or "") → state → n


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
        matching = matching.where(state_condition(ctx, state))
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
        cell = task_state(status, late=late, optional=task.optional, stage=task.stage)
        body_cells.setdefault(assignee.removeprefix("body:"), {})[f"{task.number}"] = cell
    bodies = [(code, ctx.bodies[code].name if code in ctx.bodies else code, cells)
              for code, cells in sorted(body_cells.items())]
    blocks = [(b.code, b.name) for b in ctx.spec.blocks]
    groups = sorted(ctx.spec.groups.items())
    plan_stages = [s.value for s in Stage if any(t.stage == s.value for t in ctx.tasks.values())]
    return Matrix(stages, units, bodies, len(units), total, blocks, groups, plan_stages, stage_counts(session, ctx))


def stage_counts(session: Session, ctx: CycleContext) -> dict[tuple[str, str], dict[str, int]]:
    """(stage, block; "" for the bodies' tasks) → each task state → how many assignments, counted by the
    database; "all" holds the total."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for task_id, block, status, late, reopened, count in session.execute(
            select(Assignment.plan_task_id, Unit.block, Assignment.status, Assignment.late,
                   Assignment.reopened_at.is_not(None), func.count())
            .outerjoin(Unit, Unit.id == Assignment.unit_id).where(Assignment.cycle_id == ctx.cycle_id)
            .group_by(Assignment.plan_task_id, Unit.block, Assignment.status, Assignment.late,
                      Assignment.reopened_at.is_not(None))):
        task = ctx.tasks[task_id]
        state = task_state(status, late=late, optional=task.optional, stage=task.stage, reopened=bool(reopened))
        cell = counts.setdefault((task.stage, block or ""), {})
        cell[state] = cell.get(state, 0) + count
        cell["all"] = cell.get("all", 0) + count
    return counts


STEPS = ("step.form", "step.send", "step.evidence", "step.explain", "step.result")


@dataclass(frozen=True)
class Countdown:
    """The unit's nearest deadline of a task it still owes: the task, its day, working days left after today
    (as the reminders count them; negative: working days overdue)."""

    number: int
    title: str
    last_day: date
    working_days: int
    today: date

    @property
    def due_today(self) -> bool:
        return self.last_day == self.today


def unit_steps(session: Session, unit: Unit, tasks: list[UnitTask]) -> list[tuple[str, str]]:
    """The unit's five steps (form, send, evidence, explanations, result), each done, skipped (an optional
    explanation not sent), current or ahead, read off the same task states as every other surface."""
    by_stage = {task.stage: task.status for task in tasks}
    sent = by_stage.get(Stage.SELF_ASSESSMENT.value) in ("done", "late")
    required = set(session.execute(select(Criterion.code).where(
        Criterion.cycle_id == unit.cycle_id, Criterion.method == "appraisal",
        Criterion.tree == unit_tree(session, unit.cycle_id, unit.block),
        Criterion.evidence_required.is_(True))).scalars())
    attached = set(session.execute(select(EvidenceFile.criterion_code).where(
        EvidenceFile.unit_id == unit.id).distinct()).scalars())
    evidence = bool(attached) and required <= attached
    explained = by_stage.get(Stage.EXPLANATIONS.value, "")
    announced = unit_result(session, unit)[1] is not None
    flags = [sent or announced, sent or announced, evidence, explained in ("done", "late"), announced]
    skipped = [False, False, False, explained in NOT_SENT, False]
    current = next((i for i, flag in enumerate(flags) if not flag and not skipped[i]), len(flags))
    return [(key, "done" if flag else "skipped" if skip else "current" if i == current else "ahead")
            for i, (key, flag, skip) in enumerate(zip(STEPS, flags, skipped, strict=True))]


def countdown(ctx: CycleContext, tasks: list[UnitTask], *, at: datetime) -> Countdown | None:
    """The nearest deadline among the tasks the unit still owes (open, re-opened or overdue)."""
    owed = sorted((t for t in tasks if t.status in ("open", "reopened", "overdue") and t.last_day),
                  key=lambda t: t.last_day or date.max)
    if not owed:
        return None
    task, today = owed[0], ctx.calendar.local_date(at)
    assert task.last_day is not None
    days = ctx.calendar.working_days_between(today, task.last_day)  # after today, as the reminders count them
    return Countdown(task.number, task.title, task.last_day, days, today)
