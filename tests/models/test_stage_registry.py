"""The stages as one registry (models/stages.py): every table is built from it, a plan of any shape either takes
a unit to the announcement or is refused by `cycle check` with a sentence, and a new stage is one spec."""

from __future__ import annotations

import re
import shutil
from enum import StrEnum
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.definition.loader import load_cycle
from models.definition.problems import DefinitionError
from models.lifecycle import FINAL_STATE, lifecycle_for, missing_stages
from models.stages import (
    RERUNNABLE,
    SPECS,
    STAGES,
    RerunStage,
    Stage,
    StageSpec,
    UnitEvent,
    UnitState,
    unmet_needs,
)
from models.words import words_in
from tests.conftest import HANOI
from tests.flows.test_other_plans import without_tasks

pytestmark = pytest.mark.one_pass

STAGE_NAMES = [spec.stage.value for spec in STAGES]


def test_every_stage_has_one_spec_with_its_words_in_both_languages():
    assert [spec.stage for spec in STAGES] == list(Stage)
    for language in ("vi", "en"):
        t = words_in(language)
        for spec in STAGES:
            assert t(spec.label_key) != spec.label_key, (language, spec.stage)
            assert t(spec.description_key) != spec.description_key, (language, spec.stage)


def test_every_step_a_spec_names_is_a_step_of_the_tick():
    from tasks.engine.stage_steps import STEPS

    assert {spec.step for spec in STAGES if spec.step} == set(STEPS)


def test_the_rerunnable_stages_are_those_with_a_reopen_event():
    from flows.operations import StageChoice
    from tasks.operations.rerun import RERUN_EVENTS

    assert list(RERUNNABLE) == list(RERUN_EVENTS) == [Stage(s.name) for s in StageChoice]
    assert [s.value for s in RerunStage] == [s.value for s in RERUNNABLE]


def test_each_stage_has_its_flow_under_its_name():
    import flows.stages

    for spec in STAGES:
        assert getattr(flows.stages, spec.stage.value) is flows.stages.STAGE_FLOWS[spec.stage]


@settings(max_examples=200, deadline=None)
@given(st.sets(st.sampled_from(STAGE_NAMES)))
def test_a_plan_of_any_stages_reaches_the_announcement_or_is_told_what_it_lacks(stages):
    stages = frozenset(stages)
    lacking = missing_stages(stages)
    if lacking:
        assert all(sentence.strip() and re.search(r"\(giai đoạn .+: [a-z_0-9 /]+\)", sentence) for sentence in lacking)
        return
    lifecycle = lifecycle_for(stages)
    assert lifecycle.path[0] is UnitState.REGISTERED and lifecycle.path[-1] is FINAL_STATE
    for spec in STAGES:
        if spec.stage in stages:
            assert set(spec.needs) <= stages, spec.stage
            for events, target in spec.steps:  # each step the stage takes is a transition of this plan
                assert all(lifecycle.transitions[event][1] is target for event in events)
        if spec.reopen and spec.reopen[1] in lifecycle.transitions:  # a re-run goes back to where input is awaited
            reopen, forward = spec.reopen
            assert lifecycle.transitions[reopen][1] in lifecycle.transitions[forward][0]


def without_stages(folder: Path, removed: set[str]) -> None:
    """The plan without the tasks of these stages (a task that followed a removed one follows what it followed)."""
    blocks = (folder / "plan.toml").read_text(encoding="utf-8").split("[[task]]")[1:]
    without_tasks(folder, {int(re.search(r"^number = (\d+)$", block, re.M).group(1)) for block in blocks
                           if re.search(r'^stage = "(\w+)"', block, re.M).group(1) in removed})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(removed=st.sets(st.sampled_from(sorted({"self_assessment", "appraisal_round1", "send_draft", "explanations",
                                               "appraisal_round2", "analysis_report", "announcement"}))))
def test_cycle_check_loads_a_plan_that_can_announce_and_refuses_one_that_cannot_with_a_sentence(removed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shape") / "hanoi-2023"
    shutil.copytree(HANOI, folder)
    without_stages(folder, removed)
    kept = frozenset(STAGE_NAMES) - removed
    try:
        definition = load_cycle(folder)
    except DefinitionError as refused:
        sentences = [str(p) for p in refused.problems if "plan.toml" in str(p)]
        assert sentences and missing_stages(kept), removed
        assert all(sentence in " ".join(sentences) for sentence in missing_stages(kept))
        return
    assert not missing_stages(kept)
    assert lifecycle_for(frozenset(task.stage for task in definition.tasks)).path[-1] is FINAL_STATE


def test_a_draft_sent_with_no_explanations_task_is_refused_before_any_tick(cycle_copy):
    """It passed the check before, and the first tick then failed on the missing explanations task."""
    without_stages(cycle_copy, {"explanations"})
    with pytest.raises(DefinitionError) as refused:
        load_cycle(cycle_copy)
    assert any("plan.toml" in str(p) and "giải trình" in str(p) and ": explanations)" in str(p)
               for p in refused.value.problems)


def test_a_units_stage_whose_task_is_a_bodys_is_refused(cycle_copy):
    plan = cycle_copy / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    block = re.search(r'number = 8\n(?:.*\n)*?owner = "units"', text).group(0)
    plan.write_text(text.replace(block, block.replace('owner = "units"', 'owner = "to_cong_tac"')), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_cycle(cycle_copy)
    assert any("Giải trình, bổ sung (explanations) là việc của từng đơn vị" in str(p) for p in refused.value.problems)


# The worked example: a stage of a new shape is one spec (and its catalogue lines). Here, a hearing at which the
# council hears a unit between its explanations and the second appraisal: its own state and event, re-runnable,
# needed beside explanations. The lifecycle, the plan check and the re-run table follow from the spec alone.
HearingState = StrEnum("HearingState", {"HEARD": "heard"})
HearingEvent = StrEnum("HearingEvent", {"HEAR": "hear", "REOPEN_HEARING": "reopen_hearing"})
HearingStage = StrEnum("HearingStage", {"HEARING": "hearing"})
HEARING = StageSpec(HearingStage.HEARING, owner="council", needs=(Stage.EXPLANATIONS,),  # type: ignore[arg-type]
                    steps=(((HearingEvent.HEAR,), HearingState.HEARD),),  # type: ignore[arg-type]
                    reopen=(HearingEvent.REOPEN_HEARING, HearingEvent.HEAR))  # type: ignore[arg-type]
WITH_HEARING = (*STAGES[:STAGES.index(SPECS[Stage.APPRAISAL_ROUND2])], HEARING,
                *STAGES[STAGES.index(SPECS[Stage.APPRAISAL_ROUND2]):])


def test_a_new_stage_is_one_spec():
    full = frozenset(STAGE_NAMES) | {"hearing"}
    lifecycle = lifecycle_for(full, WITH_HEARING)
    at = lifecycle.path.index
    assert at(UnitState.EXPLAINED) + 1 == at(HearingState.HEARD) == at(UnitState.APPRAISED_ROUND2) - 1
    assert lifecycle.next_state(UnitState.EXPLAINED, HearingEvent.HEAR) is HearingState.HEARD
    assert lifecycle.next_state(HearingState.HEARD, UnitEvent.APPRAISE_ROUND2) is UnitState.APPRAISED_ROUND2
    assert lifecycle.next_state(UnitState.ANNOUNCED, HearingEvent.REOPEN_HEARING) is UnitState.EXPLAINED
    # a plan without the stage walks past it, as every plan walks past a stage it lacks
    assert HearingState.HEARD not in lifecycle_for(frozenset(STAGE_NAMES), WITH_HEARING).path
    # a plan with the hearing but no explanations is told what the hearing needs (its catalogue line:
    # msgid "needs.hearing.explanations")
    lacking = unmet_needs(full - {"explanations", "send_draft"}, WITH_HEARING)
    assert ("needs.hearing.explanations", ("explanations",)) in lacking
    assert [spec.stage for spec in WITH_HEARING if spec.reopen] == [
        Stage.SELF_ASSESSMENT, Stage.APPRAISAL_ROUND1, Stage.EXPLANATIONS, HearingStage.HEARING,
        Stage.APPRAISAL_ROUND2, Stage.SCORING]
    assert "hearing" not in RerunStage.__members__  # the product's registry is untouched
