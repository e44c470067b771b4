"""A cycle definition once read and checked: what the rest of parindex works from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from models.completion import CompletionRule
from models.definition.specs import BlockSpec, BodySpec, CriteriaSetSpec, CycleSpec
from models.due_text import DueSpec
from models.stages import Stage
from models.tables import UNITS_OWNER
from models.words import word
from models.workdays import DeadlineRule, WorkingCalendar

if TYPE_CHECKING:
    from models.definition.survey import SurveyDef
    from models.predecessors import Predecessor


@dataclass(frozen=True)
class UnitDef:
    code: str
    name: str
    block: str
    group: str
    email: str
    head_email: str
    # last year's units it was formed from; None: compared by its own code (units.csv without the column)
    predecessors: tuple[Predecessor, ...] | None = None


@dataclass(frozen=True)
class CriterionDef:
    code: str
    parent_code: str | None
    title: str
    max_points: Decimal
    method: str | None  # leaves: appraisal | survey
    evidence_required: bool
    respondents: tuple[int, ...]
    tree: str = "criteria.csv"  # the file of the folder it belongs to (a block's set: BlockSpec.criteria)
    question: str = ""  # a survey leaf's question, as the survey online asks it

    @property
    def is_leaf(self) -> bool:
        return self.method is not None


@dataclass(frozen=True)
class TaskDef:
    """A plan task with its deadline resolved against the cycle's working calendar."""

    number: int
    key: str
    stage: Stage
    title: str
    product: str
    owner: str
    due: DueSpec
    after: tuple[int, ...]
    deadline_rule: DeadlineRule
    opens_at: datetime | None
    last_day: date | None
    due_at: datetime | None
    moved_because: str | None
    reading: str | None  # how the due text was read, when it is not a plain date
    completion: CompletionRule
    optional: bool
    note: str

    @property
    def every_unit(self) -> bool:
        """Whether every evaluated unit does this task (else its owning body does)."""
        return self.owner == UNITS_OWNER


@dataclass(frozen=True)
class CycleDefinition:
    spec: CycleSpec
    criteria_set: CriteriaSetSpec
    tasks: tuple[TaskDef, ...]
    criteria: tuple[CriterionDef, ...]
    units: tuple[UnitDef, ...]
    calendar: WorkingCalendar
    reward_max_share: Fraction
    folder: Path
    content_hash: str
    survey: SurveyDef | None = None  # the survey run online (survey.toml), when the folder runs it so

    @property
    def id(self) -> str:
        return self.spec.id

    def body(self, code: str) -> BodySpec:
        return next(body for body in self.spec.bodies if body.code == code)

    def block(self, code: str) -> BlockSpec:
        return next(block for block in self.spec.blocks if block.code == code)

    def criteria_of(self, block: str) -> tuple[CriterionDef, ...]:
        """The block's criteria tree, in file order."""
        tree = self.block(block).criteria
        return tuple(c for c in self.criteria if c.tree == tree)

    def task(self, key: str) -> TaskDef:
        return next(task for task in self.tasks if task.key == key)

    def owner_name(self, owner: str) -> str:
        if owner == UNITS_OWNER:
            return word("owner.every_unit", blocks="; ".join(block.name for block in self.spec.blocks))
        return self.body(owner).name

    def warnings(self) -> list[str]:
        """What is allowed but likely a slip: a block's respondent group no survey criterion asks, a group of
        [groups] no unit belongs to."""
        found = [word("check.group_not_asked", block=block.name, number=number, group=name)
                 for block in self.spec.blocks for number, name in enumerate(block.respondent_groups, start=1)
                 if not any(number in c.respondents for c in self.criteria_of(block.code) if c.method == "survey")]
        used = {unit.group for unit in self.units}
        found += [word("check.group_without_units", group=name, code=code)
                  for code, name in self.spec.groups.items() if code not in used]
        return found

    def summary(self) -> str:
        leaves = sum(1 for c in self.criteria if c.is_leaf)
        return word("cli.definition", cycle=self.id, tasks=len(self.tasks), units=len(self.units),
                    blocks=len(self.spec.blocks), leaves=leaves, points=f"{self.criteria_set.total_points:g}")
