"""survey.toml and population.csv: the sociological survey run online (optional files of a cycle folder).

KH 243 runs its survey "phát phiếu trực tuyến, trực tiếp"; HCMC's QĐ 4000 asks for it online. A folder with
survey.toml runs it so: each survey leaf of each criteria tree says its question (the `question` column of the
tree), the answers have their wording (`[scale]`, the answers criteria.toml weighs), and population.csv gives
each unit's population per respondent group, from which the sample to reach is computed (models.survey_plan).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

from models.definition.cycle import CriterionDef, UnitDef
from models.definition.files import read_csv, read_toml, validate
from models.definition.problems import Problems
from models.definition.specs import BlockSpec, CriteriaSetSpec, CycleSpec, Slug, Strict

FILE = "survey.toml"
POPULATION = "population.csv"
POPULATION_COLUMNS = ("unit", "group", "population")


class FixedSample(Strict):
    """A sample the plan fixes instead of the formula: so many answers from each unit of a block, in a group."""

    block: Slug
    group: int = Field(ge=1)
    size: int = Field(ge=1)


class CodedGroups(Strict):
    """Respondent groups of a block answering with single-use codes the survey body hands out (officials)."""

    block: Slug
    groups: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)


class SurveyOnlineSpec(Strict):
    margin_percent: float = Field(gt=0, le=20)  # e in n = N / (1 + N·e²), in percent: 5 is ±5 %
    minimum: int = Field(default=0, ge=0)  # at least so many answers per unit and group (never more than N)
    speed_floor_seconds: int = Field(default=60, ge=0)  # a response finished faster is set aside, not counted
    scale: dict[Annotated[str, Field(min_length=1, max_length=8)], Annotated[str, Field(min_length=1)]] = \
        Field(min_length=2)  # answer → its wording, as respondents read it ("A" = "Rất tốt")
    fixed: list[FixedSample] = Field(default_factory=list)
    codes: list[CodedGroups] = Field(default_factory=list)  # the others answer at open links
    # The plan's task (its key) whose window the survey takes answers in (tasks.survey.window).
    fieldwork: Slug = "survey_fieldwork"


@dataclass(frozen=True)
class SurveyDef:
    spec: SurveyOnlineSpec
    population: dict[tuple[str, int], int]  # (unit code, respondent group) → how many people it has


def read_survey(folder: Path, cycle: CycleSpec | None, criteria_set: CriteriaSetSpec | None,
                criteria: Sequence[CriterionDef], units: Sequence[UnitDef], problems: Problems) -> SurveyDef | None:
    """The survey online, checked against the criteria and units; None when the folder has no survey.toml."""
    if not (folder / FILE).is_file():
        return None
    data = read_toml(folder / FILE, problems)
    spec = validate(SurveyOnlineSpec, data, FILE, "", problems) if data is not None else None
    if spec is None or cycle is None:
        return None
    if criteria_set is not None and set(spec.scale) != set(criteria_set.survey.answer_weights):
        problems.add(FILE, "scale", f"answers {', '.join(sorted(spec.scale))} differ from those criteria.toml "
                                    f"weighs ({', '.join(sorted(criteria_set.survey.answer_weights))})")
    for leaf in (c for c in criteria if c.method == "survey" and not c.question):
        problems.add(leaf.tree, f"criterion {leaf.code}, column question",
                     "the survey runs online (survey.toml): each survey leaf says its question")
    blocks = {block.code: block for block in cycle.blocks}
    first_fixed: dict[tuple[str, int], int] = {}
    for index, fixed in enumerate(spec.fixed, start=1):
        again = first_fixed.setdefault((fixed.block, fixed.group), index)
        if again != index:
            problems.add(FILE, f"fixed[{index}]", f"block {fixed.block} group {fixed.group} is fixed already "
                                                  f"(fixed[{again}]): one size each")
        if fixed.block not in blocks:
            problems.add(FILE, f"fixed[{index}].block", f"unknown block {fixed.block!r}")
        elif fixed.group > len(blocks[fixed.block].respondent_groups):
            problems.add(FILE, f"fixed[{index}].group", f"block {fixed.block} has "
                                                        f"{len(blocks[fixed.block].respondent_groups)} groups")
    for index, coded in enumerate(spec.codes, start=1):
        if coded.block not in blocks:
            problems.add(FILE, f"codes[{index}].block", f"unknown block {coded.block!r}")
        elif max(coded.groups) > len(blocks[coded.block].respondent_groups):
            problems.add(FILE, f"codes[{index}].groups", f"block {coded.block} has "
                                                         f"{len(blocks[coded.block].respondent_groups)} groups")
    asked = {block.code: asked_groups(block, criteria) for block in cycle.blocks}
    population = _read_population(folder, {u.code: u for u in units}, blocks, problems)
    missing = [f"{unit.code} ({group})" for unit in units for group in asked.get(unit.block, [])
               if (unit.code, group) not in population]
    if missing:
        problems.add(POPULATION, "", f"no population for {len(missing)} unit and group(s) the survey asks: "
                                     f"{', '.join(missing[:8])}{'…' if len(missing) > 8 else ''}")
    return SurveyDef(spec, population)


def asked_groups(block: BlockSpec, criteria: Sequence[CriterionDef]) -> list[int]:
    """The block's respondent groups some survey leaf of its tree asks, in order."""
    return sorted({g for c in criteria if c.tree == block.criteria and c.method == "survey"
                   for g in c.respondents if g <= len(block.respondent_groups)})


def _read_population(folder: Path, units: dict[str, UnitDef], blocks: dict[str, BlockSpec],
                     problems: Problems) -> dict[tuple[str, int], int]:
    found: dict[tuple[str, int], int] = {}
    lines: dict[tuple[str, int], int] = {}
    for row in read_csv(folder / POPULATION, POPULATION_COLUMNS, problems):
        where, code = f"line {row.line}", row.values["unit"]
        unit = units.get(code)
        if unit is None:
            problems.add(POPULATION, f"{where}, column unit", f"{code!r} is not a unit of units.csv")
            continue
        groups = len(blocks[unit.block].respondent_groups)
        try:
            group, people = int(row.values["group"]), int(row.values["population"])
        except ValueError:
            problems.add(POPULATION, where, "group and population are whole numbers")
            continue
        if not 1 <= group <= groups:
            problems.add(POPULATION, f"{where}, column group", f"block {unit.block} has groups 1 to {groups}")
        elif people < 1:
            problems.add(POPULATION, f"{where}, column population", "a population is at least 1")
        elif (code, group) in lines:
            problems.add(POPULATION, where, f"{code} group {group} again (first on line {lines[(code, group)]})")
        else:
            found[(code, group)], lines[(code, group)] = people, row.line
    return found
