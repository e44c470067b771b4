"""docs/cycle-format.md lists every key, column and value the cycle loader accepts: a key the loader takes
and the page does not name fails here."""

from __future__ import annotations

import re
import typing
from enum import Enum

import pytest
from pydantic import BaseModel

from models.completion import parse_completion_rule
from models.definition import criteria, survey, units
from models.definition.letters import letter_names
from models.definition.specs import CriteriaSetSpec, CycleSpec, OverridesSpec, PlanSpec
from models.lifecycle import UnitState
from models.stages import Stage
from models.tables import ScoreKind
from models.workdays import DeadlineRule
from tests.conftest import ROOT

pytestmark = pytest.mark.one_pass  # files only

PAGE = (ROOT / "docs" / "cycle-format.md").read_text(encoding="utf-8")
LISTED = {name.strip("[]") for name in re.findall(r"`([^`]+)`", PAGE)}  # `[[bodies]]` names bodies
INTERNAL = {"letters"}  # CycleSpec.letters is read from the folder letters/, never from cycle.toml


def keys(model: type[BaseModel]) -> set[str]:
    """Every key a TOML file may write for the model, through its nested tables and arrays of tables."""
    found = set()
    for name, info in model.model_fields.items():
        found.add(info.alias or name)
        for inner in _models(info.annotation):
            found |= keys(inner)
    return found


def _models(annotation) -> list[type[BaseModel]]:  # type: ignore[no-untyped-def]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in typing.get_args(annotation) for model in _models(argument)]


def _values(annotation) -> set[str]:  # type: ignore[no-untyped-def]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {member.value for member in annotation}
    if typing.get_origin(annotation) is typing.Literal:
        return {str(value) for value in typing.get_args(annotation)}
    return {value for argument in typing.get_args(annotation) for value in _values(argument)}


def values(model: type[BaseModel]) -> set[str]:
    """Every allowed value the model lists (literals and enums), through its nested tables."""
    found = set()
    for info in model.model_fields.values():
        found |= _values(info.annotation)
        for inner in _models(info.annotation):
            found |= values(inner)
    return found


@pytest.mark.parametrize("model", [CycleSpec, PlanSpec, CriteriaSetSpec, OverridesSpec, survey.SurveyOnlineSpec],
                         ids=lambda m: m.__name__)
def test_every_key_and_allowed_value_the_loader_takes_is_on_the_page(model):
    assert sorted(keys(model) - INTERNAL - LISTED) == []
    assert sorted(values(model) - LISTED) == []


def test_every_column_stage_state_score_kind_rule_and_letter_is_on_the_page():
    wanted = {*criteria.COLUMNS, *criteria.OPTIONAL, *units.COLUMNS, *units.OPTIONAL, *survey.POPULATION_COLUMNS,
              *(s.value for s in Stage), *(s.value for s in UnitState),
              *(k.value for k in ScoreKind), *(r.value for r in DeadlineRule), "manual", "units",
              *{name.split(".")[0] for name in letter_names()}}
    assert sorted(wanted - LISTED) == []
    for state in UnitState:  # the completion rules the page names parse
        assert parse_completion_rule(f"units_reached:{state.value}").state is state
