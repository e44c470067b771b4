"""The survey online as a cycle folder plans it: each block's questionnaire per respondent group (the survey
leaves of the block's tree that the group answers, with their questions and the answer scale), and the sample
each unit must reach in each group.

The sample: n = N / (1 + N·e²) (Yamane's formula, the one Vietnamese survey plans cite), N the unit's population
in the group and e the margin of survey.toml, rounded up to a whole respondent; at least the minimum of
survey.toml, never more than N; a sample the plan fixes for a block and group (`[[fixed]]`) instead of both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from models.definition.cycle import CriterionDef, CycleDefinition
from models.definition.specs import satisfaction_groups
from models.definition.survey import SurveyDef, asked_groups
from models.refusals import NotFound
from models.words import word


class NoSurveyOnline(NotFound):
    """A folder without survey.toml: it does not run its survey online."""


@dataclass(frozen=True)
class Question:
    code: str  # the survey leaf's code in its tree
    text: str
    max_points: Decimal
    field: str  # the field (top-level criterion) it belongs to: a page of the questionnaire


@dataclass(frozen=True)
class Questionnaire:
    block: str
    block_name: str
    group: int
    group_name: str
    satisfaction: bool  # a satisfaction group: its answers make the satisfaction rate (SIPAS)
    questions: tuple[Question, ...]
    scale: dict[str, str]


@dataclass(frozen=True)
class Quota:
    unit: str
    unit_name: str
    block: str
    group: int
    group_name: str
    population: int
    size: int
    rule: str  # formula | minimum | all (the whole population) | fixed


def _survey(definition: CycleDefinition) -> SurveyDef:
    if definition.survey is None:
        raise NoSurveyOnline(word("survey.not_online", cycle=definition.id))
    return definition.survey


def questionnaires(definition: CycleDefinition) -> list[Questionnaire]:
    """Every block's questionnaire for every respondent group its tree asks, questions in tree order."""
    survey = _survey(definition)
    found = []
    for block in definition.spec.blocks:
        tree = definition.criteria_of(block.code)
        fields = {c.code: c.title for c in tree if c.parent_code is None}
        rated = satisfaction_groups(block, definition.criteria_set)
        for group in asked_groups(block, definition.criteria):
            questions = tuple(Question(c.code, c.question, c.max_points, fields[_field_of(c)])
                              for c in tree if c.method == "survey" and group in c.respondents)
            found.append(Questionnaire(block.code, block.name, group, block.respondent_groups[group - 1],
                                       group in rated, questions, dict(survey.spec.scale)))
    return found


def _field_of(criterion: CriterionDef) -> str:
    return criterion.code.split(".", 1)[0]


def sample_size(population: int, margin_percent: float, minimum: int) -> tuple[int, str]:
    """The answers to reach from a population at the margin, and the rule that gave the number."""
    margin = Fraction(str(margin_percent)) / 100
    formula = math.ceil(Fraction(population) / (1 + population * margin * margin))
    if formula >= population or minimum >= population:
        return population, "all"
    if minimum > formula:
        return minimum, "minimum"
    return formula, "formula"


def quotas(definition: CycleDefinition) -> list[Quota]:
    """Each unit's sample in each respondent group its block's questionnaires ask, in units.csv's order."""
    survey = _survey(definition)
    fixed = {(f.block, f.group): f.size for f in survey.spec.fixed}
    found = []
    for unit in definition.units:
        block = definition.block(unit.block)
        for group in asked_groups(block, definition.criteria):
            people = survey.population[(unit.code, group)]
            if (unit.block, group) in fixed:
                size, rule = min(fixed[(unit.block, group)], people), "fixed"
            else:
                size, rule = sample_size(people, survey.spec.margin_percent, survey.spec.minimum)
            found.append(Quota(unit.code, unit.name, unit.block, group, block.respondent_groups[group - 1], people,
                               size, rule))
    return found
