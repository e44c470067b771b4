"""A registered cycle's settings, calendar and rules, rebuilt from its database snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.definition.cycle import CriterionDef
from models.definition.specs import CriteriaSetSpec, CycleSpec
from models.lifecycle import Lifecycle, lifecycle_for
from models.refusals import NotFound
from models.tables import UNITS_OWNER, Body, Criterion, Cycle, PlanTask
from models.words import word
from models.workdays import WorkingCalendar


class UnknownCycle(NotFound):
    pass


class UnknownTask(NotFound):
    pass


@dataclass(frozen=True)
class CycleContext:
    cycle_id: str
    year: int
    title: str
    spec: CycleSpec
    criteria_set: CriteriaSetSpec
    calendar: WorkingCalendar
    reward_share: Fraction
    bodies: dict[str, Body]
    tasks: dict[int, PlanTask]  # by id
    survey: dict[str, Any] | None = None  # the survey online's rules (models.survey_store.survey_snapshot)

    @property
    def lifecycle(self) -> Lifecycle:
        """The unit lifecycle this plan's stages make."""
        return lifecycle_for(frozenset(task.stage for task in self.tasks.values()))

    def block_name(self, code: str) -> str:
        """'Khối Sở' for `so` (the code itself for a block the cycle does not name)."""
        return next((block.name for block in self.spec.blocks if block.code == code), code)

    def tree_of(self, block: str) -> str:
        """The criteria tree (a file of the cycle folder) the block's units are scored on."""
        return next((b.criteria for b in self.spec.blocks if b.code == block), "criteria.csv")

    def group_name(self, code: str) -> str:
        return self.spec.groups.get(code, code)

    def opening(self, opens_at: datetime | None) -> datetime:
        """When a task opens for people, and its mails leave: never before the plan itself is issued (at office
        time that day); a window the plan dates opens in office hours on a working day (a month that begins on
        a Sunday, days before the plan's date, opens when the office does after both)."""
        policy = self.spec.reminders
        issued = self.calendar.at_local(self.spec.plan.issued, policy.office_time)
        if opens_at is None:
            return issued
        return self.calendar.office_instant(max(opens_at, issued), policy.office_time, policy.office_end)

    def owner_name(self, owner: str) -> str:
        """Who does a task, as a reader knows them: a body's name, or "Đơn vị" for a task every unit does."""
        if owner in self.bodies:
            return self.bodies[owner].name
        return word("col.unit") if owner == UNITS_OWNER else owner

    @property
    def coordinator(self) -> Body:
        return next(body for body in self.bodies.values() if body.role == "coordinator")

    def body_of_role(self, role: str) -> Body:
        """The cycle's body in this role (cycle.toml's [[body]] role), the coordinator when it has none: the code
        is the province's own (to_cong_tac in Hà Nội, to_giup_viec in Hải Phòng)."""
        return next((body for body in self.bodies.values() if body.role == role), self.coordinator)

    def tasks_of_stage(self, stage: str) -> list[PlanTask]:
        return [task for task in self.tasks.values() if task.stage == stage]

    def unit_task(self, stage: str) -> PlanTask | None:
        """The stage's task that every unit does (self-assessment, explanations), if it has one."""
        return next((task for task in self.tasks_of_stage(stage) if task.owner == UNITS_OWNER), None)

    def task_by_number(self, number: int) -> PlanTask:
        found = next((task for task in self.tasks.values() if task.number == number), None)
        if found is None:
            numbers = ", ".join(str(n) for n in sorted(task.number for task in self.tasks.values()))
            raise UnknownTask(word("err.no_task", cycle=self.cycle_id, task=number, tasks=numbers))
        return found


def load_context(session: Session, cycle_id: str) -> CycleContext:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise UnknownCycle(word("refused.unknown_cycle", cycle=cycle_id))
    spec, criteria_set, calendar, survey = _from_snapshot(cycle.definition_json)
    bodies = {body.code: body for body in session.execute(select(Body).where(Body.cycle_id == cycle_id)).scalars()}
    tasks = {task.id: task for task in session.execute(select(PlanTask).where(PlanTask.cycle_id == cycle_id)).scalars()}
    return CycleContext(cycle_id, cycle.year, cycle.title, spec, criteria_set, calendar,
                        Fraction(criteria_set.reward.max_share_of_block), bodies, tasks, survey)


@lru_cache(maxsize=16)
def _from_snapshot(definition_json: str) -> tuple[CycleSpec, CriteriaSetSpec, WorkingCalendar,
                                                 dict[str, Any] | None]:
    """The parsed snapshot, once per process for each version of a definition (they are never changed in place:
    an update writes a new snapshot, which is parsed afresh)."""
    snapshot = json.loads(definition_json)
    spec = CycleSpec.model_validate(snapshot["cycle"])
    calendar = WorkingCalendar(
        timezone=spec.timezone,
        extra_days_off={date.fromisoformat(d): n for d, n in snapshot["days_off"].items()},
        extra_working_days={date.fromisoformat(d): n for d, n in snapshot["working_days"].items()},
    )
    return spec, CriteriaSetSpec.model_validate(snapshot["criteria_set"]), calendar, snapshot.get("survey")


def unit_tree(session: Session, cycle_id: str, block: str) -> str:
    """The criteria tree of a block of a registered cycle."""
    return load_context(session, cycle_id).tree_of(block)


def cycle_criteria(session: Session, cycle_id: str, tree: str | None = None) -> list[CriterionDef]:
    """Every node of the cycle's criteria trees (or of one tree: a block's, `ctx.tree_of(block)`), in tree order,
    as the definition types it."""
    query = select(Criterion.code, Criterion.parent_code, Criterion.title, Criterion.max_points, Criterion.method,
                   Criterion.evidence_required, Criterion.respondents, Criterion.tree
                   ).where(Criterion.cycle_id == cycle_id)
    if tree is not None:
        query = query.where(Criterion.tree == tree)
    return [CriterionDef(code, parent, title, maximum, method, evidence,
                         tuple(int(x) for x in respondents.split(",") if x), file)
            for code, parent, title, maximum, method, evidence, respondents, file in session.execute(
                query.order_by(Criterion.position))]


def criteria_by_tree(session: Session, cycle_id: str) -> dict[str, list[CriterionDef]]:
    """Each of the cycle's criteria trees, by file, in tree order."""
    found: dict[str, list[CriterionDef]] = {}
    for criterion in cycle_criteria(session, cycle_id):
        found.setdefault(criterion.tree, []).append(criterion)
    return found
