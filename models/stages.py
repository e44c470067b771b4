"""The stages of a season, in order, each one registered object (StageSpec): what it does to a unit, who acts,
whether a plan needs it and what it needs beside it, how an operator re-runs it, and the name of its own step.
The lifecycle's tables (models/lifecycle.py), the plan check, the re-runnable stages, the stage flows, their
descriptions and the tick's step dispatch are all built from STAGES: adding a stage to a plan of a new shape is
one StageSpec here, its catalogue lines (the label under the stage's value, the flow's description under
`flow.<stage>`, what a plan lacks without it under `needs.<group>`) and, when it moves units, its step.

This module imports nothing heavier than the standard library: the CLI lists the stages without loading the
database layer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    SETUP = "setup"
    SELF_ASSESSMENT = "self_assessment"
    APPRAISAL_ROUND1 = "appraisal_round1"
    SEND_DRAFT = "send_draft"
    EXPLANATIONS = "explanations"
    APPRAISAL_ROUND2 = "appraisal_round2"
    SURVEY = "survey"
    SCORING = "scoring"
    ANALYSIS_REPORT = "analysis_report"
    ANNOUNCEMENT = "announcement"


class UnitState(StrEnum):
    """Where a unit stands in the season. The same Enum is the database column."""

    REGISTERED = "registered"  # loaded with the cycle; nothing open yet
    SELF_ASSESSING = "self_assessing"  # self-assessment window open (plan task 5)
    SELF_ASSESSED = "self_assessed"  # self-assessment received
    APPRAISED_ROUND1 = "appraised_round1"  # working group's first draft appraisal done (task 6)
    EXPLAINING = "explaining"  # draft sent; explanations and evidence invited (tasks 7-8)
    EXPLAINED = "explained"  # explanations received, or the window closed without them
    APPRAISED_ROUND2 = "appraised_round2"  # second draft appraisal done (task 9)
    SCORED = "scored"  # index computed with the survey results
    APPROVED = "approved"  # council approved the results
    ANNOUNCED = "announced"  # results announced (task 16): the final state


class UnitEvent(StrEnum):
    OPEN_SELF_ASSESSMENT = "open_self_assessment"
    SUBMIT_SELF_ASSESSMENT = "submit_self_assessment"
    APPRAISE_ROUND1 = "appraise_round1"
    SEND_DRAFT = "send_draft"
    SUBMIT_EXPLANATION = "submit_explanation"
    CLOSE_EXPLANATIONS = "close_explanations"  # the window ended with no explanation sent
    APPRAISE_ROUND2 = "appraise_round2"
    SCORE = "score"
    APPROVE = "approve"
    ANNOUNCE = "announce"
    # Operators re-open a stage after a correction; what depended on it is recomputed.
    REOPEN_SELF_ASSESSMENT = "reopen_self_assessment"
    REOPEN_APPRAISAL_ROUND1 = "reopen_appraisal_round1"
    REOPEN_EXPLANATIONS = "reopen_explanations"
    REOPEN_APPRAISAL_ROUND2 = "reopen_appraisal_round2"
    REOPEN_SCORING = "reopen_scoring"


Step = tuple[tuple[UnitEvent, ...], UnitState]  # the events of one forward step, and the state they lead to


@dataclass(frozen=True)
class StageSpec:
    """One stage of a season.

    steps: the forward steps a unit takes in this stage, in order (none for a stage of bodies only).
    every_plan: its steps are taken by a plan with no task of this stage too (scoring, approval, announcement).
    owner: who acts in it (`units`, or the body's role: working_group, council, institute, coordinator).
    satisfies: the requirement a plan must meet with one of the stages that name it (`needs.<group>`).
    needs: the stages a plan with this one must also have: the step of this one uses theirs.
    reopen: the operator's re-run: (the reopen event, the forward event it makes possible again).
    withdraws_final: a re-run changes what the council's final scores were given on.
    step: the name of its own step for its units (tasks.engine.stage_steps.STEPS), taken at each of its ticks.
    """

    stage: Stage
    owner: str
    steps: tuple[Step, ...] = ()
    every_plan: bool = False
    satisfies: str | None = None
    needs: tuple[Stage, ...] = ()
    reopen: tuple[UnitEvent, UnitEvent] | None = None
    withdraws_final: bool = False
    step: str | None = None

    @property
    def label_key(self) -> str:
        return self.stage.value

    @property
    def description_key(self) -> str:
        return f"flow.{self.stage.value}"


S, E = UnitState, UnitEvent

STAGES: tuple[StageSpec, ...] = (
    StageSpec(Stage.SETUP, owner="coordinator"),
    StageSpec(Stage.SELF_ASSESSMENT, owner="units", satisfies="self_assessment",
              steps=(((E.OPEN_SELF_ASSESSMENT,), S.SELF_ASSESSING), ((E.SUBMIT_SELF_ASSESSMENT,), S.SELF_ASSESSED)),
              reopen=(E.REOPEN_SELF_ASSESSMENT, E.SUBMIT_SELF_ASSESSMENT), withdraws_final=True,
              step="open_self_assessment"),
    StageSpec(Stage.APPRAISAL_ROUND1, owner="working_group", satisfies="appraisal",
              steps=(((E.APPRAISE_ROUND1,), S.APPRAISED_ROUND1),),
              reopen=(E.REOPEN_APPRAISAL_ROUND1, E.APPRAISE_ROUND1), withdraws_final=True),
    StageSpec(Stage.SEND_DRAFT, owner="working_group", needs=(Stage.APPRAISAL_ROUND1, Stage.EXPLANATIONS),
              steps=(((E.SEND_DRAFT,), S.EXPLAINING),), step="send_drafts"),
    StageSpec(Stage.EXPLANATIONS, owner="units", needs=(Stage.SEND_DRAFT,),
              steps=(((E.SUBMIT_EXPLANATION, E.CLOSE_EXPLANATIONS), S.EXPLAINED),),
              reopen=(E.REOPEN_EXPLANATIONS, E.SUBMIT_EXPLANATION), withdraws_final=True,
              step="close_explanations"),
    StageSpec(Stage.APPRAISAL_ROUND2, owner="working_group", satisfies="appraisal",
              steps=(((E.APPRAISE_ROUND2,), S.APPRAISED_ROUND2),),
              reopen=(E.REOPEN_APPRAISAL_ROUND2, E.APPRAISE_ROUND2), withdraws_final=True),
    StageSpec(Stage.SURVEY, owner="institute", step="close_survey_online"),
    StageSpec(Stage.SCORING, owner="coordinator", every_plan=True, steps=(((E.SCORE,), S.SCORED),),
              reopen=(E.REOPEN_SCORING, E.SCORE), step="score_ready_blocks"),
    StageSpec(Stage.ANALYSIS_REPORT, owner="working_group"),
    StageSpec(Stage.ANNOUNCEMENT, owner="council", every_plan=True, satisfies="announcement",
              steps=(((E.APPROVE,), S.APPROVED), ((E.ANNOUNCE,), S.ANNOUNCED)), step="announce"),
)  # fmt: skip
SPECS: dict[Stage, StageSpec] = {spec.stage: spec for spec in STAGES}
RERUNNABLE: tuple[Stage, ...] = tuple(spec.stage for spec in STAGES if spec.reopen)
# The re-runnable stages as their own type: the CLI lists them, the Prefect UI offers them in a form.
RerunStage = StrEnum("RerunStage", {stage.value: stage.value for stage in RERUNNABLE})  # type: ignore[misc]  # built from the registry: no literal members to see


# The unit state in which a units' stage takes its input (the intake's lifecycle rule, read by the task's state).
ACCEPTING_STATE: dict[Stage, UnitState] = {Stage.SELF_ASSESSMENT: S.SELF_ASSESSING, Stage.EXPLANATIONS: S.EXPLAINING}


def spec_of(stage: str) -> StageSpec:
    return SPECS[Stage(stage)]


def unmet_needs(stages: frozenset[str], registry: tuple[StageSpec, ...] = STAGES) -> list[tuple[str, tuple[str, ...]]]:
    """What a plan with these stages lacks to take a unit to the announcement, as (catalogue key, the stages
    that would meet it): a requirement no stage of the plan meets, then a stage whose step needs another."""
    groups = dict.fromkeys(spec.satisfies for spec in registry if spec.satisfies)
    lacking = [(f"needs.{group}", tuple(s.stage.value for s in registry if s.satisfies == group))
               for group in groups if not any(s.satisfies == group and s.stage in stages for s in registry)]
    said = {stage for _, meeting in lacking for stage in meeting}  # a lack already said is not said again
    for spec in registry:
        if spec.stage in stages:
            lacking += [(f"needs.{spec.stage.value}.{needed.value}", (needed.value,))
                        for needed in spec.needs if needed not in stages and needed.value not in said]
    return lacking
